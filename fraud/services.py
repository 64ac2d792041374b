"""Every state change fraud owns, and the interface the apps that move money call.

    decision = fraud.services.assess(event)            # before writing anything, outside a transaction
    if decision.blocked: refuse with fraud.services.customer_message(decision)
    ... store the movement (pending_review when decision.needs_review) ...
    in the caller's transaction (or on commit): fraud.services.decision_attach_reference(
        decision_id=decision.id, reference=ref)
    on commit: fraud.services.record(event.with_reference(ref))   # or the outbox task below

`record` may also be sent through the outbox in the caller's transaction:
`outbox_enqueue(task="fraud.record_movement", payload=fraud.events.event_to_payload(event))`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import structlog
from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Greatest, Least
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from accounts import selectors as accounts_selectors
from accounts import services as accounts_services
from accounts.models import User
from blockguardian.calendar import add_business_days, business_date, business_tz
from blockguardian.db import prepared_cursor
from blockguardian.money import quantize_cash
from blockguardian.outbox import outbox_enqueue

from . import engine
from .aggregates import Snapshot, device_hash, network_hash, to_cents
from .errors import (
    DecisionNotFound,
    DecisionReferenceConflict,
    FraudAlertStateError,
    RuleOverrideInvalid,
    SeniorHoldStateError,
)
from .events import DIRECTIONS, OUTBOUND, EventType, MoneyMovementEvent
from .models import (
    CustomerAggregate,
    Decision,
    FraudAlert,
    FraudRuleOverride,
    KnownDestination,
    MovementRecord,
    SeniorHold,
    StoredDecision,
)
from .signals import fraud_confirmed, fraud_review_resolved

logger = structlog.get_logger(__name__)

# What a customer is told. Never a rule, a score, an alert or a hold.
CUSTOMER_MESSAGES = {
    Decision.ALLOW: "",
    Decision.REVIEW: "Your request has been received and is being reviewed. We will let you know when it is complete.",
    Decision.BLOCK: "We are unable to process this request. Please contact customer support.",
}

# Restrictions ordered by strength: confirmed fraud only ever tightens a restriction.
_RESTRICTION_STRENGTH = {"none": 0, "review": 1, "frozen": 2, "blocked": 3}


@dataclass(frozen=True)
class FraudDecision:
    """What `assess` returns. `reasons` are internal (for staff and logs), never for customers."""

    id: int
    score: int
    decision: str
    reasons: tuple[dict, ...]
    alert_id: int | None = None
    senior_hold: bool = False

    @property
    def allowed(self) -> bool:
        return self.decision == Decision.ALLOW

    @property
    def needs_review(self) -> bool:
        return self.decision == Decision.REVIEW

    @property
    def blocked(self) -> bool:
        return self.decision == Decision.BLOCK

    @property
    def reason_codes(self) -> tuple[str, ...]:
        return tuple(r["code"] for r in self.reasons)


def customer_message(decision: FraudDecision | StoredDecision | str) -> str:
    """The only text about a fraud decision a customer may see."""
    value = decision if isinstance(decision, str) else decision.decision
    return CUSTOMER_MESSAGES[Decision(value)]


# --- assess -------------------------------------------------------------------------------------


def assess(event: MoneyMovementEvent) -> FraudDecision:
    """Score a money movement before the caller writes anything; the decision is committed at once
    (so it is kept when the caller refuses the request), together with its alert and, for a
    specified adult's disbursement under review, a FINRA 2165 hold.

    Must be called outside any transaction (RuntimeError otherwise): inside the caller's, the
    decision would be rolled back with the request it refused.
    """
    _assert_outside_transaction()
    if not settings.FRAUD_ENABLED:
        evaluation = engine.Evaluation(
            score=0,
            decision=Decision.ALLOW,
            reasons=[engine.Reason("fraud_checks_disabled", 0, "FRAUD_ENABLED is off")],
            features=[],
            thresholds={},
            aggregate_version=0,
            destination_hash=engine.destination_hash(event.destination),
        )
    else:
        evaluation = engine.evaluate(event)
    if not evaluation.flagged:
        # The decision row is all an allowed movement writes: one self-committing INSERT. The caller
        # stores the movement next, and its synchronous commit flushes the WAL this decision is in:
        # an `allow` need not wait for its own flush (PostgreSQL).
        asynchronous = settings.FRAUD_ALLOW_DECISION_ASYNC_COMMIT
        return decision_store(event=event, evaluation=evaluation, asynchronous_commit=asynchronous)
    with transaction.atomic(durable=True):  # the decision with its alert (and hold) commits at once
        return decision_store(event=event, evaluation=evaluation)


def _assert_outside_transaction() -> None:
    """The check Django makes for `atomic(durable=True)` (test-case transactions do not count)."""
    blocks = connection.atomic_blocks
    if blocks and not getattr(blocks[-1], "_from_testcase", False):
        raise RuntimeError(
            "fraud.services.assess must be called outside any transaction: its decision is durable "
            "and must survive the caller's refusal (call it before your transaction.atomic block)"
        )


def decision_store(
    *, event: MoneyMovementEvent, evaluation: engine.Evaluation, asynchronous_commit: bool = False
) -> FraudDecision:
    """Store an evaluation (inside the caller's transaction: `assess` opens a durable one).
    `asynchronous_commit`: the transaction's commit does not wait for its WAL flush (PostgreSQL)."""
    reasons = [r.as_dict() for r in evaluation.reasons]
    stored = StoredDecision(
        customer=event.customer,
        event_type=event.type,
        method=event.method or "",
        amount=quantize_cash(event.amount),
        asset=(event.asset or "")[:32],
        portfolio_id=event.portfolio_id,
        destination_hash=evaluation.destination_hash,
        occurred_at=event.occurred_at,
        ip_address=event.ip or None,
        user_agent=(event.user_agent or "")[:300],
        score=evaluation.score,
        decision=evaluation.decision,
        reasons=reasons,
        features=[round(x, 6) for x in evaluation.features],
        model_version=evaluation.model_version,
        model_score=evaluation.model_score,
        thresholds_digest=engine.thresholds_digest(evaluation.thresholds) if evaluation.thresholds else "",
        aggregate_version=evaluation.aggregate_version,
        reference=(event.reference or "")[:100],
    )
    _decision_insert(stored, asynchronous_commit=asynchronous_commit)
    alert_id, hold = None, False
    if evaluation.flagged:
        alert = FraudAlert.objects.create(
            decision=stored, customer=event.customer, severity=evaluation.decision, score=evaluation.score
        )
        alert_id = alert.pk
        if evaluation.decision == Decision.REVIEW and _is_disbursement(event):
            hold = senior_hold_place_if_specified_adult(alert=alert, event=event) is not None
    (logger.info if evaluation.flagged else logger.debug)(
        "fraud_decision",
        decision_id=stored.pk,
        decision=stored.decision,
        score=stored.score,
        event_type=event.type,
        reasons=[r["code"] for r in reasons],
    )
    return FraudDecision(
        id=stored.pk,
        score=stored.score,
        decision=stored.decision,
        reasons=tuple(reasons),
        alert_id=alert_id,
        senior_hold=hold,
    )


_insert_sql: dict = {}


def _decision_insert(stored: StoredDecision, *, asynchronous_commit: bool) -> None:
    """`stored.save()` as one statement. On PostgreSQL the INSERT is written once per process (the
    ORM builds and compiles it anew for every save, which costs more than running it) and, for an
    asynchronous commit, sets `synchronous_commit` for the rest of the transaction in its RETURNING
    clause (no `SET LOCAL` round trip). The same signals as `Model.save()` are sent, so auditlog
    (and any other receiver) sees an ordinary save.
    """
    if connection.vendor != "postgresql":
        stored.save(force_insert=True)
        return
    using = connection.alias
    meta = StoredDecision._meta
    pre_save.send(sender=StoredDecision, instance=stored, raw=False, using=using, update_fields=None)
    key = (using, asynchronous_commit)
    if key not in _insert_sql:
        qn = connection.ops.quote_name
        fields = [f for f in meta.concrete_fields if not f.primary_key]
        columns = ", ".join(qn(f.column) for f in fields)
        returning = qn(meta.pk.column)
        if asynchronous_commit:
            returning += ", set_config('synchronous_commit', 'off', true)"
        placeholders = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES ({placeholders}) RETURNING {returning}"  # noqa: S608 - identifiers from the models, values bound as parameters
        _insert_sql[key] = (sql, fields)
    sql, fields = _insert_sql[key]
    params = [f.get_db_prep_save(f.pre_save(stored, True), connection) for f in fields]
    with prepared_cursor(connection.alias) as cursor:
        cursor.execute(sql, params)
        stored.pk = cursor.fetchone()[0]
    stored._state.adding, stored._state.db = False, using
    post_save.send(sender=StoredDecision, instance=stored, created=True, update_fields=None, raw=False, using=using)


def _is_disbursement(event: MoneyMovementEvent) -> bool:
    return event.direction == OUTBOUND or event.type == EventType.LOAN_DISBURSEMENT


def decision_attach_reference(*, decision_id: int, reference: str) -> None:
    """Link a decision to what the caller stored (idempotent; another reference is a conflict).

    One conditional UPDATE, so the caller may run it inside the transaction that stores the
    movement (the link commits with it, at no extra round trip) or after it has committed."""
    reference = str(reference)[:100]
    linked = (
        StoredDecision.objects.filter(pk=decision_id)
        .filter(Q(reference="") | Q(reference=reference))
        .update(reference=reference)
    )
    if linked:
        return
    if not StoredDecision.objects.filter(pk=decision_id).exists():
        raise DecisionNotFound()
    raise DecisionReferenceConflict()


# --- record -------------------------------------------------------------------------------------


def _locked_aggregate(customer: User) -> CustomerAggregate:
    row = CustomerAggregate.objects.select_for_update().filter(pk=customer.pk).first()
    if row is None:
        CustomerAggregate.objects.bulk_create([CustomerAggregate(customer_id=customer.pk)], ignore_conflicts=True)
        row = CustomerAggregate.objects.select_for_update().get(pk=customer.pk)
    return row


@transaction.atomic
def record(event: MoneyMovementEvent) -> bool:
    """Add a movement the caller stored (after its commit) to the customer's aggregate, under the
    aggregate row's lock. Idempotent per (customer, type, reference); False when already recorded."""
    t = engine.thresholds()
    customer = event.customer
    row = _locked_aggregate(customer)
    reference = (event.reference or "")[:100]
    if (
        reference
        and MovementRecord.objects.filter(customer=customer, event_type=event.type, reference=reference).exists()
    ):
        return False
    dest = engine.destination_hash(event.destination)
    device, network = device_hash(event.user_agent), network_hash(event.ip)
    MovementRecord.objects.create(
        customer=customer,
        event_type=event.type,
        method=event.method or "",
        reference=reference,
        amount=quantize_cash(event.amount),
        destination_hash=dest,
        device_hash=device,
        network_hash=network,
        occurred_at=event.occurred_at,
    )
    snap = Snapshot.from_row(row)
    _apply(
        snap,
        event_type=event.type,
        amount_cents=to_cents(event.amount),
        at=event.occurred_at,
        t=t,
        device=device,
        network=network,
    )
    snap.to_row(row)
    row.save()
    if dest:
        _destination_seen(customer=customer, dest=dest, event_type=event.type, at=event.occurred_at)
    return True


def _apply(
    snap: Snapshot, *, event_type: str, amount_cents: int, at: dt.datetime, t: dict, device: str, network: str
) -> None:
    snap.apply(
        direction=DIRECTIONS[event_type],
        cents=amount_cents,
        occurred_at=at,
        hour=at.astimezone(business_tz()).hour,
        small_cents=int(t["small_deposit_amount"] * 100),
        device=device,
        network=network,
    )


def _destination_seen(*, customer: User, dest: str, event_type: str, at: dt.datetime) -> None:
    """Called under the aggregate row's lock, so one customer's destinations never race."""
    used = event_type not in (EventType.NEW_FUNDING_SOURCE, EventType.ACH_RETURN)
    known = KnownDestination.objects.filter(customer=customer, destination_hash=dest)
    changes = {"first_seen_at": Least(F("first_seen_at"), at)}
    if used:
        # COALESCE: GREATEST ignores NULL on PostgreSQL but returns it on SQLite
        changes.update(uses=F("uses") + 1, last_used_at=Greatest(Coalesce(F("last_used_at"), at), at))
    if known.update(**changes):
        return
    KnownDestination.objects.create(
        customer=customer,
        destination_hash=dest,
        first_seen_at=at,
        last_used_at=at if used else None,
        uses=1 if used else 0,
    )


@transaction.atomic
def aggregate_rebuild(*, customer: User) -> CustomerAggregate:
    """Recompute a customer's aggregate and destinations from the recorded movements."""
    t = engine.thresholds()
    row = _locked_aggregate(customer)
    hold_until = row.hold_until
    snap = Snapshot(hold_until=hold_until)
    KnownDestination.objects.filter(customer=customer).delete()
    for rec in MovementRecord.objects.filter(customer=customer).order_by("occurred_at", "id").iterator():
        _apply(
            snap,
            event_type=rec.event_type,
            amount_cents=to_cents(rec.amount),
            at=rec.occurred_at,
            t=t,
            device=rec.device_hash,
            network=rec.network_hash,
        )
        if rec.destination_hash:
            _destination_seen(
                customer=customer, dest=rec.destination_hash, event_type=rec.event_type, at=rec.occurred_at
            )
    snap.to_row(row)
    row.save()
    return row


# --- alerts -------------------------------------------------------------------------------------


@transaction.atomic
def alert_confirm_fraud(*, alert: FraudAlert, acting_user: User, note: str = "") -> FraudAlert:
    """Confirmed fraud: the alert is closed, the customer restricted (accounts), any hold ends with
    the disbursement refused, and compliance is told (`fraud_confirmed`)."""
    locked = _alert_open(alert)
    locked.state = FraudAlert.State.CONFIRMED_FRAUD
    locked.resolved_at, locked.resolved_by, locked.resolution_note = timezone.now(), acting_user, note.strip()
    locked.save(update_fields=["state", "resolved_at", "resolved_by", "resolution_note"])
    _hold_end(alert=locked, state=SeniorHold.State.REFUSED, acting_user=acting_user)
    customer = User.objects.get(pk=locked.customer_id)
    wanted = settings.FRAUD_CONFIRMED_RESTRICTION
    if _RESTRICTION_STRENGTH.get(customer.restriction, 0) < _RESTRICTION_STRENGTH[wanted]:
        accounts_services.restriction_set(
            user=customer, state=wanted, reason=f"Confirmed fraud (fraud alert {locked.pk})", acting_user=acting_user
        )
    decision = locked.decision
    transaction.on_commit(
        lambda: fraud_confirmed.send(
            sender=FraudAlert,
            alert_id=locked.pk,
            decision_id=decision.pk,
            reference=decision.reference,
            customer=customer,
            acting_user=acting_user,
        )
    )
    _review_resolved_on_commit(decision=decision, customer=customer, outcome="refused", cause="confirmed_fraud")
    return locked


@transaction.atomic
def alert_mark_false_positive(*, alert: FraudAlert, acting_user: User, note: str = "") -> FraudAlert:
    """Not fraud: the alert is closed, any hold released, the caller may go on with the movement."""
    locked = _alert_open(alert)
    locked.state = FraudAlert.State.FALSE_POSITIVE
    locked.resolved_at, locked.resolved_by, locked.resolution_note = timezone.now(), acting_user, note.strip()
    locked.save(update_fields=["state", "resolved_at", "resolved_by", "resolution_note"])
    _hold_end(alert=locked, state=SeniorHold.State.RELEASED, acting_user=acting_user)
    customer = User.objects.get(pk=locked.customer_id)
    _review_resolved_on_commit(decision=locked.decision, customer=customer, outcome="released", cause="false_positive")
    return locked


def _alert_open(alert: FraudAlert) -> FraudAlert:
    locked = FraudAlert.objects.select_for_update().select_related("decision").get(pk=alert.pk)
    if locked.state != FraudAlert.State.OPEN:
        raise FraudAlertStateError(f"fraud alert {locked.pk} is {locked.state}")
    return locked


def _review_resolved_on_commit(*, decision: StoredDecision, customer: User, outcome: str, cause: str) -> None:
    if decision.decision != Decision.REVIEW:
        return  # a blocked request was refused at once: nothing is pending
    transaction.on_commit(
        lambda: fraud_review_resolved.send(
            sender=FraudAlert,
            decision_id=decision.pk,
            reference=decision.reference,
            customer=customer,
            outcome=outcome,
            cause=cause,
        )
    )


# --- FINRA Rule 2165 holds ----------------------------------------------------------------------


def _customer_age(user: User, on: dt.date) -> int | None:
    reader = getattr(accounts_selectors, "customer_age", None)
    if reader is None:
        logger.warning("fraud_customer_age_unavailable")
        return None
    return reader(user=user, on=on)


def _business_days_after(moment: dt.datetime, days: int) -> dt.datetime:
    local = moment.astimezone(business_tz())
    day = add_business_days(business_date(moment), days)
    return dt.datetime.combine(day, local.timetz())


def senior_hold_place_if_specified_adult(*, alert: FraudAlert, event: MoneyMovementEvent) -> SeniorHold | None:
    """Inside the decision's transaction: a hold when the customer is a specified adult (65+)."""
    age = _customer_age(event.customer, business_date(event.occurred_at))
    if age is None or age < settings.FRAUD_FINRA_SPECIFIED_ADULT_AGE:
        return None
    placed = event.occurred_at
    hold = SeniorHold.objects.create(
        alert=alert,
        customer=event.customer,
        customer_age=age,
        placed_at=placed,
        expires_at=_business_days_after(placed, settings.FRAUD_FINRA_HOLD_BUSINESS_DAYS),
        notice_due_at=_business_days_after(placed, settings.FRAUD_FINRA_NOTICE_BUSINESS_DAYS),
    )
    _set_hold_until(customer=event.customer)
    outbox_enqueue(task="fraud.senior_hold_notify", hold_id=hold.pk)
    logger.info("fraud_senior_hold_placed", hold_id=hold.pk, alert_id=alert.pk)
    return hold


def _set_hold_until(*, customer: User) -> None:
    """The aggregate carries the latest expiry of the customer's active holds (read by decisions)."""
    row = _locked_aggregate(customer)
    latest = (
        SeniorHold.objects.filter(customer=customer, state=SeniorHold.State.ACTIVE)
        .order_by("-expires_at")
        .values_list("expires_at", flat=True)
        .first()
    )
    if row.hold_until != latest:
        row.hold_until = latest
        row.save(update_fields=["hold_until", "updated_at"])


def _hold_end(*, alert: FraudAlert, state: str, acting_user: User | None) -> None:
    hold = SeniorHold.objects.select_for_update().filter(alert=alert, state=SeniorHold.State.ACTIVE).first()
    if hold is None:
        return
    hold.state, hold.ended_at, hold.ended_by = state, timezone.now(), acting_user
    hold.save(update_fields=["state", "ended_at", "ended_by"])
    _set_hold_until(customer=hold.customer)


TRUSTED_CONTACT_SUBJECT = "A temporary hold on an account you are the trusted contact for"
TRUSTED_CONTACT_BODY = (
    "Hello {name},\n\n"
    "You are listed as the trusted contact person of one of our customers. We have placed a temporary "
    "hold on a disbursement from their account, as the regulations protecting senior investors allow, "
    "and we would like to speak with you. Please call our customer support line and mention reference "
    "H-{hold_id}.\n\n"
    "We will not share account details by email.\n"
)


@transaction.atomic
def senior_hold_notify(*, hold_id: int) -> SeniorHold | None:
    """Notify the trusted contact of a hold (idempotent: a notified hold is left alone)."""
    hold = SeniorHold.objects.select_for_update().filter(pk=hold_id).first()
    if hold is None or hold.trusted_contact_notified_at is not None or hold.trusted_contact_missing:
        return hold
    reader = getattr(accounts_selectors, "trusted_contact", None)
    contact = reader(user=hold.customer) if reader is not None else None
    email = getattr(contact, "email", None) or (contact.get("email") if isinstance(contact, dict) else None)
    if not email:
        hold.trusted_contact_missing = True
        hold.save(update_fields=["trusted_contact_missing"])
        logger.warning("fraud_senior_hold_no_trusted_contact", hold_id=hold.pk)
        return hold
    name = getattr(contact, "name", None) or (contact.get("name") if isinstance(contact, dict) else None) or ""
    send_mail(
        TRUSTED_CONTACT_SUBJECT,
        TRUSTED_CONTACT_BODY.format(name=name or "there", hold_id=hold.pk),
        settings.DEFAULT_FROM_EMAIL,
        [email],
    )
    hold.trusted_contact_notified_at = timezone.now()
    hold.save(update_fields=["trusted_contact_notified_at"])
    return hold


@transaction.atomic
def senior_hold_extend(*, hold: SeniorHold, acting_user: User, reason: str) -> SeniorHold:
    """Extend an active hold by FRAUD_FINRA_EXTENSION_BUSINESS_DAYS, never beyond the maximum."""
    if not reason.strip():
        raise SeniorHoldStateError("an extension needs a reason", code="fraud_hold_reason_required")
    locked = SeniorHold.objects.select_for_update().get(pk=hold.pk)
    if locked.state != SeniorHold.State.ACTIVE:
        raise SeniorHoldStateError(f"hold {locked.pk} is {locked.state}")
    limit = _business_days_after(locked.placed_at, settings.FRAUD_FINRA_MAX_HOLD_BUSINESS_DAYS)
    extended = _business_days_after(locked.expires_at, settings.FRAUD_FINRA_EXTENSION_BUSINESS_DAYS)
    if locked.expires_at >= limit:
        raise SeniorHoldStateError("the hold is at its maximum length", code="fraud_hold_at_maximum")
    locked.expires_at = min(extended, limit)
    locked.extensions += 1
    locked.extension_reason = (locked.extension_reason + "\n" if locked.extension_reason else "") + reason.strip()
    locked.save(update_fields=["expires_at", "extensions", "extension_reason"])
    _set_hold_until(customer=locked.customer)
    return locked


def senior_hold_expire_due(*, now: dt.datetime | None = None) -> int:
    """End the holds whose time is up (the disbursement may proceed; the alert stays open)."""
    now = now or timezone.now()
    due = list(
        SeniorHold.objects.filter(state=SeniorHold.State.ACTIVE, expires_at__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in due:
        _senior_hold_expire(hold_id=pk, now=now)
    return len(due)


@transaction.atomic
def _senior_hold_expire(*, hold_id: int, now: dt.datetime) -> None:
    hold = SeniorHold.objects.select_for_update().select_related("alert__decision").get(pk=hold_id)
    if hold.state != SeniorHold.State.ACTIVE or hold.expires_at > now:
        return
    hold.state, hold.ended_at = SeniorHold.State.EXPIRED, now
    hold.save(update_fields=["state", "ended_at"])
    _set_hold_until(customer=hold.customer)
    customer = User.objects.get(pk=hold.customer_id)
    _review_resolved_on_commit(
        decision=hold.alert.decision, customer=customer, outcome="released", cause="hold_expired"
    )


# --- rule overrides -----------------------------------------------------------------------------


def rule_override_validate(key: str, value: Any) -> str:
    if key not in settings.FRAUD_THRESHOLDS:
        raise RuleOverrideInvalid(f"unknown threshold {key!r}", errors={"key": ["Unknown threshold."]})
    try:
        parsed = engine._parse(key, str(value).strip())
    except ValueError as exc:
        raise RuleOverrideInvalid("not a number of the setting's type", errors={"value": [str(exc)]}) from exc
    if parsed < 0:
        raise RuleOverrideInvalid("thresholds are never negative", errors={"value": ["Must be zero or more."]})
    return str(parsed)


@transaction.atomic
def rule_override_set(*, key: str, value: Any, reason: str, acting_user: User | None) -> FraudRuleOverride:
    """Override one threshold from now on (the previous override of the key ends)."""
    text = rule_override_validate(key, value)
    if not reason.strip():
        raise RuleOverrideInvalid("a reason is required", errors={"reason": ["Required."]})
    _override_end(key=key, acting_user=acting_user)
    row = FraudRuleOverride.objects.create(key=key, value=text, reason=reason.strip()[:500], created_by=acting_user)
    engine.caches_clear()
    transaction.on_commit(engine.caches_clear)
    return row


@transaction.atomic
def rule_override_clear(*, key: str, acting_user: User | None) -> int:
    """Back to the setting's default for `key`."""
    ended = _override_end(key=key, acting_user=acting_user)
    engine.caches_clear()
    transaction.on_commit(engine.caches_clear)
    return ended


def _override_end(*, key: str, acting_user: User | None) -> int:
    ended = 0
    for row in FraudRuleOverride.objects.select_for_update().filter(key=key, active=True).order_by("pk"):
        row.active, row.ended_at, row.ended_by = False, timezone.now(), acting_user
        row.save(update_fields=["active", "ended_at", "ended_by"])
        ended += 1
    return ended


# --- data rights --------------------------------------------------------------------------------


def customer_erase(user: User) -> None:
    """Erasure: mask the request details fraud keeps (its evidence, the decisions, stays)."""
    StoredDecision.objects.filter(customer=user).update(ip_address=None, user_agent="")
    MovementRecord.objects.filter(customer=user).update(device_hash="", network_hash="")
    CustomerAggregate.objects.filter(pk=user.pk).update(devices=[], networks=[])


def customer_erase_veto(user: User) -> str | None:
    """Internal reason to defer an erasure (never shown to the customer)."""
    if FraudAlert.objects.filter(customer=user, state=FraudAlert.State.OPEN).exists():
        return "an open fraud alert"
    if SeniorHold.objects.filter(customer=user, state=SeniorHold.State.ACTIVE).exists():
        return "an active FINRA 2165 hold"
    return None


__all__ = [
    "CUSTOMER_MESSAGES",
    "FraudDecision",
    "aggregate_rebuild",
    "alert_confirm_fraud",
    "alert_mark_false_positive",
    "assess",
    "customer_message",
    "decision_attach_reference",
    "record",
    "rule_override_clear",
    "rule_override_set",
    "senior_hold_expire_due",
    "senior_hold_extend",
    "senior_hold_notify",
]
