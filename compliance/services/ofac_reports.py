"""OFAC reports: blocked property (501.603(b)(1)), rejected transactions (501.604) and the annual
report of blocked property as of 30 June (501.603(b)(2)). Each is kept 10 years (retention class
`ofac`); the document itself is produced by `manage.py ofac_report`."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from blockguardian.calendar import add_business_days, business_date
from blockguardian.retention import RetentionClass, retain_until

from ..errors import OfacReportStateError
from ..hooks import blocked_property
from ..identity import customer_identity
from ..models import Disposition, OfacReport, SanctionsEntry, ScreeningSubject


def _entry_summary(entry: SanctionsEntry | None) -> dict:
    if entry is None:
        return {}
    return {"ent_num": entry.ent_num, "name": entry.name, "type": entry.entry_type, "programs": entry.programs}


def _month_day(text: str, year: int) -> dt.date:
    month, day = (int(part) for part in text.split("-"))
    return dt.date(year, month, day)


@transaction.atomic
def ofac_blocking_report_create(*, disposition: Disposition, acting_user=None) -> OfacReport:
    """The blocking report a confirmed match requires: due 10 business days after the block."""
    existing = OfacReport.objects.filter(disposition=disposition).first()
    if existing:
        return existing
    blocked_on = business_date()
    subject = disposition.subject
    return OfacReport.objects.create(
        kind=OfacReport.Kind.BLOCKING,
        customer=disposition.customer,
        subject=subject,
        entry=disposition.entry,
        disposition=disposition,
        event_date=blocked_on,
        due_date=add_business_days(blocked_on, settings.OFAC_BLOCKING_REPORT_BUSINESS_DAYS),
        payload={
            "entry": _entry_summary(disposition.entry),
            "subject": {"kind": subject.kind, "reference": subject.reference},
            "hit": disposition.hit_id,
            "property_blocked_on": blocked_on.isoformat(),
        },
        retain_until=retain_until(RetentionClass.OFAC, blocked_on),
        created_by=acting_user,
    )


@transaction.atomic
def ofac_rejected_transaction_report_create(
    *,
    transaction_reference: str,
    description: str,
    entry: SanctionsEntry | None = None,
    customer=None,
    subject: ScreeningSubject | None = None,
    amount: Decimal | None = None,
    currency: str = "USD",
    rejected_on: dt.date | None = None,
    acting_user=None,
) -> OfacReport:
    """The report of a transaction refused because it involved a listed party and could not be
    blocked (a transfer to a listed wallet, a payment to a listed counterparty): due 10 business
    days after the rejection. Idempotent by `transaction_reference`."""
    reference = (transaction_reference or "").strip()[:200]
    if not reference:
        raise OfacReportStateError("a transaction reference is required", code="ofac_report_reference_required")
    existing = OfacReport.objects.filter(kind=OfacReport.Kind.REJECTED_TRANSACTION, transaction_reference=reference)
    if report := existing.first():
        return report
    rejected_on = rejected_on or business_date()
    try:
        with transaction.atomic():
            return OfacReport.objects.create(
                kind=OfacReport.Kind.REJECTED_TRANSACTION,
                customer=customer,
                subject=subject,
                entry=entry,
                event_date=rejected_on,
                due_date=add_business_days(rejected_on, settings.OFAC_REJECTED_REPORT_BUSINESS_DAYS),
                transaction_reference=reference,
                payload={
                    "entry": _entry_summary(entry),
                    "description": description[:1000],
                    "amount": None if amount is None else str(amount),
                    "currency": currency,
                    "subject": {"kind": subject.kind, "reference": subject.reference} if subject else None,
                },
                retain_until=retain_until(RetentionClass.OFAC, rejected_on),
                created_by=acting_user,
            )
    except IntegrityError:  # a concurrent call made it first
        return existing.get()


@transaction.atomic
def ofac_annual_report_prepare(*, year: int, acting_user=None) -> OfacReport:
    """The annual report of property blocked as of 30 June of `year` (due 30 September). A draft
    is refreshed when prepared again; a filed report is returned unchanged."""
    as_of = _month_day(settings.OFAC_ANNUAL_REPORT_AS_OF, year)
    due = _month_day(settings.OFAC_ANNUAL_REPORT_DUE, year)
    blocks = (
        OfacReport.objects.filter(kind=OfacReport.Kind.BLOCKING, event_date__lte=as_of)
        .select_related("entry", "subject")
        .order_by("event_date", "id")
    )
    items = [
        {
            "blocking_report": report.pk,
            "blocked_on": report.event_date.isoformat(),
            "customer": str(report.customer_id) if report.customer_id else None,
            "subject": {"kind": report.subject.kind, "reference": report.subject.reference} if report.subject else None,
            "entry": _entry_summary(report.entry),
            "property": blocked_property(customer=report.customer, as_of=as_of) if report.customer_id else [],
        }
        for report in blocks
    ]
    payload = {"as_of": as_of.isoformat(), "blocked_items": items, "count": len(items)}
    report = (
        OfacReport.objects.select_for_update()
        .filter(kind=OfacReport.Kind.ANNUAL_BLOCKED_PROPERTY, event_date=as_of)
        .first()
    )
    if report is None:
        return OfacReport.objects.create(
            kind=OfacReport.Kind.ANNUAL_BLOCKED_PROPERTY,
            event_date=as_of,
            due_date=due,
            payload=payload,
            retain_until=retain_until(RetentionClass.OFAC, as_of),
            created_by=acting_user,
        )
    if report.status == OfacReport.Status.DRAFT:
        report.payload = payload
        report.save(update_fields=["payload"])
    return report


@transaction.atomic
def ofac_report_mark_filed(*, report: OfacReport, acting_user, filing_reference: str = "") -> OfacReport:
    report = OfacReport.objects.select_for_update().get(pk=report.pk)
    if report.status != OfacReport.Status.DRAFT:
        raise OfacReportStateError(f"report {report.pk} is already {report.status}")
    report.status = OfacReport.Status.FILED
    report.filed_at = timezone.now()
    report.filed_by = acting_user
    report.filing_reference = filing_reference.strip()[:100]
    report.save(update_fields=["status", "filed_at", "filed_by", "filing_reference"])
    return report


def ofac_report_document(*, report: OfacReport) -> dict:
    """The report's content, with the blocked or rejected party's identity read afresh."""
    document = {
        "report": report.pk,
        "kind": report.kind,
        "kind_label": report.get_kind_display(),
        "status": report.status,
        "event_date": report.event_date.isoformat(),
        "due_date": report.due_date.isoformat(),
        "retention_class": report.retention_class,
        "retain_until": report.retain_until.isoformat(),
        "transaction_reference": report.transaction_reference or None,
        "details": report.payload,
    }
    if report.customer_id:
        identity = customer_identity(user=report.customer)
        document["party"] = {
            "customer": str(report.customer_id),
            "name": identity.full_name,
            "date_of_birth": identity.date_of_birth.isoformat() if identity.date_of_birth else None,
            "country": identity.country,
            "citizenship": identity.citizenship,
        }
        if report.kind == OfacReport.Kind.BLOCKING:
            document["property"] = blocked_property(customer=report.customer, as_of=report.event_date)
    return document


@transaction.atomic
def ofac_report_write(
    *, report: OfacReport, directory: str | Path | None = None, output: str | Path | None = None
) -> Path:
    """Write the report document as JSON (to `output`, or `OFAC_REPORT_DIR`) and record its hash."""
    report = OfacReport.objects.select_for_update().get(pk=report.pk)
    body = json.dumps(ofac_report_document(report=report), cls=DjangoJSONEncoder, indent=2, sort_keys=True).encode()
    if output:
        path = Path(output)
    else:
        folder = Path(directory or settings.OFAC_REPORT_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"ofac-{report.kind}-{report.pk}-{report.event_date:%Y%m%d}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    report.document_sha256 = hashlib.sha256(body).hexdigest()
    report.document_written_at = timezone.now()
    report.save(update_fields=["document_sha256", "document_written_at"])
    return path
