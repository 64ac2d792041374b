"""Suspicious Activity Reports: `draft → in_review → approved → filed / closed_no_filing`.

A SAR is drafted from a case marked `sar_required`. SAR records carry their own permission
(`compliance.handle_sar`: compliance and BSA officers; `compliance.approve_sar`: the BSA officer),
whoever prepared a SAR cannot approve it, and every view or download is written to the audit log.
Nothing here is ever shown to the customer.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import structlog
from auditlog.models import LogEntry
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from blockguardian.money import quantize_cash, to_decimal

from ..errors import (
    ComplianceInputInvalid,
    ComplianceObjectNotFound,
    SarFourEyes,
    SarInvalid,
    SarPermissionDenied,
    SarStateError,
)
from ..models import Alert, Case, Sar
from .fincen_xml import SAR_TYPES, classification_errors

logger = structlog.get_logger(__name__)

HANDLE_PERMISSION = "compliance.handle_sar"
APPROVE_PERMISSION = "compliance.approve_sar"
TERRORIST_FINANCING_TYPE = 7
SAR_MOVES = {
    Sar.Status.DRAFT: {Sar.Status.IN_REVIEW},
    Sar.Status.IN_REVIEW: {Sar.Status.APPROVED},
    Sar.Status.APPROVED: {Sar.Status.FILED, Sar.Status.CLOSED_NO_FILING},
}

NARRATIVE_TEMPLATE = """\
{institution} is filing this {report_kind} on {subject} (customer since {customer_since}) for \
activity between {start} and {end} totalling ${amount} (attempted and blocked transactions included).

Classification: {classifications}.

How the activity was detected: {detections}

Transactions and records reviewed: {evidence}

