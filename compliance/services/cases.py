"""Monitoring alerts and the cases that group them (DESIGN.md state machines).

alert: `open → in_case / dismissed`
case:  `open → investigating → escalated → sar_required → closed_sar_filed`;
       `open/investigating/escalated → closed_no_action` (reason required)

Every move is a function here, in one transaction, on the locked row; an invalid move is a 409.
The audit log records each change (the models are registered with auditlog; saves, not bulk writes).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import structlog
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from blockguardian.calendar import business_date
from blockguardian.errors import Forbidden

from ..errors import AlertStateError, CaseStateError, ComplianceInputInvalid, ComplianceObjectNotFound
from ..models import Alert, Case, CaseNote

logger = structlog.get_logger(__name__)

WORK_PERMISSION = "compliance.work_alerts"
WORKING = (Case.Status.OPEN, Case.Status.INVESTIGATING, Case.Status.ESCALATED)
CASE_MOVES: dict[str, set[str]] = {
    Case.Status.OPEN: {Case.Status.INVESTIGATING, Case.Status.CLOSED_NO_ACTION},
    Case.Status.INVESTIGATING: {Case.Status.ESCALATED, Case.Status.CLOSED_NO_ACTION},
    Case.Status.ESCALATED: {Case.Status.SAR_REQUIRED, Case.Status.CLOSED_NO_ACTION},
    Case.Status.SAR_REQUIRED: {Case.Status.CLOSED_SAR_FILED},
    Case.Status.CLOSED_NO_ACTION: set(),
    Case.Status.CLOSED_SAR_FILED: set(),
}


def assert_officer(user, permission: str = WORK_PERMISSION) -> None:
    if user is None or not user.is_active or not user.has_perm(permission):
        raise Forbidden("This needs a compliance officer.")


@dataclass(frozen=True)
class Detection:
    """What a monitoring rule found: plain values, no model instances of other apps."""

    dedup_key: str
    customer_id: object | None
    evidence: tuple[str, ...]
    score: int
    amount: Decimal | None = None
    activity_start: dt.date | None = None
    activity_end: dt.date | None = None
    details: dict | None = None


def alert_raise(*, rule_name: str, rule_version: str, detection: Detection, shadow: bool = False) -> Alert | None:
    """Record a detection once: a repeat (same rule and key) returns None and changes nothing.
    A live alert with a customer joins (or opens) the customer's working case."""
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                rule_name=rule_name,
                rule_version=rule_version,
                dedup_key=detection.dedup_key[:200],
                shadow=shadow,
                customer_id=detection.customer_id,
                evidence=list(detection.evidence),
                details=detection.details or {},
                amount=detection.amount,
                activity_start=detection.activity_start,
                activity_end=detection.activity_end,
                score=max(0, min(100, int(detection.score))),
                detected_at=timezone.now(),
            )
    except IntegrityError:
        return None
    if not shadow and alert.customer_id is not None:
        alerts_group_into_case(customer_id=alert.customer_id)
        alert.refresh_from_db()
    return alert


@transaction.atomic
def alerts_group_into_case(*, customer_id) -> Case | None:
    """Put the customer's open live alerts into their working case, opening one if needed."""
    alerts = list(
        Alert.objects.select_for_update()
        .filter(customer_id=customer_id, status=Alert.Status.OPEN, shadow=False)
        .order_by("pk")
    )
    if not alerts:
        return None
    case = Case.objects.select_for_update().filter(customer_id=customer_id, status__in=WORKING).first()
    if case is None:
        detected = min(timezone.localtime(a.detected_at).date() for a in alerts)
        try:
            with transaction.atomic():
                case = Case.objects.create(
                    customer_id=customer_id,
                    detected_on=detected,
                    due_on=detected + dt.timedelta(days=settings.CASE_REVIEW_DAYS),
                )
        except IntegrityError:  # a concurrent run opened it first (one working case per customer)
            case = Case.objects.select_for_update().get(customer_id=customer_id, status__in=WORKING)
    for alert in alerts:
        alert.status, alert.case = Alert.Status.IN_CASE, case
        alert.save(update_fields=["status", "case"])
    return case


