"""Each rule fires, with its reason, through `assess()` on a real aggregate (one behaviour each)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from accounts.models import SecurityEvent, User
from accounts.tests.factories import UserFactory
from fraud import services
from fraud.models import CustomerAggregate

from .factories import HOME, NEW_IP, NEW_UA, NOW, activate_model, established_customer, make_event, record

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def customer():
    return established_customer()


def codes(decision) -> set[str]:
    return set(decision.reason_codes)


def reason(decision, code: str) -> dict:
    return next(r for r in decision.reasons if r["code"] == code)


def test_an_ordinary_withdrawal_of_an_established_customer_is_allowed_without_reasons(customer):
    decision = services.assess(make_event(customer))

    assert decision.decision == "allow"
    assert decision.score == 0
    assert decision.reasons == ()


def test_velocity_count_1h(customer):
    for minutes in (50, 30, 10):
        record(customer, "deposit", "500.00", occurred_at=NOW - dt.timedelta(minutes=minutes))

    decision = services.assess(make_event(customer, "deposit", "500.00"))

    assert "velocity_count_1h" in codes(decision)
    assert reason(decision, "velocity_count_1h")["detail"] == "4 funding movements in 1 h"


def test_velocity_count_24h(customer):
    for hours in range(2, 23, 3):
        record(customer, "deposit", "500.00", occurred_at=NOW - hours * H)

    decision = services.assess(make_event(customer, "deposit", "500.00"))

    assert "velocity_count_24h" in codes(decision)
    assert "velocity_count_1h" not in codes(decision)


def test_velocity_amount_1h(customer):
    record(customer, "deposit", "15000.00", occurred_at=NOW - 0.5 * H)

    decision = services.assess(make_event(customer, "deposit", "6000.00"))

    assert "velocity_amount_1h" in codes(decision)
    assert "$21,000" in reason(decision, "velocity_amount_1h")["detail"]


def test_velocity_amount_24h(customer):
    record(customer, "deposit", "30000.00", occurred_at=NOW - 10 * H)
    record(customer, "deposit", "15000.00", occurred_at=NOW - 5 * H)

    decision = services.assess(make_event(customer, "deposit", "6000.00"))

    assert "velocity_amount_24h" in codes(decision)
    assert "velocity_amount_1h" not in codes(decision)


def test_trade_velocity_count_1h_with_a_threshold_from_settings(customer, settings):
    settings.FRAUD_THRESHOLDS = {**settings.FRAUD_THRESHOLDS, "trade_velocity_count_1h": 5}
    for minutes in (40, 30, 20, 10):
        record(customer, "buy", "300.00", occurred_at=NOW - dt.timedelta(minutes=minutes))

    decision = services.assess(make_event(customer, "buy", "300.00"))

    assert reason(decision, "trade_velocity_count_1h")["detail"] == "5 trades in 1 h"


def test_small_deposit_burst(customer):
    record(customer, "deposit", "5.00", occurred_at=NOW - dt.timedelta(minutes=20))
    record(customer, "deposit", "3.10", occurred_at=NOW - dt.timedelta(minutes=9))

    decision = services.assess(make_event(customer, "deposit", "7.00"))

    assert reason(decision, "small_deposit_burst")["detail"] == "3 small deposits in 1 h"


def test_a_large_deposit_alone_is_not_a_small_deposit_burst(customer):
    record(customer, "deposit", "5.00", occurred_at=NOW - dt.timedelta(minutes=20))
    record(customer, "deposit", "3.10", occurred_at=NOW - dt.timedelta(minutes=9))

    decision = services.assess(make_event(customer, "deposit", "700.00"))

    assert "small_deposit_burst" not in codes(decision)


def test_amount_far_above_the_customers_history(customer):
    decision = services.assess(make_event(customer, "withdrawal", "20000.00"))

    assert "amount_above_history" in codes(decision)
    assert reason(decision, "amount_above_history")["points"] == 250  # z above amount_zscore_high


def test_amount_somewhat_above_history_scores_the_lower_step(customer):
    decision = services.assess(make_event(customer, "withdrawal", "2400.00"))

    assert reason(decision, "amount_above_history")["points"] == 150


def test_large_amount_without_history():
    customer = UserFactory(date_joined=NOW - 200 * D)
    record(customer, "deposit", "9000.00", occurred_at=NOW - 20 * D)

    decision = services.assess(make_event(customer, "withdrawal", "6000.00"))

    assert "large_amount_no_history" in codes(decision)


def test_withdrawal_soon_after_a_deposit(customer):
    record(customer, "deposit", "500.00", occurred_at=NOW - 5 * H)

    decision = services.assess(make_event(customer))

    assert reason(decision, "withdrawal_after_deposit")["detail"] == "5.0 h after a deposit"


def test_withdrawal_after_an_ach_return(customer):
    record(customer, "ach_return", "500.00", occurred_at=NOW - 3 * D)

    decision = services.assess(make_event(customer))

    assert "withdrawal_after_ach_return" in codes(decision)


def test_pass_through_of_most_of_the_weeks_inflow(customer):
    for days in (5, 4, 3):
        record(customer, "deposit", "1000.00", occurred_at=NOW - days * D)

    decision = services.assess(make_event(customer, "withdrawal", "2500.00"))

    assert "pass_through" in codes(decision)
    assert "83% of 3 inbound" in reason(decision, "pass_through")["detail"]


def test_new_funding_source(customer):
    decision = services.assess(make_event(customer, "new_funding_source", "0", destination="bank_account:other"))

    assert codes(decision) == {"new_funding_source"}


def test_funding_source_burst(customer):
    record(customer, "new_funding_source", "0", destination="bank_account:a", occurred_at=NOW - 3 * H)
    record(customer, "new_funding_source", "0", destination="bank_account:b", occurred_at=NOW - 2 * H)

    decision = services.assess(make_event(customer, "new_funding_source", "0", destination="bank_account:c"))

    assert reason(decision, "funding_source_burst")["detail"] == "3 new funding sources in 24 h"


def test_new_destination_never_used(customer):
    decision = services.assess(make_event(customer, destination="bank_account:elsewhere"))

    assert reason(decision, "new_destination")["detail"] == "a destination never used before"


def test_new_destination_linked_recently(customer):
    record(customer, "new_funding_source", "0", destination="bank_account:fresh", occurred_at=NOW - 2 * D)

    decision = services.assess(make_event(customer, destination="bank_account:fresh"))

    assert reason(decision, "new_destination")["detail"] == "a destination first seen 2.0 days ago"


def test_a_destination_linked_long_ago_is_not_new(customer):
    decision = services.assess(make_event(customer, destination=HOME))

    assert "new_destination" not in codes(decision)


def test_new_device(customer):
    decision = services.assess(make_event(customer, ip=NEW_IP, user_agent=NEW_UA))

    assert codes(decision) == {"new_device"}


def test_a_device_first_seen_an_hour_ago_is_still_new(customer):
    record(customer, "new_funding_source", "0", destination="x:1", ip=NEW_IP, user_agent=NEW_UA, occurred_at=NOW - H)

    decision = services.assess(make_event(customer, ip=NEW_IP, user_agent=NEW_UA))

    assert "new_device" in codes(decision)


def test_takeover_pattern_new_device_and_new_destination(customer):
    decision = services.assess(make_event(customer, destination="bank_account:x", ip=NEW_IP, user_agent=NEW_UA))

    assert reason(decision, "takeover_pattern")["detail"] == "new_destination + new_device"
    assert decision.decision == "review"


def test_takeover_pattern_credential_change_and_new_device(customer):
    SecurityEvent.objects.create(user=customer, kind="mfa_disabled")

    decision = services.assess(make_event(customer, ip=NEW_IP, user_agent=NEW_UA))

    assert reason(decision, "takeover_pattern")["detail"] == "credential_change + new_device"


def test_unusual_hour_for_this_customer(customer):
    decision = services.assess(make_event(customer, occurred_at=NOW - 8 * H))  # 03:00 in New York

    assert codes(decision) == {"unusual_hour"}


def test_young_account():
    customer = UserFactory(date_joined=NOW - 5 * D)

    decision = services.assess(make_event(customer, "deposit", "300.00"))

    assert reason(decision, "young_account")["detail"] == "account 5 days old"


def test_recent_failed_logins(customer):
    for _ in range(3):
        SecurityEvent.objects.create(user=customer, kind="login", outcome="failure")

    decision = services.assess(make_event(customer))

    assert reason(decision, "failed_logins")["detail"] == "3 failed logins"


def test_security_events_of_a_customer_without_history_are_read_too():
    newcomer = UserFactory(date_joined=NOW - 90 * D)
    SecurityEvent.objects.create(user=newcomer, kind="password_reset")
    for _ in range(3):
        SecurityEvent.objects.create(user=newcomer, kind="login", outcome="failure")

    decision = services.assess(make_event(newcomer))

    assert codes(decision) == {"password_reset", "failed_logins", "new_destination", "takeover_pattern"}


def test_failed_logins_older_than_their_window_do_not_count(customer):
    for _ in range(3):
        SecurityEvent.objects.create(user=customer, kind="login", outcome="failure")

    decision = services.assess(make_event(customer, occurred_at=NOW + 25 * H))

    assert "failed_logins" not in codes(decision)


def test_two_failed_logins_are_not_enough(customer):
    for _ in range(2):
        SecurityEvent.objects.create(user=customer, kind="login", outcome="failure")

    decision = services.assess(make_event(customer))

    assert "failed_logins" not in codes(decision)


@pytest.mark.parametrize(
    "kind",
    ["password_reset", "password_changed", "mfa_disabled", "mfa_enabled", "email_changed", "token_reuse", "lockout"],
)
def test_recent_security_change(customer, kind):
    SecurityEvent.objects.create(user=customer, kind=kind)

    decision = services.assess(make_event(customer, occurred_at=NOW + 2 * H))

    assert codes(decision) == {kind}
    assert reason(decision, kind)["detail"] == f"{kind} 2.0 h before"


def test_security_changes_long_ago_do_not_count(customer):
    SecurityEvent.objects.create(user=customer, kind="password_reset")

    decision = services.assess(make_event(customer, occurred_at=NOW + 4 * D))

    assert "password_reset" not in codes(decision)


def test_security_changes_do_not_count_on_deposits(customer):
    SecurityEvent.objects.create(user=customer, kind="password_reset")

    decision = services.assess(make_event(customer, "deposit", "500.00"))

    assert "password_reset" not in codes(decision)


def test_restriction_review_sends_money_out_to_review(customer):
    User.objects.filter(pk=customer.pk).update(restriction="review")
    customer.refresh_from_db()

    decision = services.assess(make_event(customer))

    assert codes(decision) == {"restriction_review"}
    assert decision.decision == "review"


def test_a_frozen_customer_cannot_take_money_out(customer):
    User.objects.filter(pk=customer.pk).update(restriction="frozen")
    customer.refresh_from_db()

    decision = services.assess(make_event(customer))

    assert "restriction_frozen" in codes(decision)
    assert decision.decision == "block"


def test_a_blocked_customer_cannot_even_deposit(customer):
    User.objects.filter(pk=customer.pk).update(restriction="blocked")
    customer.refresh_from_db()

    decision = services.assess(make_event(customer, "deposit", "500.00"))

    assert "restriction_blocked" in codes(decision)
    assert decision.decision == "block"


def test_an_active_finra_hold_holds_further_withdrawals(customer):
    CustomerAggregate.objects.filter(pk=customer.pk).update(hold_until=NOW + 5 * D)

    decision = services.assess(make_event(customer))

    assert codes(decision) == {"finra_hold_active"}
    assert decision.decision == "review"


def test_anomaly_model_adds_points_with_its_version(customer):
    version = activate_model(calibration={"threshold": 0.0, "top": 1.0})

    decision = services.assess(make_event(customer))

    assert "anomaly_model" in codes(decision)
    assert f"(model v{version.version})" in reason(decision, "anomaly_model")["detail"]


def test_points_add_up_to_a_block(customer):
    SecurityEvent.objects.create(user=customer, kind="password_reset")
    for _ in range(3):
        SecurityEvent.objects.create(user=customer, kind="login", outcome="failure")
    event = make_event(
        customer, "withdrawal", "12000.00", destination="bank_account:attacker", ip=NEW_IP, user_agent=NEW_UA
    )

    decision = services.assess(event)

    assert codes(decision) == {
        "password_reset",
        "failed_logins",
        "new_destination",
        "new_device",
        "amount_above_history",
        "takeover_pattern",
    }
    assert sum(r["points"] for r in decision.reasons) == 1020
    assert decision.score == 1000  # capped
    assert decision.decision == "block"


def test_the_same_state_gives_the_same_decision(customer):
    record(customer, "deposit", "500.00", occurred_at=NOW - 5 * H)
    event = make_event(customer, "withdrawal", "3000.00", destination="bank_account:new", ip=NEW_IP, user_agent=NEW_UA)

    first, second = services.assess(event), services.assess(event)

    assert first.id != second.id
    assert (first.score, first.decision, first.reasons) == (second.score, second.decision, second.reasons)