The records supporting this report are kept by {institution} and are available to law \
enforcement on request."""


def sar_threshold() -> Decimal:
    key = {"broker_dealer": "SAR_THRESHOLD_BROKER_DEALER", "bank": "SAR_THRESHOLD_BANK", "msb": "SAR_THRESHOLD_MSB"}
    return to_decimal(getattr(settings, key[settings.BSA_INSTITUTION_TYPE]))


def sar_due_on(*, detected_on: dt.date, suspect_identified: bool, continues: Sar | None = None) -> dt.date:
    """30 calendar days after initial detection; broker-dealers and banks may take up to 30 more
    to identify a suspect (never beyond 60 in all); MSBs have no extension. A continuing-activity
    SAR is due 120 days after the previous one was filed."""
    if continues is not None and continues.filed_at is not None:
        return timezone.localtime(continues.filed_at).date() + dt.timedelta(days=settings.SAR_CONTINUING_ACTIVITY_DAYS)
    days = settings.SAR_FILING_DAYS
    if not suspect_identified and settings.BSA_INSTITUTION_TYPE != "msb":
        days = min(days + settings.SAR_NO_SUSPECT_EXTENSION_DAYS, settings.SAR_MAX_DAYS)
    return detected_on + dt.timedelta(days=days)


def can_see_sars(user) -> bool:
    return bool(user and user.is_active and user.is_staff and user.has_perm(HANDLE_PERMISSION))


def _assert_sar_role(user, permission: str = HANDLE_PERMISSION) -> None:
    if not (user and user.is_active and user.is_staff and user.has_perm(permission)):
        raise SarPermissionDenied("SAR records need the SAR permission.")


def _subject_data(customer) -> dict:
    """The subject as KYC holds it (identification numbers as their last four characters only)."""
    from accounts import selectors as account_selectors

    identity = account_selectors.customer_identity(user=customer) or {}
    data = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in identity.items()}
    data.setdefault("user_id", str(customer.pk))
    if not identity:
        data.update(first_name=customer.first_name or "", last_name=customer.last_name or "", from_kyc=False)
    else:
        data["from_kyc"] = True
    data["customer_since"] = timezone.localtime(customer.date_joined).date().isoformat()
    return data


def _narrative(*, subject: dict, case_alerts: list[Alert], amount: Decimal, start, end, classifications, continues):
    names = [subject.get("first_name", ""), subject.get("middle_name", ""), subject.get("last_name", "")]
    detections = "; ".join(
        f"rule {a.rule_name} (version {a.rule_version}) on {timezone.localtime(a.detected_at).date().isoformat()}"
        + (f", ${quantize_cash(a.amount)}" if a.amount is not None else "")
        for a in case_alerts
    )
    evidence = sorted({ref for a in case_alerts for ref in a.evidence})
    kinds = ", ".join(f"{SAR_TYPES.get(int(t), t)} (subtype {s})" for t, s in classifications)
    return NARRATIVE_TEMPLATE.format(
        institution=settings.FINCEN_INSTITUTION_NAME,
        report_kind=f"continuing activity report (previous SAR {continues.pk})" if continues else "report",
        subject=" ".join(n for n in names if n) or f"customer {subject.get('user_id')}",
        customer_since=subject.get("customer_since", "unknown"),
        start=start.isoformat(),
        end=end.isoformat(),
        amount=f"{quantize_cash(amount):,}",
        classifications=kinds,
        detections=detections or "officer referral",
        evidence=", ".join(evidence) or "none referenced",
    )


@transaction.atomic
def sar_draft_create(
    *,
    case: Case | int,
    acting_user,
    classifications: list[tuple[int, int]],
    suspect_identified: bool = True,
    continues: Sar | None = None,
    suspicious_amount: Decimal | str | None = None,
    activity_start: dt.date | None = None,
    activity_end: dt.date | None = None,
) -> Sar:
    """Draft a SAR from a case marked `sar_required`: subject data from KYC, the amount and dates
    from the case's alerts (unless given), the narrative filled from their evidence."""
    _assert_sar_role(acting_user)
    pk = case.pk if isinstance(case, Case) else case
    try:
        case = Case.objects.select_for_update().get(pk=pk)
    except Case.DoesNotExist as exc:
        raise ComplianceObjectNotFound(f"case {pk} not found") from exc
    if case.status != Case.Status.SAR_REQUIRED:
        raise SarStateError(f"case {case.pk} is {case.status}; a SAR is drafted from a case marked sar_required")
    if case.sars.filter(status__in=[Sar.Status.DRAFT, Sar.Status.IN_REVIEW, Sar.Status.APPROVED]).exists():
        raise SarStateError(f"case {case.pk} already has a SAR in progress")
    pairs = [(int(t), int(s)) for t, s in classifications] if classifications else []
    if errors := classification_errors(pairs):
        raise SarInvalid("; ".join(errors), errors={"classifications": errors})
    if continues is not None and (continues.subject_id != case.customer_id or continues.status != Sar.Status.FILED):
        raise SarInvalid("a continuing-activity SAR continues a filed SAR on the same subject")
    alerts = list(case.alerts.order_by("detected_at", "pk"))
    amount = (
        to_decimal(suspicious_amount)
        if suspicious_amount is not None
        else sum((a.amount for a in alerts if a.amount is not None), Decimal("0"))
    )
    if amount < 0:
        raise ComplianceInputInvalid("the suspicious amount cannot be negative")
    amount = quantize_cash(amount)
    days = [d for a in alerts for d in (a.activity_start, a.activity_end) if d] or [case.detected_on]
    start, end = activity_start or min(days), activity_end or max(days)
    if end < start:
        raise ComplianceInputInvalid("the activity ends before it starts")
    subject = _subject_data(case.customer)
    terrorist = case.terrorist_financing or any(t == TERRORIST_FINANCING_TYPE for t, _ in pairs)
    sar = Sar.objects.create(
        case=case,
        subject=case.customer,
        subject_data=subject,
        suspect_identified=suspect_identified,
        suspicious_amount=amount,
        activity_start=start,
        activity_end=end,
        classifications=[list(p) for p in pairs],
        narrative=_narrative(
            subject=subject,
            case_alerts=alerts,
            amount=amount,
            start=start,
            end=end,
            classifications=pairs,
            continues=continues,
        ),
        evidence=sorted({ref for a in alerts for ref in a.evidence}),
        detected_on=case.detected_on,
        due_on=sar_due_on(detected_on=case.detected_on, suspect_identified=suspect_identified, continues=continues),
        continues=continues,
        terrorist_financing=terrorist,
        prepared_by=acting_user,
    )
    if terrorist and not case.terrorist_financing:
        case.terrorist_financing = True
        case.save(update_fields=["terrorist_financing"])
    if terrorist:
        logger.critical("compliance_immediate_escalation", case_id=case.pk, sar_id=sar.pk, terrorist_financing=True)
    return sar


def _sar_locked(sar: Sar | int) -> Sar:
    pk = sar.pk if isinstance(sar, Sar) else sar
    try:
        return Sar.objects.select_for_update().get(pk=pk)
    except Sar.DoesNotExist as exc:
        raise ComplianceObjectNotFound(f"SAR {pk} not found") from exc