@transaction.atomic
def alert_dismiss(*, alert: Alert, reason: str, acting_user) -> Alert:
    assert_officer(acting_user)
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.status != Alert.Status.OPEN:
        raise AlertStateError(f"alert {alert.pk} is {alert.status}; only an open alert can be dismissed")
    reason = (reason or "").strip()
    if not reason:
        raise ComplianceInputInvalid("a reason is required", errors={"reason": ["required"]})
    alert.status, alert.dismissed_at, alert.dismissed_by, alert.dismissal_reason = (
        Alert.Status.DISMISSED,
        timezone.now(),
        acting_user,
        reason,
    )
    alert.save(update_fields=["status", "dismissed_at", "dismissed_by", "dismissal_reason"])
    return alert


def _case_locked(case: Case | int) -> Case:
    pk = case.pk if isinstance(case, Case) else case
    try:
        return Case.objects.select_for_update().get(pk=pk)
    except Case.DoesNotExist as exc:
        raise ComplianceObjectNotFound(f"case {pk} not found") from exc


@transaction.atomic
def case_transition(*, case: Case | int, to: str, acting_user, reason: str = "") -> Case:
    """Move a case along its state machine. `closed_sar_filed` is reached only when its SAR is
    filed (`sar_mark_filed`), `sar_required` needs the escalation first."""
    assert_officer(acting_user)
    case = _case_locked(case)
    if to not in CASE_MOVES.get(case.status, set()):
        raise CaseStateError(f"case {case.pk} cannot move from {case.status} to {to}")
    reason = (reason or "").strip()
    if to == Case.Status.CLOSED_NO_ACTION:
        if not reason:
            raise ComplianceInputInvalid("closing without action needs a reason", errors={"reason": ["required"]})
        case.closing_reason = reason
    if to in (Case.Status.CLOSED_NO_ACTION, Case.Status.CLOSED_SAR_FILED):
        case.closed_at, case.closed_by = timezone.now(), acting_user
    case.status = to
    case.save()
    if reason and to != Case.Status.CLOSED_NO_ACTION:
        CaseNote.objects.create(case=case, author=acting_user, text=reason)
    logger.info("case_moved", case_id=case.pk, status=to)
    return case


@transaction.atomic
def case_assign(*, case: Case | int, assignee, acting_user) -> Case:
    assert_officer(acting_user)
    assert_officer(assignee)
    case = _case_locked(case)
    if case.is_closed:
        raise CaseStateError(f"case {case.pk} is closed")
    case.assigned_to = assignee
    case.save(update_fields=["assigned_to"])
    return case


@transaction.atomic
def case_due_set(*, case: Case | int, due_on: dt.date, acting_user) -> Case:
    assert_officer(acting_user)
    case = _case_locked(case)
    if case.is_closed:
        raise CaseStateError(f"case {case.pk} is closed")
    case.due_on = due_on
    case.save(update_fields=["due_on"])
    return case


@transaction.atomic
def case_note_add(*, case: Case | int, text: str, acting_user) -> CaseNote:
    assert_officer(acting_user)
    case = _case_locked(case)
    text = (text or "").strip()
    if not text:
        raise ComplianceInputInvalid("a note needs text", errors={"text": ["required"]})
    return CaseNote.objects.create(case=case, author=acting_user, text=text)


@transaction.atomic
def case_flag_terrorist_financing(*, case: Case | int, acting_user, ongoing_laundering: bool = False) -> Case:
    """Terrorist financing (or ongoing laundering) is escalated to law enforcement at once: the case
    is flagged, an alarm goes to the dashboard and the logs, and the case is escalated."""
    assert_officer(acting_user)
    case = _case_locked(case)
    if case.is_closed:
        raise CaseStateError(f"case {case.pk} is closed")
    if ongoing_laundering:
        case.ongoing_laundering = True
    else:
        case.terrorist_financing = True
    if case.status in (Case.Status.OPEN, Case.Status.INVESTIGATING):
        case.status = Case.Status.ESCALATED
    case.due_on = min(case.due_on, business_date())
    case.save()
    logger.critical(
        "compliance_immediate_escalation",
        case_id=case.pk,
        terrorist_financing=case.terrorist_financing,
        ongoing_laundering=case.ongoing_laundering,
    )
    return case


@transaction.atomic
def case_law_enforcement_notified(*, case: Case | int, acting_user, note: str) -> Case:
    assert_officer(acting_user)
    case = _case_locked(case)
    note = (note or "").strip()
    if not note:
        raise ComplianceInputInvalid("say whom you called and when", errors={"note": ["required"]})
    case.law_enforcement_notified_at = timezone.now()
    case.save(update_fields=["law_enforcement_notified_at"])
    CaseNote.objects.create(case=case, author=acting_user, text=f"Law enforcement notified: {note}")
    return case
