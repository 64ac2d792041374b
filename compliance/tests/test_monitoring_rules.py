"""The rules over trading's transactions: each fires with its evidence, a clean customer does not,
and re-runs from the watermark or over dates never duplicate an alert."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from compliance.models import Alert, Case, MonitoringRuleState
from compliance.services import monitoring_run

from . import factories

pytestmark = pytest.mark.django_db
MON = factories.BUSINESS_DAY
TUE, WED = MON + dt.timedelta(days=1), MON + dt.timedelta(days=2)


def _ref(tx) -> str:
    return f"trading.transaction:{tx.pk}"


def _alerts(rule: str):
    return Alert.objects.filter(rule_name=rule)


# --- large cash ---------------------------------------------------------------------------------


def test_large_cash_fires_for_a_persons_day_above_the_threshold():
    customer = factories.customer()
    first = factories.branch_cash(factories.portfolio(customer), "6000.00", on=MON)
    second = factories.branch_cash(factories.portfolio(customer), "4500.00", on=MON, hour=15)
    assert monitoring_run(rules=["large_cash"]).alerts == 1
    alert = _alerts("large_cash").get()
    assert alert.customer_id == customer.pk and alert.amount == Decimal("10500.00")
    assert alert.evidence == [_ref(first), _ref(second)] and alert.details["direction"] == "in"


def test_large_cash_is_quiet_at_the_threshold():
    customer = factories.customer()
    factories.branch_cash(factories.portfolio(customer), "10000.00", on=MON)
    assert monitoring_run(rules=["large_cash"]).alerts == 0


# --- structuring --------------------------------------------------------------------------------


def test_structuring_fires_for_split_cash_on_one_day():
    customer = factories.customer()
    portfolio = factories.portfolio(customer)
    factories.branch_cash(portfolio, "9500.00", on=MON)
    factories.branch_cash(portfolio, "9400.00", on=MON, hour=16)
    monitoring_run(rules=["structuring"])
    alert = _alerts("structuring").get()
    assert alert.details["most_on_one_day"] == 2 and alert.amount == Decimal("18900.00")


def test_structuring_is_quiet_for_two_days_or_days_too_far_apart():
    customer = factories.customer()
    portfolio = factories.portfolio(customer)
    factories.branch_cash(portfolio, "9000.00", on=MON)
    factories.branch_cash(portfolio, "9000.00", on=TUE)
    factories.branch_cash(portfolio, "9000.00", on=MON + dt.timedelta(days=14))
    factories.branch_cash(portfolio, "5000.00", on=WED)  # below the band
    assert monitoring_run(rules=["structuring"]).alerts == 0


def test_structuring_counts_business_days_across_a_weekend():
    # Thursday, Friday and the next Monday are three business days within five.
    customer = factories.customer()
    portfolio = factories.portfolio(customer)
    for day in (MON - dt.timedelta(days=4), MON - dt.timedelta(days=3), MON):
        factories.branch_cash(portfolio, "9100.00", on=day)
    assert monitoring_run(rules=["structuring"]).alerts == 1


# --- rapid movement -----------------------------------------------------------------------------


def test_rapid_movement_fires_when_money_leaves_days_after_it_came():
    customer = factories.customer()
    portfolio = factories.portfolio(customer)
    deposit = factories.transfer(portfolio, "20000.00", on=MON, method="wire")
    withdrawal = factories.transfer(portfolio, "19000.00", on=WED, method="wire", type="withdrawal")
    monitoring_run(rules=["rapid_movement"])
    monitoring_run(rules=["rapid_movement"], since=MON, until=WED)
    alert = _alerts("rapid_movement").get()
    assert alert.evidence == [_ref(deposit), _ref(withdrawal)] and alert.amount == Decimal("19000.00")
    assert alert.details == {"amount_in": "20000.00", "amount_out": "19000.00"}
    assert alert.activity_end == WED


def test_rapid_movement_is_quiet_when_the_money_stays():
    customer = factories.customer()
    portfolio = factories.portfolio(customer)
    factories.transfer(portfolio, "20000.00", on=MON, method="wire")
    factories.transfer(portfolio, "2000.00", on=TUE, type="withdrawal")
    factories.transfer(portfolio, "19000.00", on=MON + dt.timedelta(days=20), type="withdrawal")
    assert monitoring_run(rules=["rapid_movement"]).alerts == 0


# --- loan proceeds ------------------------------------------------------------------------------


def test_loan_proceeds_moved_out_fires_with_the_loan_as_evidence():
    customer = factories.customer()
    portfolio = factories.portfolio(customer)
    loan = factories.disbursed_loan(customer, portfolio, amount="10000.00", fee="200.00", on=MON)
    out = factories.transfer(portfolio, "9000.00", on=WED, type="withdrawal", method="wire")
    monitoring_run(rules=["loan_proceeds_out"])
    alert = _alerts("loan_proceeds_out").get()
    assert alert.evidence == [f"lending.loan:{loan.pk}", _ref(out)]
    assert alert.details == {"proceeds": "9800.00", "moved_out": "9000.00"}


def test_loan_proceeds_kept_or_moved_out_much_later_are_quiet():
    customer = factories.customer()
    portfolio = factories.portfolio(customer)
    factories.disbursed_loan(customer, portfolio, amount="10000.00", on=MON)
    factories.transfer(portfolio, "1000.00", on=TUE, type="withdrawal")
    factories.transfer(portfolio, "9000.00", on=MON + dt.timedelta(days=30), type="withdrawal")
    assert monitoring_run(rules=["loan_proceeds_out"]).alerts == 0


# --- volume far above history -------------------------------------------------------------------


def _history(portfolio, days: int = 10, amount: str = "500.00") -> None:
    for n in range(days):
        factories.transfer(portfolio, amount, on=MON - dt.timedelta(days=30 - n))


def test_volume_spike_fires_for_a_day_far_above_the_customers_history():
    customer = factories.customer()
    portfolio = factories.portfolio(customer)
    _history(portfolio)
    spike = factories.transfer(portfolio, "30000.00", on=MON)
    monitoring_run(rules=["volume_spike"])
    alert = _alerts("volume_spike").get()
    assert alert.evidence == [_ref(spike)] and alert.activity_start == MON
    assert alert.details["average_active_day"] == "500.00" and alert.details["active_days"] == 10


def test_volume_spike_is_quiet_for_usual_volume_or_no_history():
    steady, newcomer = factories.customer(), factories.customer()
    portfolio = factories.portfolio(steady)
    _history(portfolio, amount="4000.00")
    factories.transfer(portfolio, "12000.00", on=MON)
    factories.transfer(factories.portfolio(newcomer), "30000.00", on=MON)
    assert monitoring_run(rules=["volume_spike"]).alerts == 0


# --- high-risk jurisdictions --------------------------------------------------------------------


def _wire(portfolio, country: str):
    details = {"beneficiary": {"name": "Recipient", "country": country}, "amount": "5000.00"}
    return factories.transfer(portfolio, "5000.00", on=MON, type="withdrawal", method="wire", wire_details=details)


def test_a_wire_to_a_high_risk_country_fires():
    customer = factories.customer()
    wire = _wire(factories.portfolio(customer), "ir")
    monitoring_run(rules=["high_risk_jurisdiction"])
    alert = _alerts("high_risk_jurisdiction").get()
    assert alert.evidence == [_ref(wire)] and alert.details["countries"] == ["IR"]
    assert Case.objects.get().customer_id == customer.pk


def test_a_wire_elsewhere_is_quiet():
    _wire(factories.portfolio(factories.customer()), "GB")
    assert monitoring_run(rules=["high_risk_jurisdiction"]).alerts == 0


# --- the framework over these rules -------------------------------------------------------------


def test_the_watermark_is_the_transaction_id_and_re_runs_raise_nothing_new():
    customer = factories.customer()
    portfolio = factories.portfolio(customer)
    factories.branch_cash(portfolio, "10500.00", on=MON)
    monitoring_run(rules=["large_cash"])
    last = factories.branch_cash(portfolio, "12000.00", on=TUE)
    assert monitoring_run(rules=["large_cash"]).alerts == 1
    assert MonitoringRuleState.objects.get(rule_name="large_cash").watermark_id == last.pk
    again = monitoring_run(rules=["large_cash"], since=MON, until=TUE)
    assert again.alerts == 0 and again.rules[0].duplicates == 2


def test_a_shadow_rule_over_transactions_raises_no_case(settings):
    settings.MONITORING_SHADOW_RULES = ["large_cash"]
    factories.branch_cash(factories.portfolio(factories.customer()), "10500.00", on=MON)
    monitoring_run(rules=["large_cash"])
    assert _alerts("large_cash").get().shadow and not Case.objects.exists()


def test_small_batches_find_the_same_alerts(settings):
    settings.MONITORING_SQL_BATCH_SIZE = 1
    customer = factories.customer()
    portfolio = factories.portfolio(customer)
    for day, amount in ((MON, "9000.00"), (TUE, "9500.00"), (WED, "9900.00")):
        factories.branch_cash(portfolio, amount, on=day)
    result = monitoring_run(rules=["structuring"])
    assert result.rules[0].rows == 3 and result.alerts == 1


def test_recent_rows_wait_for_the_next_run(settings):
    settings.MONITORING_SOURCE_LAG_SECONDS = 3600
    factories.branch_cash(factories.portfolio(factories.customer()), "10500.00", on=MON)
    assert monitoring_run(rules=["large_cash"]).rules[0].rows == 0


def test_a_wide_batch_reads_by_time_and_finds_the_same_alerts(settings):
    settings.MONITORING_SQL_WIDE_BATCH_ROWS = 1
    customer = factories.customer()
    portfolio = factories.portfolio(customer)
    _history(portfolio)
    factories.transfer(portfolio, "30000.00", on=MON, method="wire")
    factories.transfer(portfolio, "29000.00", on=TUE, method="wire", type="withdrawal")
    factories.transfer(factories.portfolio(factories.customer()), "500.00", on=MON)
    result = monitoring_run(rules=["rapid_movement", "volume_spike"])
    assert [r.alerts for r in result.rules] == [1, 1]
    assert {a.customer_id for a in Alert.objects.all()} == {customer.pk}
