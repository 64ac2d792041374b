"""The interface callers use (assess, record, references, messages) and the analysts' services."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from auditlog.models import LogEntry
from django.core import mail
from django.db import connection, transaction
from django.db.models.signals import post_save

from accounts import selectors as accounts_selectors
from accounts.models import CustomerProfile, KycRecord, SecurityEvent
from accounts.tests.factories import StaffUserFactory, UserFactory
from fraud import services
from fraud.errors import DecisionReferenceConflict, FraudAlertStateError, RuleOverrideInvalid, SeniorHoldStateError
from fraud.events import MoneyMovementEvent, event_from_payload, event_to_payload
from fraud.models import CustomerAggregate, FraudAlert, FraudRuleOverride, KnownDestination, SeniorHold, StoredDecision
from fraud.signals import fraud_confirmed, fraud_review_resolved
from fraud.tasks import record_movement

from .factories import NEW_IP, NEW_UA, NOW, FraudAlertFactory, established_customer, make_event, record

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def customer(db):
    return established_customer()


def _suspicious(customer, **kw) -> MoneyMovementEvent:
    """A withdrawal scoring review (new destination 200 + new device 100 + password reset 200)."""
    SecurityEvent.objects.create(user=customer, kind="password_reset")
    return make_event(customer, destination="bank_account:other", ip=NEW_IP, user_agent=NEW_UA, **kw)


def _collect(signal):
    received = []

    def handler(sender, **kwargs):
        received.append(kwargs)

    signal.connect(handler, weak=False)
    return received, lambda: signal.disconnect(handler)


# --- events ------------------------------------------------------------------------------------


def test_event_refuses_an_unknown_type(user):
    with pytest.raises(ValueError, match="unknown money-movement type"):
        make_event(user, "transfer")


def test_event_refuses_a_float_amount(user):
    with pytest.raises(TypeError):
        dataclasses.replace(make_event(user), amount=10.5)


def test_event_refuses_a_naive_time(user):
    with pytest.raises(ValueError, match="aware"):
        make_event(user, occurred_at=dt.datetime(2025, 1, 1, 12))


def test_event_survives_the_outbox_payload(user):
    event = make_event(user, reference="trading.transaction:9")

    assert event_from_payload(event_to_payload(event)) == event


# --- assess ------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_decision_is_kept_when_the_caller_refuses_and_rolls_back():
    customer = UserFactory()

    class Refused(Exception):
        pass

    decision = services.assess(make_event(customer))
    with pytest.raises(Refused), transaction.atomic():
        StoredDecision.objects.filter(pk=decision.id).update(reference="would-be-rolled-back")
        raise Refused

    stored = StoredDecision.objects.get(pk=decision.id)
    assert stored.reference == ""
    assert stored.decision == decision.decision


@pytest.mark.django_db(transaction=True)
def test_assess_refuses_to_run_inside_the_callers_transaction():
    customer = UserFactory()

    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        services.assess(make_event(customer))


def test_review_raises_an_alert_for_analysts(customer):
    decision = services.assess(_suspicious(customer))

    assert decision.decision == "review"
    alert = FraudAlert.objects.get(pk=decision.alert_id)
    assert (alert.severity, alert.state, alert.score, alert.decision_id) == (
        "review",
        "open",
        decision.score,
        decision.id,
    )


def test_an_allowed_movement_raises_no_alert(customer):
    decision = services.assess(make_event(customer))

    assert decision.alert_id is None
    assert not FraudAlert.objects.exists()


def test_the_stored_decision_keeps_the_evidence(customer):
    decision = services.assess(_suspicious(customer, reference="trading.transaction:1"))

    stored = StoredDecision.objects.get(pk=decision.id)
    assert stored.reasons == list(decision.reasons)
    assert stored.amount == Decimal("600.00")
    assert stored.destination_hash and "other" not in stored.destination_hash
    assert len(stored.features) == 16
    assert stored.aggregate_version == CustomerAggregate.objects.get(pk=customer.pk).version
    assert len(stored.thresholds_digest) == 16


def test_a_decision_is_saved_like_any_model(customer):
    """The decision's INSERT sends the model's signals, so the audit log and other receivers see a
    plain save."""
    received, disconnect = _collect(post_save)
    try:
        decision = services.assess(make_event(customer, reference="trading.transaction:7"))
    finally:
        disconnect()

    saved = [kw for kw in received if isinstance(kw["instance"], StoredDecision)]
    assert [(kw["instance"].pk, kw["created"], kw["raw"]) for kw in saved] == [(decision.id, True, False)]
    stored = StoredDecision.objects.get(pk=decision.id)
    assert (stored.reference, stored.score, stored.decision) == ("trading.transaction:7", decision.score, "allow")
    assert stored.created_at == NOW


def _synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


def test_an_allowed_decision_does_not_wait_for_its_wal_flush(customer, settings):
    settings.FRAUD_ALLOW_DECISION_ASYNC_COMMIT = True

    services.assess(make_event(customer))  # its transaction is the test's: the setting stays visible

    assert _synchronous_commit() == "off"


def test_a_flagged_decision_waits_for_its_wal_flush(customer, settings):
    settings.FRAUD_ALLOW_DECISION_ASYNC_COMMIT = True
    before = _synchronous_commit()

    decision = services.assess(_suspicious(customer))

    assert decision.decision == "review"
    assert _synchronous_commit() == before != "off"


def test_fraud_checks_can_be_switched_off(customer, settings):
    settings.FRAUD_ENABLED = False

    decision = services.assess(_suspicious(customer))

    assert decision.decision == "allow"
    assert decision.reason_codes == ("fraud_checks_disabled",)


# --- customer messages ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["allow", "review", "block"])
def test_customer_messages_reveal_no_rule_score_or_alert(value):
    text = services.customer_message(value).lower()

    for word in ("fraud", "score", "rule", "alert", "risk", "suspicious", "velocity", "device", "finra", "hold"):
        assert word not in text


def test_customer_message_of_a_decision(customer):
    decision = services.assess(_suspicious(customer))

    assert services.customer_message(decision) == services.CUSTOMER_MESSAGES["review"]


# --- references ------------------------------------------------------------------------------------


def test_attach_reference_is_idempotent_and_refuses_another(customer):
    decision = services.assess(make_event(customer))

    services.decision_attach_reference(decision_id=decision.id, reference="trading.transaction:5")
    services.decision_attach_reference(decision_id=decision.id, reference="trading.transaction:5")
    with pytest.raises(DecisionReferenceConflict):
        services.decision_attach_reference(decision_id=decision.id, reference="trading.transaction:6")

    assert StoredDecision.objects.get(pk=decision.id).reference == "trading.transaction:5"


# --- record ------------------------------------------------------------------------------------------


def test_record_updates_the_aggregate_incrementally(customer):
    before = CustomerAggregate.objects.get(pk=customer.pk)

    assert services.record(make_event(customer, "deposit", "250.00", reference="t:1"))

    after = CustomerAggregate.objects.get(pk=customer.pk)
    assert after.movement_count == before.movement_count + 1
    assert after.version == before.version + 1
    assert after.last_inbound_at == NOW


def test_record_is_idempotent_per_reference(customer):
    event = make_event(customer, "deposit", "250.00", reference="t:1")

    assert services.record(event) is True
    assert services.record(event) is False

    assert CustomerAggregate.objects.get(pk=customer.pk).last_inbound_at == NOW
    assert CustomerAggregate.objects.get(pk=customer.pk).movement_count == 41


def test_record_through_the_outbox_task(customer):
    payload = event_to_payload(make_event(customer, "deposit", "250.00", reference="t:9"))

    assert record_movement(payload) is True
    assert record_movement(payload) is False


def test_record_remembers_destinations_by_keyed_hash_only(user):
    services.record(make_event(user, "new_funding_source", "0", destination="wallet:0xABC", occurred_at=NOW - D))
    services.record(make_event(user, "withdrawal", "10.00", destination="wallet:0xABC"))

    known = KnownDestination.objects.get(customer=user)
    assert (known.first_seen_at, known.last_used_at, known.uses) == (NOW - D, NOW, 1)
    assert "ABC" not in known.destination_hash


def test_rebuild_gives_back_the_incremental_aggregate(customer):
    record(customer, "ach_return", "500.00", occurred_at=NOW - 2 * D)
    record(customer, "withdrawal", "200.00", occurred_at=NOW - D, destination="bank_account:x")
    incremental = CustomerAggregate.objects.get(pk=customer.pk)

    rebuilt = services.aggregate_rebuild(customer=customer)

    for name in ("movement_count", "amount_hist", "hour_hist", "recent", "daily", "devices", "networks"):
        assert getattr(rebuilt, name) == getattr(incremental, name), name
    assert rebuilt.last_ach_return_at == incremental.last_ach_return_at


# --- alerts ---------------------------------------------------------------------------------------------


def test_confirmed_fraud_restricts_the_customer_and_tells_compliance(django_capture_on_commit_callbacks):
    analyst = StaffUserFactory()
    alert = FraudAlertFactory()
    received, disconnect = _collect(fraud_confirmed)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.alert_confirm_fraud(alert=alert, acting_user=analyst, note="customer confirmed")
    finally:
        disconnect()

    alert.refresh_from_db()
    customer = alert.customer
    customer.refresh_from_db()
    assert (alert.state, alert.resolved_by) == ("confirmed_fraud", analyst)
    assert customer.restriction == "frozen"
    assert received == [
        {
            "signal": fraud_confirmed,
            "alert_id": alert.pk,
            "decision_id": alert.decision_id,
            "reference": "",
            "customer": customer,
            "acting_user": analyst,
        }
    ]


def test_a_resolved_alert_cannot_be_resolved_again():
    analyst = StaffUserFactory()
    alert = FraudAlertFactory()
    services.alert_mark_false_positive(alert=alert, acting_user=analyst)

    with pytest.raises(FraudAlertStateError):
        services.alert_confirm_fraud(alert=alert, acting_user=analyst)


def test_a_false_positive_releases_the_held_movement(django_capture_on_commit_callbacks):
    alert = FraudAlertFactory(decision__reference="trading.transaction:77")
    received, disconnect = _collect(fraud_review_resolved)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.alert_mark_false_positive(alert=alert, acting_user=StaffUserFactory())
    finally:
        disconnect()

    assert [(r["reference"], r["outcome"], r["cause"]) for r in received] == [
        ("trading.transaction:77", "released", "false_positive")
    ]
    alert.customer.refresh_from_db()
    assert alert.customer.restriction == "none"


def test_confirmed_fraud_never_loosens_a_stronger_restriction():
    alert = FraudAlertFactory()
    type(alert.customer).objects.filter(pk=alert.customer_id).update(restriction="blocked")

    services.alert_confirm_fraud(alert=alert, acting_user=StaffUserFactory())

    alert.customer.refresh_from_db()
    assert alert.customer.restriction == "blocked"


# --- FINRA Rule 2165 ------------------------------------------------------------------------------------


@pytest.fixture
def senior(customer):
    KycRecord.objects.create(user=customer, date_of_birth=dt.date(1950, 3, 1))
    CustomerProfile.objects.update_or_create(
        user=customer, defaults={"trusted_contact_name": "Robin Trust", "trusted_contact_email": "robin@example.com"}
    )
    return customer


def test_a_specified_adults_withdrawal_under_review_is_held(senior, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        decision = services.assess(_suspicious(senior))

    hold = SeniorHold.objects.get(alert_id=decision.alert_id)
    assert decision.senior_hold is True
    assert (hold.state, hold.customer_age) == ("active", 75)
    # 15 business days after Tuesday 10 June 2025 (Juneteenth is a Fed holiday)
    assert hold.expires_at == dt.datetime(2025, 7, 2, 15, 0, tzinfo=dt.UTC)
    assert hold.notice_due_at == dt.datetime(2025, 6, 12, 15, 0, tzinfo=dt.UTC)
    assert CustomerAggregate.objects.get(pk=senior.pk).hold_until == hold.expires_at


def test_the_trusted_contact_is_notified_without_account_details(senior, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        decision = services.assess(_suspicious(senior))

    hold = SeniorHold.objects.get(alert_id=decision.alert_id)
    assert hold.trusted_contact_notified_at == NOW
    assert [m.to for m in mail.outbox] == [["robin@example.com"]]
    body = mail.outbox[0].body.lower()
    assert "robin trust" in body
    for word in ("score", "rule", "600", "fraud", "password"):
        assert word not in body


def test_a_hold_without_a_trusted_contact_says_so(senior, django_capture_on_commit_callbacks):
    CustomerProfile.objects.filter(user=senior).update(trusted_contact_name="")
    with django_capture_on_commit_callbacks(execute=True):
        decision = services.assess(_suspicious(senior))

    hold = SeniorHold.objects.get(alert_id=decision.alert_id)
    assert hold.trusted_contact_missing is True
    assert mail.outbox == []


def test_younger_customers_are_not_held(customer):
    KycRecord.objects.create(user=customer, date_of_birth=dt.date(1980, 3, 1))

    decision = services.assess(_suspicious(customer))

    assert decision.decision == "review"
    assert not SeniorHold.objects.exists()


def test_without_an_age_reader_no_hold_is_placed(customer, monkeypatch):
    monkeypatch.delattr(accounts_selectors, "customer_age", raising=False)

    decision = services.assess(_suspicious(customer))

    assert decision.decision == "review"
    assert not SeniorHold.objects.exists()


def test_an_expired_hold_releases_the_movement(senior, django_capture_on_commit_callbacks):
    decision = services.assess(_suspicious(senior))
    hold = SeniorHold.objects.get(alert_id=decision.alert_id)
    received, disconnect = _collect(fraud_review_resolved)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert services.senior_hold_expire_due(now=hold.expires_at - H) == 0
            assert services.senior_hold_expire_due(now=hold.expires_at) == 1
    finally:
        disconnect()

    hold.refresh_from_db()
    assert hold.state == "expired"
    assert CustomerAggregate.objects.get(pk=senior.pk).hold_until is None
    assert [(r["outcome"], r["cause"]) for r in received] == [("released", "hold_expired")]
    assert FraudAlert.objects.get(pk=decision.alert_id).state == "open"


def test_a_hold_is_extended_up_to_its_maximum(senior):
    decision = services.assess(_suspicious(senior))
    hold = SeniorHold.objects.get(alert_id=decision.alert_id)
    analyst = StaffUserFactory()

    first = services.senior_hold_extend(hold=hold, acting_user=analyst, reason="internal review continues")
    services.senior_hold_extend(hold=hold, acting_user=analyst, reason="reported to the state agency")
    services.senior_hold_extend(hold=hold, acting_user=analyst, reason="court order pending")
    services.senior_hold_extend(hold=hold, acting_user=analyst, reason="court order pending")
    with pytest.raises(SeniorHoldStateError):
        services.senior_hold_extend(hold=hold, acting_user=analyst, reason="again")

    assert first.expires_at == dt.datetime(2025, 7, 17, 15, 0, tzinfo=dt.UTC)  # +10 business days (4 July)
    hold.refresh_from_db()
    assert hold.expires_at == dt.datetime(2025, 8, 28, 15, 0, tzinfo=dt.UTC)  # 55 business days in all
    assert hold.extensions == 4


def test_confirmed_fraud_ends_the_hold_refused(senior):
    decision = services.assess(_suspicious(senior))

    services.alert_confirm_fraud(alert=FraudAlert.objects.get(pk=decision.alert_id), acting_user=StaffUserFactory())

    assert SeniorHold.objects.get(alert_id=decision.alert_id).state == "refused"
    assert CustomerAggregate.objects.get(pk=senior.pk).hold_until is None


# --- overrides ----------------------------------------------------------------------------------------------


def test_an_override_changes_the_threshold_used_by_decisions(customer):
    analyst = StaffUserFactory()
    event = make_event(customer, destination="bank_account:other")
    assert services.assess(event).decision == "allow"  # new destination: 200 points

    services.rule_override_set(key="review_score", value="200", reason="tighter during an attack", acting_user=analyst)

    assert services.assess(event).decision == "review"
    services.rule_override_clear(key="review_score", acting_user=analyst)
    assert services.assess(event).decision == "allow"


def test_overrides_are_audited_and_one_is_active_per_key():
    analyst = StaffUserFactory()

    services.rule_override_set(key="velocity_count_1h", value="6", reason="first", acting_user=analyst)
    second = services.rule_override_set(key="velocity_count_1h", value="8", reason="second", acting_user=analyst)

    rows = FraudRuleOverride.objects.filter(key="velocity_count_1h")
    assert [(r.value, r.active) for r in rows.order_by("pk")] == [("6", False), ("8", True)]
    assert LogEntry.objects.get_for_object(second).exists()


@pytest.mark.parametrize(
    ("key", "value"), [("no_such_threshold", "1"), ("review_score", "lots"), ("review_score", "-5")]
)
def test_invalid_overrides_are_refused(db, key, value):
    with pytest.raises(RuleOverrideInvalid):
        services.rule_override_set(key=key, value=value, reason="x", acting_user=None)
    assert not FraudRuleOverride.objects.exists()


# --- data rights ------------------------------------------------------------------------------------------------


def test_erasure_masks_request_details_and_is_deferred_by_an_open_alert(customer):
    decision = services.assess(_suspicious(customer))

    assert services.customer_erase_veto(customer) == "an open fraud alert"
    services.customer_erase(customer)

    stored = StoredDecision.objects.get(pk=decision.id)
    assert (stored.ip_address, stored.user_agent) == (None, "")
    assert CustomerAggregate.objects.get(pk=customer.pk).devices == []


def test_selectors_find_a_decision_by_reference_and_confirmed_fraud(customer):
    from fraud import selectors

    decision = services.assess(_suspicious(customer))
    services.decision_attach_reference(decision_id=decision.id, reference="trading.transaction:3")
    services.alert_confirm_fraud(alert=FraudAlert.objects.get(pk=decision.alert_id), acting_user=StaffUserFactory())

    assert selectors.decision_for_reference(reference="trading.transaction:3").pk == decision.id
    assert [a.decision_id for a in selectors.confirmed_fraud_list(since=NOW - D)] == [decision.id]
