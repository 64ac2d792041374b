"""Onboard customers from a legacy system.

    manage.py import_customers FILE.csv [--report REJECTED.csv] [--acting-user EMAIL]

Each row goes through the same services as a customer who registers and submits their identity:
the account is created (no password: the customer sets one with "forgot password", which also
confirms their email address), the CIP record is stored encrypted with its blind indexes (duplicate
identities are flagged for review), and the KYC record is walked to the legacy status
(unverified → pending → verified / rejected / info_requested), so compliance screens every submitted
customer. The file is read as a stream, one transaction per row, with a progress bar. Re-running is
safe: a row whose `external_id` was imported before is skipped. Rows that cannot be imported are
listed with the reason in the report (default: FILE.rejected.csv) and nothing of them is kept.

CSV format: UTF-8, comma-separated, a header row; columns in any order, extra columns ignored.

    column              required  content
    external_id         yes       the customer's id in the legacy system (at most 64 characters)
    email               yes       login email address; must not belong to another customer
    first_name          yes       legal first name
    middle_name         no        legal middle name
    last_name           yes       legal last name
    date_of_birth       yes       YYYY-MM-DD; the customer must be at least KYC_MINIMUM_AGE (18)
    address_line1       yes       residential street address (PO boxes are refused)
    address_line2       no        apartment, suite
    city                yes
    region              no        state or province
    postal_code         yes
    country             yes       country of residence, ISO 3166-1 alpha-2 (US)
    citizenship         no        ISO 3166-1 alpha-2; defaults to `country`
    ssn_tin             see note  SSN or ITIN, dashes allowed (123-45-6789)
    passport_number     see note  for a non-US person without an SSN/ITIN
    passport_country    see note  the passport's issuing country, ISO 3166-1 alpha-2
    kyc_status          yes       unverified | pending | verified | rejected | info_requested
    risk_rating         no        low | medium | high (default: by country and US-person status)
    phone_number        no        the customer's phone number

Note: US citizens (and rows with citizenship US) need `ssn_tin`; anyone else gives `ssn_tin` or
`passport_number` with `passport_country`.

Example:

    external_id,email,first_name,last_name,date_of_birth,address_line1,city,region,postal_code,country,ssn_tin,kyc_status,risk_rating
    L-1001,ann@example.com,Ann,Lee,1980-02-29,12 Main Street,Springfield,IL,62701,US,123-45-6789,verified,low
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from accounts.models import CustomerProfile, IdentifierType, User
from accounts.services import KycSubmission, customer_create, kyc_import
from blockguardian.errors import ApplicationError

REQUIRED = [
    "external_id",
    "email",
    "first_name",
    "last_name",
    "date_of_birth",
    "address_line1",
    "city",
    "postal_code",
    "country",
    "kyc_status",
]


class RowRejected(Exception):
    pass


class Command(BaseCommand):
    help = "Import customers from a legacy system's CSV export (see the module docstring for the format)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--report", type=Path, default=None, help="Where to list rejected rows.")
        parser.add_argument("--acting-user", default=None, help="Email of the staff member running the import.")

    def handle(self, *args, file: Path, report: Path | None, acting_user: str | None, **options):
        if not file.is_file():
            raise CommandError(f"{file} does not exist")
        actor = None
        if acting_user:
            actor = User.objects.filter(email__iexact=acting_user, is_staff=True).first()
            if actor is None:
                raise CommandError(f"no staff user {acting_user}")
        report = report or file.with_suffix(".rejected.csv")
        counts = {"imported": 0, "skipped": 0, "rejected": 0}
        with (
            file.open(newline="", encoding="utf-8-sig") as source,
            report.open("w", newline="", encoding="utf-8") as sink,
        ):
            reader = csv.DictReader(source)
            missing = [column for column in REQUIRED if column not in (reader.fieldnames or [])]
            if missing:
                raise CommandError(f"the header lacks the columns: {', '.join(missing)}")
            rejected = csv.writer(sink)
            rejected.writerow(["line", "external_id", "reason"])
            for row in tqdm(reader, desc="customers", unit="row", disable=None):
                line = reader.line_num
                try:
                    outcome = self._import_row(row, actor=actor)
                except RowRejected as exc:
                    counts["rejected"] += 1
                    rejected.writerow([line, (row.get("external_id") or "").strip(), str(exc)])
                    continue
                counts[outcome] += 1
        self.stdout.write(
            f"imported {counts['imported']}, already imported {counts['skipped']}, rejected {counts['rejected']}"
            + (f" (see {report})" if counts["rejected"] else "")
        )

    def _import_row(self, row: dict, *, actor: User | None) -> str:
        value = {key: (row.get(key) or "").strip() for key in row if key}
        for column in REQUIRED:
            if not value.get(column):
                raise RowRejected(f"{column} is empty")
        external_id = value["external_id"]
        if len(external_id) > 64:
            raise RowRejected("external_id is longer than 64 characters")
        if CustomerProfile.objects.filter(external_id=external_id).exists():
            return "skipped"
        if User.objects.filter(email__iexact=value["email"]).exists():
            raise RowRejected("the email address belongs to another customer")
        try:
            born = dt.date.fromisoformat(value["date_of_birth"])
        except ValueError as exc:
            raise RowRejected("date_of_birth is not YYYY-MM-DD") from exc
        country = value["country"].upper()
        citizenship = (value.get("citizenship") or country).upper()
        if value.get("ssn_tin"):
            digits = "".join(ch for ch in value["ssn_tin"] if ch.isdigit())
            identifier_type = IdentifierType.ITIN if digits.startswith("9") else IdentifierType.SSN
            identifier, issuing = value["ssn_tin"], ""
        elif value.get("passport_number"):
            identifier_type = IdentifierType.PASSPORT
            identifier, issuing = value["passport_number"], (value.get("passport_country") or "").upper()
        else:
            raise RowRejected("neither ssn_tin nor passport_number is given")
        data = KycSubmission(
            legal_first_name=value["first_name"],
            legal_middle_name=value.get("middle_name", ""),
            legal_last_name=value["last_name"],
            date_of_birth=born,
            address_line1=value["address_line1"],
            address_line2=value.get("address_line2", ""),
            city=value["city"],
            region=value.get("region", ""),
            postal_code=value["postal_code"],
            country=country,
            citizenship=citizenship,
            identifier_type=identifier_type,
            identifier=identifier,
            identifier_issuing_country=issuing,
            id_document_type="passport" if identifier_type == IdentifierType.PASSPORT else "",
            id_document_number=identifier if identifier_type == IdentifierType.PASSPORT else "",
            id_document_issuing_country=issuing,
        )
        try:
            with transaction.atomic():
                user = customer_create(
                    email=value["email"],
                    first_name=value["first_name"],
                    last_name=value["last_name"],
                    password=None,
                    external_id=external_id,
                    phone_number=value.get("phone_number", ""),
                    acting_user=actor,
                )
                kyc_import(
                    user=user,
                    data=data,
                    status=value["kyc_status"].lower(),
                    risk_rating=(value.get("risk_rating") or "").lower(),
                    acting_user=actor,
                    source_reference=f"external id {external_id}",
                )
        except ApplicationError as exc:
            raise RowRejected(exc.detail) from exc
        except ValueError as exc:
            raise RowRejected(str(exc)) from exc
        return "imported"
