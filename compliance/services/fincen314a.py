"""FinCEN 314(a) subject lists: load, match against customers, decide each match.

Restricted to the BSA officer (`compliance.handle_314a`); never shown to a customer nor exported.
The file layout (one subject per row, FinCEN's subject-list fields) is described in
`compliance/data/fincen314a/README.md`. Matching searches the accounts open or used in the last
12 months (names and dates of birth through accounts) and the named parties of the transaction
records of the last 6 (branch cash conductors, bank account holders, wire beneficiaries; through
`compliance.hooks.transaction_parties`).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

import structlog
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from blockguardian.audit.services import audit_bulk_created
from blockguardian.calendar import business_date
from blockguardian.crypto import blind_index, encrypt_str, last_four
from blockguardian.errors import Forbidden

from ..errors import Fincen314aFileInvalid, Fincen314aMatchStateError
from ..hooks import transaction_parties
from ..identity import customer_identity, customers_active_since
from ..models import Fincen314aList, Fincen314aMatch, Fincen314aSubject
from ..screening.countries import country_code
from ..screening.engine import EntryInfo, ListedName, SanctionsIndex, ScreeningConfig, make_query
from ..screening.ofac import DateOfBirth

logger = structlog.get_logger(__name__)

PERMISSION = "compliance.handle_314a"
COLUMNS = (
    "tracking_number",
    "subject_type",
    "last_name",
    "first_name",
    "middle_name",
    "suffix",
    "alias_last_name",
    "alias_first_name",
    "alias_middle_name",
    "alias_suffix",
    "business_name",
    "alias_business_name",
    "number",
    "number_type",
    "dob",
    "street",
    "city",
    "state",
    "zip",
    "country",
    "phone",
)
REQUIRED = ("tracking_number",)


def _assert_bsa_officer(user) -> None:
    if user is not None and not (user.is_active and user.has_perm(PERMISSION)):
        raise Forbidden("314(a) requests are restricted to the BSA officer.")


def _parse_dob(value: str, row_number: int) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    for fmt in ("%m/%d/%Y", "%Y-%m-%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    raise Fincen314aFileInvalid(f"row {row_number}: DOB {value!r} is not MM/DD/YYYY or YYYY-MM-DD")


def _rows(path: Path) -> Iterator[tuple[int, dict]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames:
            raise Fincen314aFileInvalid("the file is empty")
        header = [h.strip().lower() for h in reader.fieldnames]
        unknown = sorted(set(header) - set(COLUMNS))
        missing = [c for c in REQUIRED if c not in header]
        if unknown or missing:
            raise Fincen314aFileInvalid(
                f"unexpected columns {unknown or '-'}; missing {missing or '-'}; expected: {', '.join(COLUMNS)}"
            )
        for number, row in enumerate(reader, start=2):
            yield number, {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}


def _subject(request_list: Fincen314aList, number: int, row: dict) -> Fincen314aSubject:
    if not row.get("tracking_number"):
        raise Fincen314aFileInvalid(f"row {number}: tracking_number is required")
    subject_type = (row.get("subject_type") or ("business" if row.get("business_name") else "individual")).lower()
    if subject_type not in {"individual", "business"}:
        raise Fincen314aFileInvalid(f"row {number}: subject_type must be individual or business")
    if not (row.get("last_name") or row.get("business_name")):
        raise Fincen314aFileInvalid(f"row {number}: a last_name or a business_name is required")
    number_value = row.get("number", "")
    return Fincen314aSubject(
        request_list=request_list,
        row_number=number,
        tracking_number=row["tracking_number"][:50],
        subject_type=subject_type,
        last_name=row.get("last_name", "")[:200],
        first_name=row.get("first_name", "")[:200],
        middle_name=row.get("middle_name", "")[:200],
        suffix=row.get("suffix", "")[:50],
        alias_last_name=row.get("alias_last_name", "")[:200],
        alias_first_name=row.get("alias_first_name", "")[:200],
        alias_middle_name=row.get("alias_middle_name", "")[:200],
        business_name=(row.get("business_name") or "")[:300],
        number_type=row.get("number_type", "")[:50],
        number_encrypted=encrypt_str(number_value) if number_value else "",
        number_blind_index=blind_index(number_value, purpose="fincen314a-number") if number_value else "",
        number_last4=last_four(number_value) if number_value else "",
        date_of_birth=_parse_dob(row.get("dob", ""), number),
        street=row.get("street", "")[:300],
        city=row.get("city", "")[:100],
        state=row.get("state", "")[:50],
        zip=row.get("zip", "")[:20],
        country=row.get("country", "")[:100],
        phone=row.get("phone", "")[:50],
    )


def fincen314a_list_load(
    *,
    path: str | Path,
    received_on: dt.date | None = None,
    name: str = "",
    acting_user=None,
    progress: Callable[[int], None] | None = None,
) -> tuple[Fincen314aList, bool]:
    """Load a subject list and match it against customers; matches are due 14 days after the
    list was received. Idempotent: the same file again returns the first load (False)."""
    _assert_bsa_officer(acting_user)
    path = Path(path)
    if not path.is_file():
        raise Fincen314aFileInvalid(f"no file at {path}")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if existing := Fincen314aList.objects.filter(file_sha256=digest).first():
        return existing, False
    received_on = received_on or business_date()
    with transaction.atomic():
        request_list = Fincen314aList.objects.create(
            name=(name or path.name)[:200],
            file_sha256=digest,
            received_on=received_on,
            due_on=received_on + dt.timedelta(days=settings.FINCEN_314A_RESPONSE_DAYS),
            loaded_by=acting_user,
        )
        subjects = [_subject(request_list, number, row) for number, row in _rows(path)]
        if not subjects:
            raise Fincen314aFileInvalid("the file has no subjects")
        audit_bulk_created(
            instances=Fincen314aSubject.objects.bulk_create(subjects, batch_size=1000), acting_user=acting_user
        )
        request_list.subjects_count = len(subjects)
        request_list.save(update_fields=["subjects_count"])
    fincen314a_match_customers(request_list=request_list, progress=progress)
    return request_list, True


def _subject_index(request_list: Fincen314aList) -> SanctionsIndex:
    def entries():
        for subject in request_list.subjects.all().order_by("pk"):
            person = subject.subject_type == "individual"
            names: list[ListedName] = []
            if subject.last_name:
                names.append(ListedName(f"{subject.last_name}, {subject.first_name} {subject.middle_name}".strip(" ,")))
            if subject.alias_last_name:
                alias = f"{subject.alias_last_name}, {subject.alias_first_name} {subject.alias_middle_name}"
                names.append(ListedName(alias.strip(" ,"), None, "aka"))
            if subject.business_name:
                names.append(ListedName(subject.business_name))
            dob = subject.date_of_birth
            info = EntryInfo(
                key=subject.pk,
                ent_num=subject.row_number,
                name=names[0].text if names else subject.tracking_number,
                entry_type="person" if person else "entity",
                dates_of_birth=(DateOfBirth(dob.isoformat(), dob, dob, "day"),) if dob else (),
                countries=frozenset(c for c in [country_code(subject.country)] if c),
            )
            yield info, names

    threshold = settings.FINCEN_314A_MATCH_THRESHOLD
    return SanctionsIndex(
        entries(), ScreeningConfig.from_settings(review_threshold=threshold, confident_threshold=max(threshold, 95.0))
    )


def fincen314a_match_customers(*, request_list: Fincen314aList, progress: Callable[[int], None] | None = None) -> int:
    """Match the list's subjects against the customers of the last 12 months; returns the number
    of new matches. Re-running adds nothing already found."""
    index = _subject_index(request_list)
    since = timezone.now() - relativedelta(months=settings.FINCEN_314A_ACCOUNT_LOOKBACK_MONTHS)
    searched = created = 0
    for user in customers_active_since(since):
        searched += 1
        if progress:
            progress(1)
        identity = customer_identity(user=user)
        if not identity.last_name:
            continue
        query = make_query(identity.parsed_name, date_of_birth=identity.date_of_birth, countries=identity.countries)
        for match in index.screen(query, limit=None):
            _, new = Fincen314aMatch.objects.get_or_create(
                subject_id=match.entry.key,
                customer=user,
                transaction_reference="",
                defaults={
                    "score": round(match.score, 2),
                    "reasons": match.reasons,
                    "due_on": request_list.due_on,
                    "matched_name": identity.full_name[:200],
                },
            )
            created += int(new)
    parties_searched, party_matches = _match_transaction_parties(request_list=request_list, index=index)
    created += party_matches
    with transaction.atomic():
        locked = Fincen314aList.objects.select_for_update().get(pk=request_list.pk)
        locked.customers_searched = searched
        locked.transaction_parties_searched = parties_searched
        locked.matched_at = timezone.now()
        open_matches = Fincen314aMatch.objects.filter(subject__request_list=locked, status=Fincen314aMatch.Status.OPEN)
        locked.status = Fincen314aList.Status.OPEN if open_matches.exists() else Fincen314aList.Status.CLOSED
        locked.save(update_fields=["customers_searched", "transaction_parties_searched", "matched_at", "status"])
    logger.info("fincen314a_matched", list=request_list.pk, customers=searched, new_matches=created)
    return created


def _match_transaction_parties(*, request_list: Fincen314aList, index: SanctionsIndex) -> tuple[int, int]:
    """Match the subjects against the named parties of the transaction records of the lookback
    window; a match names the transaction and its account holder. Returns (searched, new matches)."""
    since = timezone.now() - relativedelta(months=settings.FINCEN_314A_TRANSACTION_LOOKBACK_MONTHS)
    searched = created = 0
    for party in transaction_parties(since=since):
        searched += 1
        if not (party["name"] or "").strip():
            continue
        query = make_query(party["name"], date_of_birth=party["date_of_birth"])
        for match in index.screen(query, limit=None):
            _, new = Fincen314aMatch.objects.get_or_create(
                subject_id=match.entry.key,
                customer_id=party["customer_id"],
                transaction_reference=party["reference"],
                defaults={
                    "score": round(match.score, 2),
                    "reasons": match.reasons,
                    "due_on": request_list.due_on,
                    "matched_name": party["name"][:200],
                },
            )
            created += int(new)
    return searched, created


@transaction.atomic
def fincen314a_match_decide(*, match: Fincen314aMatch, decision: str, acting_user, note: str = "") -> Fincen314aMatch:
    """The BSA officer confirms and reports a match to FinCEN, or records that it is not one."""
    if acting_user is None:
        raise Forbidden("314(a) requests are restricted to the BSA officer.")
    _assert_bsa_officer(acting_user)
    if decision not in {Fincen314aMatch.Status.REPORTED, Fincen314aMatch.Status.NOT_A_MATCH}:
        raise Fincen314aMatchStateError(f"decision must be reported or not_a_match, not {decision!r}")
    match = Fincen314aMatch.objects.select_for_update().get(pk=match.pk)
    if match.status != Fincen314aMatch.Status.OPEN:
        raise Fincen314aMatchStateError(f"match {match.pk} is already {match.status}")
    match.status = decision
    match.decided_at = timezone.now()
    match.decided_by = acting_user
    match.note = note.strip()[:4000]
    match.save(update_fields=["status", "decided_at", "decided_by", "note"])
    request_list = Fincen314aList.objects.select_for_update().get(pk=match.subject.request_list_id)
    still_open = Fincen314aMatch.objects.filter(subject__request_list=request_list, status=Fincen314aMatch.Status.OPEN)
    if request_list.matched_at and not still_open.exists():
        request_list.status = Fincen314aList.Status.CLOSED
        request_list.save(update_fields=["status"])
    return match