def _move(sar: Sar, to: str) -> None:
    if to not in SAR_MOVES.get(sar.status, set()):
        raise SarStateError(f"SAR {sar.pk} cannot move from {sar.status} to {to}")


@transaction.atomic
def sar_narrative_edit(*, sar: Sar | int, narrative: str, acting_user) -> Sar:
    _assert_sar_role(acting_user)
    sar = _sar_locked(sar)
    if sar.status != Sar.Status.DRAFT:
        raise SarStateError(f"SAR {sar.pk} is {sar.status}; only a draft's narrative can change")
    narrative = (narrative or "").strip()
    if not narrative or len(narrative) > 5 * 4000:
        raise ComplianceInputInvalid("the narrative needs 1 to 20,000 characters", errors={"narrative": ["length"]})
    sar.narrative = narrative
    sar.save(update_fields=["narrative"])
    return sar


@transaction.atomic
def sar_submit_for_review(*, sar: Sar | int, acting_user) -> Sar:
    _assert_sar_role(acting_user)
    sar = _sar_locked(sar)
    _move(sar, Sar.Status.IN_REVIEW)
    sar.status, sar.submitted_at = Sar.Status.IN_REVIEW, timezone.now()
    sar.save(update_fields=["status", "submitted_at"])
    return sar


@transaction.atomic
def sar_approve(*, sar: Sar | int, acting_user) -> Sar:
    """Four eyes: a second officer holding `compliance.approve_sar` approves; the preparer never."""
    _assert_sar_role(acting_user, APPROVE_PERMISSION)
    sar = _sar_locked(sar)
    if sar.prepared_by_id == acting_user.pk:
        raise SarFourEyes("You prepared this SAR: a second officer must approve it.")
    _move(sar, Sar.Status.APPROVED)
    sar.status, sar.approved_by, sar.approved_at = Sar.Status.APPROVED, acting_user, timezone.now()
    sar.save(update_fields=["status", "approved_by", "approved_at"])
    return sar


@transaction.atomic
def sar_close_no_filing(*, sar: Sar | int, reason: str, acting_user) -> Sar:
    _assert_sar_role(acting_user, APPROVE_PERMISSION)
    sar = _sar_locked(sar)
    _move(sar, Sar.Status.CLOSED_NO_FILING)
    reason = (reason or "").strip()
    if not reason:
        raise ComplianceInputInvalid("closing a SAR without filing needs a reason", errors={"reason": ["required"]})
    sar.status, sar.closing_reason = Sar.Status.CLOSED_NO_FILING, reason
    sar.closed_at, sar.closed_by = timezone.now(), acting_user
    sar.save(update_fields=["status", "closing_reason", "closed_at", "closed_by"])
    return sar


def sar_mark_filed(*, sar: Sar, filing, position: int, acting_user) -> Sar:
    """Inside the filing's transaction: the SAR is filed, the next continuing-activity review is
    due in 120 days, and the case closes once none of its SARs is still open."""
    _move(sar, Sar.Status.FILED)
    now = timezone.now()
    sar.status, sar.filing, sar.filing_position, sar.filed_at = Sar.Status.FILED, filing, position, now
    sar.continuing_review_due_on = timezone.localtime(now).date() + dt.timedelta(
        days=settings.SAR_CONTINUING_ACTIVITY_DAYS
    )
    sar.save(update_fields=["status", "filing", "filing_position", "filed_at", "continuing_review_due_on"])
    case = Case.objects.select_for_update().get(pk=sar.case_id)
    pending = case.sars.filter(status__in=[Sar.Status.DRAFT, Sar.Status.IN_REVIEW, Sar.Status.APPROVED]).exists()
    if case.status == Case.Status.SAR_REQUIRED and not pending:
        case.status, case.closed_at, case.closed_by = Case.Status.CLOSED_SAR_FILED, now, acting_user
        case.save(update_fields=["status", "closed_at", "closed_by"])
    return sar


def sar_record_access(*, sar: Sar, user, action: str = "view", detail: str = "") -> None:
    """Refuse anyone without the SAR permission; write each view or download to the audit log."""
    _assert_sar_role(user)
    LogEntry.objects.log_create(
        sar,
        force_log=True,
        action=LogEntry.Action.ACCESS,
        changes={"access": [action, detail or action]},
        actor=user,
    )
