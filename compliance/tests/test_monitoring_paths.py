"""The monitoring rules' other read paths find what the default path finds: a wide batch (the look-back
window read by time, `MONITORING_SQL_WIDE_BATCH_ROWS`) for large cash, structuring and loan
proceeds, and for high-risk jurisdictions the batch-by-batch fallback when the backlog is more than
one batch (`MONITORING_SQL_BATCH_SIZE`). Each test runs the default path first, keeps its alerts,
rolls them back and runs the other path over the same rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from compliance.models import Alert
from compliance.services import monitoring_run

from . import factories

pytestmark = pytest.mark.django_db
MON = factories.BUSINESS_DAY
TUE, WED = MON + dt.timedelta(days=1), MON + dt.timedelta(days=2)
SAT = MON - dt.timedelta(days=2)


def _alerts() -> list[tuple]:
    return sorted(
        (
            a.rule_name,
            a.rule_version,
            a.dedup_key,
            str(a.customer_id),
            tuple(a.evidence),
            a.amount,
            a.activity_start,
            a.activity_end,
            a.score,
            sorted(a.details.items()),
        )
        for a in Alert.objects.all()
    )


def _default_path_alerts(rule: str) -> list[tuple]:
    """The alerts the default path raises over the rows as they are, then rolled back."""
    with transaction.atomic():
        monitoring_run(rules=[rule])
        found = _alerts()
        transaction.set_rollback(True)
    assert not Alert.objects.exists()
    return found


def test_large_cash_in_a_wide_batch_finds_the_same_alerts(settings):
    first, second, third = factories.customer(), factories.customer(), factories.customer()
    factories.branch_cash(factories.portfolio(first), "6000.00", on=MON)
    factories.branch_cash(factories.portfolio(first), "4500.00", on=MON, hour=15)
    factories.branch_cash(factories.portfolio(first), "3000.00", on=TUE)
    factories.branch_cash(factories.portfolio(second), "10000.00", on=MON)
    third_portfolio = factories.portfolio(third, cash="30000.00")
    factories.branch_cash(third_portfolio, "7000.00", on=SAT)
    factories.branch_cash(third_portfolio, "4000.00", on=MON)
    factories.branch_cash(third_portfolio, "12000.00", on=TUE, direction="out")
    default = _default_path_alerts("large_cash")

    settings.MONITORING_SQL_WIDE_BATCH_ROWS = 1
    monitoring_run(rules=["large_cash"])

    assert _alerts() == default and len(default) == 3


def test_structuring_in_a_wide_batch_finds_the_same_alerts(settings):
    over_days, one_day, two_days, far_apart = (factories.portfolio(factories.customer()) for _ in range(4))
    for day, amount in ((MON, "9000.00"), (TUE, "9500.00"), (WED, "9900.00")):
        factories.branch_cash(over_days, amount, on=day)
    factories.branch_cash(one_day, "9500.00", on=MON)
    factories.branch_cash(one_day, "9400.00", on=MON, hour=16)
    factories.branch_cash(two_days, "9000.00", on=MON)
    factories.branch_cash(two_days, "9000.00", on=TUE)
    factories.branch_cash(far_apart, "9000.00", on=MON)
    factories.branch_cash(far_apart, "9000.00", on=TUE)
    factories.branch_cash(far_apart, "9000.00", on=MON + dt.timedelta(days=14))
    default = _default_path_alerts("structuring")

    settings.MONITORING_SQL_WIDE_BATCH_ROWS = 1
    monitoring_run(rules=["structuring"])

    assert _alerts() == default and len(default) == 2


def test_loan_proceeds_out_in_a_wide_batch_finds_the_same_alerts(settings):
    moved, kept, late = (factories.customer() for _ in range(3))
    moved_portfolio, kept_portfolio, late_portfolio = (factories.portfolio(c) for c in (moved, kept, late))
    factories.disbursed_loan(moved, moved_portfolio, amount="10000.00", fee="200.00", on=MON)
    factories.transfer(moved_portfolio, "9000.00", on=WED, type="withdrawal", method="wire")
    factories.disbursed_loan(kept, kept_portfolio, amount="10000.00", on=MON)
    factories.transfer(kept_portfolio, "1000.00", on=TUE, type="withdrawal")
    factories.disbursed_loan(late, late_portfolio, amount="10000.00", on=MON)
    factories.transfer(late_portfolio, "9000.00", on=MON + dt.timedelta(days=30), type="withdrawal")
    factories.transfer(factories.portfolio(factories.customer()), "9000.00", on=TUE, type="withdrawal")
    default = _default_path_alerts("loan_proceeds_out")

    settings.MONITORING_SQL_WIDE_BATCH_ROWS = 1
    monitoring_run(rules=["loan_proceeds_out"])

    assert _alerts() == default and len(default) == 1


def _wire(portfolio, country: str, *, on: dt.date = MON):
    details = {"beneficiary": {"name": "Recipient", "country": country}, "amount": "5000.00"}
    return factories.transfer(portfolio, "5000.00", on=on, type="withdrawal", method="wire", wire_details=details)


def test_high_risk_jurisdiction_batch_by_batch_finds_the_same_alerts(settings):
    first, second = factories.portfolio(factories.customer()), factories.portfolio(factories.customer())
    _wire(first, "ir")
    _wire(first, "GB")
    _wire(second, "KP", on=TUE)
    _wire(second, "FR", on=TUE)
    _wire(first, "SY", on=WED)
    default = _default_path_alerts("high_risk_jurisdiction")

    # A backlog of five wires is more than one batch: the rule reads it batch by batch.
    settings.MONITORING_SQL_BATCH_SIZE = 1
    result = monitoring_run(rules=["high_risk_jurisdiction"])

    assert _alerts() == default and len(default) == 3
    assert result.rules[0].rows == 5
