"""FinCEN filings: CTR and SAR batches written as BSA XML, recorded, and acknowledged.

A batch is built from the approved records, checked against the schema and the business rules,
and written only when it passes; the file, its SHA-256 and counts are recorded and the records
marked filed in the same transaction. An acknowledgement file assigns each report its BSA ID.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import structlog
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from lxml import etree

from blockguardian.calendar import business_date
from blockguardian.crypto import decrypt_str
from blockguardian.money import to_decimal, whole_dollars_up

from ..errors import AcknowledgementInvalid, FilingInvalid, FilingNothingToFile
from ..models import Ctr, Filing, Sar
from . import fincen_xml as fx
from .cases import assert_officer
from .ctr import FILE_PERMISSION as CTR_FILE_PERMISSION
from .sar import APPROVE_PERMISSION, sar_mark_filed

logger = structlog.get_logger(__name__)

# FinCEN identification codes for the identification types accounts and the counter record.
ID_TYPE_CODES = {
    "ssn": "1",
    "itin": "1",
    "drivers_license": "5",
    "state_id": "5",
    "passport": "6",
    "alien_registration": "7",
    "alien_id": "7",
    "other": "999",
}


@dataclass
class BatchResult:
    kind: str
    document: bytes
    errors: list[str]
    record_ids: list[int]
    filing: Filing | None = None
    path: Path | None = None
    sha256: str = ""
    counts: dict = field(default_factory=dict)


# --- people as the filing shows them -----------------------------------------------------------


def _customer_tin(customer) -> str:
    """The subject's SSN/TIN in clear for the filing, when accounts offers it
    (`accounts.selectors.customer_tin_for_filing(*, user) -> str | None`); else empty, and the
    filing says "TIN unknown"."""
    from accounts import selectors as account_selectors

    reader = getattr(account_selectors, "customer_tin_for_filing", None)
    value = reader(user=customer) if reader else None
    return "".join(ch for ch in (value or "") if ch.isalnum())


def _date(value) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _account_number(customer_id) -> str:
    return str(customer_id).replace("-", "")[:40]


def person_from_identity(identity: dict, *, customer_id, tin: str = "") -> fx.Person:
    country = identity.get("country") or ""
    return fx.Person(
        first_name=identity.get("first_name") or "",
        middle_name=identity.get("middle_name") or "",
        last_name=identity.get("last_name") or "",
        date_of_birth=_date(identity.get("date_of_birth")),
        street=identity.get("address_line1") or "",
        city=identity.get("city") or "",
        state=(identity.get("region") or "")[:3] if country in ("US", "CA", "MX") else "",
        zip=identity.get("postal_code") or "",
        country=country,
        tin=tin,
        occupation=identity.get("occupation") or "",
        account_number=_account_number(customer_id),
    )


def _subject_person(customer) -> fx.Person:
    from accounts import selectors as account_selectors

    identity = account_selectors.customer_identity(user=customer) or {
        "first_name": customer.first_name,
        "last_name": customer.last_name,
    }
    return person_from_identity(identity, customer_id=customer.pk, tin=_customer_tin(customer))


def _conductor_person(entry: dict, subject_id) -> fx.Person | None:
    """None when the subject conducted the transactions."""
    if entry.get("customer_id") and str(entry["customer_id"]) == str(subject_id):
        return None
    if entry.get("customer_id") and not entry.get("last_name"):
        from django.contrib.auth import get_user_model

        return _subject_person(get_user_model().objects.get(pk=entry["customer_id"]))
    number = decrypt_str(entry["id_number_encrypted"]) if entry.get("id_number_encrypted") else ""
    id_code = ID_TYPE_CODES.get(entry.get("id_type", ""), "999")
    is_tin = id_code == "1"
    base = person_from_identity(entry, customer_id=entry.get("customer_id") or "")
    return fx.Person(
        **{
            **base.__dict__,
            "tin": number if is_tin else "",
            "id_type": "" if is_tin else id_code,
            "id_number": "" if is_tin else number,
            "id_country": entry.get("id_issuing_country", ""),
            "id_state": entry.get("id_issuing_state", ""),
            "account_number": "",
        }
    )


# --- CTR ---------------------------------------------------------------------------------------


def ctr_report(ctr: Ctr) -> fx.CtrReport:
    codes = fx.CASH_IN_KIND_CODES if ctr.direction == Ctr.Direction.CASH_IN else fx.CASH_OUT_KIND_CODES
    other = "997" if ctr.direction == Ctr.Direction.CASH_IN else "998"
    by_code: dict[str, int] = {}
    sums: dict[str, object] = {}
    for row in ctr.transactions:
        code = codes.get(row.get("kind", ""), other)
        sums[code] = sums.get(code, 0) + to_decimal(row["amount"])
    for code, amount in sums.items():
        by_code[code] = whole_dollars_up(amount)
    conductors = tuple(p for p in (_conductor_person(c, ctr.subject_id) for c in ctr.conductors) if p is not None)
    dates = [_date(r.get("executed_on")) for r in ctr.transactions]
    return fx.CtrReport(
        transaction_date=ctr.business_date if not all(dates) else min(dates),
        cash_in=by_code if ctr.direction == Ctr.Direction.CASH_IN else {},
        cash_out=by_code if ctr.direction == Ctr.Direction.CASH_OUT else {},
        subject=_subject_person(ctr.subject),
        conductors=conductors,
        aggregated=len(ctr.transactions) > 1,
    )


def ctr_batch_prepare(*, ctrs: list[Ctr], filing_date: dt.date | None = None) -> BatchResult:
    reports = [ctr_report(c) for c in ctrs]
    document = fx.ctr_batch(reports, filing_date=filing_date or business_date())
    return BatchResult("ctr", document, fx.batch_errors(document, "ctr"), [c.pk for c in ctrs])


def ctrs_to_file(*, on: dt.date | None = None) -> list[Ctr]:
    ctrs = Ctr.objects.filter(status=Ctr.Status.APPROVED).select_related("subject").order_by("business_date", "pk")
    if on is not None:
        ctrs = ctrs.filter(business_date=on)
    return list(ctrs)


# --- SAR ---------------------------------------------------------------------------------------


def sar_report(sar: Sar) -> fx.SarReport:
    subject = dict(sar.subject_data)
    return fx.SarReport(
        subject=person_from_identity(subject, customer_id=sar.subject_id, tin=_customer_tin(sar.subject)),
        activity_start=sar.activity_start,
        activity_end=sar.activity_end,
        amount=whole_dollars_up(sar.suspicious_amount),
        classifications=tuple((int(t), int(s)) for t, s in sar.classifications),
        narrative=sar.narrative,
        continuing=sar.continues_id is not None,
    )


def sar_batch_prepare(*, sars: list[Sar], filing_date: dt.date | None = None) -> BatchResult:
    reports = [sar_report(s) for s in sars]
    document = fx.sar_batch(reports, filing_date=filing_date or business_date())
    return BatchResult("sar", document, fx.batch_errors(document, "sar"), [s.pk for s in sars])


def sars_to_file(*, case_id: int | None = None) -> list[Sar]:
    sars = Sar.objects.filter(status=Sar.Status.APPROVED).select_related("subject").order_by("due_on", "pk")
    if case_id is not None:
        sars = sars.filter(case_id=case_id)
    return list(sars)


# --- writing -----------------------------------------------------------------------------------


def _write_atomically(path: Path, document: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(document)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _counts(document: bytes) -> dict:
    root = etree.fromstring(document)
    return {
        "activities": int(root.get("ActivityCount")),
        "parties": int(root.get("PartyCount")),
        "total_amount": int(root.get("TotalAmount")),
    }


@transaction.atomic
def filing_write(
    *,
    kind: str,
    record_ids: list[int],
    acting_user,
    output: Path | str | None = None,
    dry_run: bool = False,
    filing_date: dt.date | None = None,
) -> BatchResult:
    """Build, check and (unless `dry_run`) write one batch of the given approved records
    (`acting_user` None: the operator's command or the scheduled job).

    An invalid batch raises `FilingInvalid` with every reason and writes nothing."""
    if acting_user is not None:  # None: the operator's command or the scheduled job
        assert_officer(acting_user, CTR_FILE_PERMISSION if kind == "ctr" else APPROVE_PERMISSION)
    model = Ctr if kind == "ctr" else Sar
    records = list(model.objects.select_for_update().filter(pk__in=record_ids, status="approved").order_by("pk"))
    if not records:
        raise FilingNothingToFile(f"no approved {kind.upper()} to file")
    if len(records) != len(set(record_ids)):
        raise FilingInvalid("some records are not approved (or no longer exist)")
    prepare = ctr_batch_prepare if kind == "ctr" else sar_batch_prepare
    result = prepare(**{f"{kind}s": records, "filing_date": filing_date})
    if result.errors:
        logger.warning("fincen_batch_refused", kind=kind, errors=result.errors[:20])
        raise FilingInvalid(
            f"the {kind.upper()} batch is invalid: nothing was written", errors={"batch": result.errors}
        )
    result.sha256 = hashlib.sha256(result.document).hexdigest()
    result.counts = _counts(result.document)
    if dry_run:
        return result
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
    if output is None:
        path = Path(settings.FINCEN_FILING_DIR) / f"{kind}_{stamp}_{result.sha256[:12]}.xml"
    else:
        path = Path(output)
        if path.is_dir():
            path = path / f"{kind}_{stamp}_{result.sha256[:12]}.xml"
    filing = Filing.objects.create(
        kind=kind,
        file_path=str(path),
        file_sha256=result.sha256,
        activity_count=result.counts["activities"],
        party_count=result.counts["parties"],
        total_amount=result.counts["total_amount"],
        created_by=acting_user,
    )
    now = timezone.now()
    for position, record in enumerate(records, start=1):
        if kind == "ctr":
            record.status, record.filing, record.filing_position, record.filed_at = "filed", filing, position, now
            record.save(update_fields=["status", "filing", "filing_position", "filed_at"])
        else:
            sar_mark_filed(sar=record, filing=filing, position=position, acting_user=acting_user)
    _write_atomically(path, result.document)
    result.filing, result.path = filing, path
    logger.info("fincen_batch_written", kind=kind, filing_id=filing.pk, activities=len(records), sha256=result.sha256)
    return result


# --- acknowledgements --------------------------------------------------------------------------


def _local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def acknowledgement_parse(document: bytes) -> tuple[str, list[dict]]:
    """(batch status code, [{"bsa_id", "errors": [...]}] in activity order)."""
    try:
        root = etree.fromstring(document)
    except etree.XMLSyntaxError as exc:
        raise AcknowledgementInvalid(f"not well-formed XML: {exc}") from exc
    if _local(root.tag) != "EFilingBatchXML":
        raise AcknowledgementInvalid("not a FinCEN acknowledgement (EFilingBatchXML expected)")
    activities = []
    for node in root.iter():
        if _local(node.tag) != "EFilingActivityXML":
            continue
        bsa_id = next(((c.text or "").strip() for c in node if _local(c.tag) == "BSAID"), "")
        errors = []
        for err in node:
            if _local(err.tag) != "EFilingActivityErrorXML" or len(err) == 0:
                continue
            fields = {_local(c.tag): (c.text or "").strip() for c in err}
            errors.append(
                {
                    "code": fields.get("ErrorTypeCode", ""),
                    "level": fields.get("ErrorLevelText", ""),
                    "element": fields.get("ErrorElementNameText", ""),
                    "context": fields.get("ErrorContextText", ""),
                    "text": fields.get("ErrorText", ""),
                }
            )
        activities.append({"bsa_id": bsa_id, "errors": errors})
    status = root.get("StatusCode", "")
    for node in root.iter():
        if _local(node.tag) == "EFilingSubmissionXML" and node.get("StatusCode"):
            status = node.get("StatusCode")
    return status, activities


@transaction.atomic
def acknowledgement_load(*, document: bytes, acting_user, filing: Filing | int | None = None) -> Filing:
    """Record the BSA IDs FinCEN returned, report by report in batch order.

    Without `filing`, the one written batch awaiting an acknowledgement with as many reports is
    used. Loading the same acknowledgement twice changes nothing."""
    if acting_user is not None:
        assert_officer(acting_user, APPROVE_PERMISSION)
    status, activities = acknowledgement_parse(document)
    digest = hashlib.sha256(document).hexdigest()
    already = Filing.objects.filter(acknowledgement_sha256=digest).first()
    if already is not None and (filing is None or getattr(filing, "pk", filing) == already.pk):
        return already
    if filing is None:
        candidates = list(
            Filing.objects.select_for_update().filter(status=Filing.Status.WRITTEN, activity_count=len(activities))
        )
        if len(candidates) != 1:
            raise AcknowledgementInvalid(
                f"{len(candidates)} written filings have {len(activities)} reports: name the filing"
            )
        filing = candidates[0]
    else:
        pk = filing.pk if isinstance(filing, Filing) else filing
        filing = Filing.objects.select_for_update().filter(pk=pk).first()
        if filing is None:
            raise AcknowledgementInvalid(f"filing {pk} not found")
    if filing.acknowledgement_sha256 == digest:
        return filing
    if filing.status != Filing.Status.WRITTEN:
        raise AcknowledgementInvalid(f"filing {filing.pk} is already {filing.status}")
    if len(activities) != filing.activity_count:
        raise AcknowledgementInvalid(
            f"the acknowledgement lists {len(activities)} reports, filing {filing.pk} has {filing.activity_count}"
        )
    model = Ctr if filing.kind == Filing.Kind.CTR else Sar
    records = {r.filing_position: r for r in model.objects.select_for_update().filter(filing=filing)}
    for position, activity in enumerate(activities, start=1):
        record = records.get(position)
        if record is not None and activity["bsa_id"]:
            record.bsa_id = activity["bsa_id"][:20]
            record.save(update_fields=["bsa_id"])
    rejected = status == "R"
    filing.status = Filing.Status.REJECTED if rejected else Filing.Status.ACKNOWLEDGED
    filing.acknowledged_at = timezone.now()
    filing.acknowledgement_sha256 = digest
    filing.acknowledgement_status = status[:8]
    filing.acknowledgement_errors = [
        {"position": position, **error} for position, a in enumerate(activities, start=1) for error in a["errors"]
    ]
    filing.save()
    return filing


def filing_file_read(*, filing: Filing, user) -> bytes:
    """The batch file as written, for a download: SAR batches need the SAR permission, CTR batches
    the CTR filing permission; the file must still match its recorded SHA-256; the download is
    written to the audit log (for a SAR batch, against each SAR in it too)."""
    from auditlog.models import LogEntry

    from ..errors import ComplianceObjectNotFound
    from .sar import sar_record_access

    if filing.kind == Filing.Kind.SAR:
        if not (user and user.is_active and user.is_staff and user.has_perm("compliance.handle_sar")):
            from ..errors import SarPermissionDenied

            raise SarPermissionDenied("SAR filings need the SAR permission.")
    else:
        assert_officer(user, CTR_FILE_PERMISSION)
    path = Path(filing.file_path)
    if not path.is_file():
        raise ComplianceObjectNotFound(f"the file of filing {filing.pk} is not there")
    document = path.read_bytes()
    if hashlib.sha256(document).hexdigest() != filing.file_sha256:
        raise FilingInvalid(f"the file of filing {filing.pk} no longer matches its recorded SHA-256")
    LogEntry.objects.log_create(
        filing, force_log=True, action=LogEntry.Action.ACCESS, changes={"access": ["download", path.name]}, actor=user
    )
    for sar in filing.sars.all():
        sar_record_access(sar=sar, user=user, action="download", detail=f"filing {filing.pk}")
    return document
