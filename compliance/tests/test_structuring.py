"""Structuring and CTRs together (DESIGN.md: CTR, structuring): cash just under the threshold on
several business days raises one structuring alert and no CTR; a same-day total over the threshold
drafts a CTR whatever the alerts; weekend cash counts on the next business day; re-runs never
duplicate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from compliance.models import Alert, Ctr
from compliance.services import ctr_draft_for_day, monitoring_run

from . import factories

pytestmark = pytest.mark.django_db
MON = factories.BUSINESS_DAY  # Monday 2 March 2026
TUE, WED, THU = (MON + dt.timedelta(days=n) for n in (1, 2, 3))
SAT = MON - dt.timedelta(days=2)


def _week(customer, portfolio) -> None:
    for day, amount in ((MON, "9000.00"), (TUE, "9500.00"), (WED, "9900.00")):
        factories.branch_cash(portfolio, amount, on=day)


def _draft_week() -> None:
    for day in (MON, TUE, WED, THU):
        ctr_draft_for_day(business_day=day)


def _structuring_alerts():
    return Alert.objects.filter(rule_name="structuring")


def test_three_days_under_the_threshold_raise_one_structuring_alert_and_no_ctr():
    customer = factories.customer()
    _week(customer, factories.portfolio(customer))
    monitoring_run(rules=["structuring"])
    _draft_week()
    alert = _structuring_alerts().get()
    assert alert.customer_id == customer.pk and alert.amount == Decimal("28400.00")
    assert len(alert.evidence) == 3 and alert.activity_start == MON and alert.activity_end == WED
    assert alert.details["business_days"] == 3 and alert.rule_version == "1"
    assert not Ctr.objects.exists()


def test_a_fourth_deposit_on_one_of_those_days_drafts_a_ctr_and_keeps_the_one_alert():
    customer = factories.customer()
    portfolio = factories.portfolio(customer)
    _week(customer, portfolio)
    monitoring_run(rules=["structuring"])
    factories.branch_cash(portfolio, "9200.00", on=TUE, hour=15)
    monitoring_run(rules=["structuring"])
    _draft_week()
    ctr = Ctr.objects.get()
    assert ctr.business_date == TUE and ctr.direction == "cash_in" and ctr.total_amount == Decimal("18700.00")
    assert ctr.subject_id == customer.pk and len(ctr.transactions) == 2
    assert _structuring_alerts().count() == 1


def test_re_running_monitoring_and_the_ctr_job_duplicates_nothing():
    customer = factories.customer()
    portfolio = factories.portfolio(customer)
    _week(customer, portfolio)
    factories.branch_cash(portfolio, "9200.00", on=TUE, hour=15)
    for _ in range(2):
        monitoring_run(rules=["structuring"])
        monitoring_run(rules=["structuring"], since=MON, until=THU)
        _draft_week()
    assert _structuring_alerts().count() == 1 and Ctr.objects.count() == 1


def test_exactly_the_threshold_is_no_ctr():
    customer = factories.customer()
    factories.branch_cash(factories.portfolio(customer), "10000.00", on=MON)
    assert ctr_draft_for_day(business_day=MON).drafted == []
    assert not Ctr.objects.exists()


def test_a_cent_over_the_threshold_is_a_ctr_due_in_fifteen_days():
    customer = factories.customer()
    tx = factories.branch_cash(factories.portfolio(customer), "10000.01", on=MON)
    result = ctr_draft_for_day(business_day=MON)
    ctr = Ctr.objects.get(pk__in=result.drafted)
    assert ctr.total_amount == Decimal("10000.01") and ctr.due_on == MON + dt.timedelta(days=15)
    assert [t["reference"] for t in ctr.transactions] == [f"trading.transaction:{tx.pk}"]


def test_saturday_cash_counts_on_monday():
    customer = factories.customer()
    portfolio = factories.portfolio(customer)
    factories.branch_cash(portfolio, "6000.00", on=SAT)
    factories.branch_cash(portfolio, "5000.00", on=MON)
    assert ctr_draft_for_day(business_day=SAT).drafted == []
    ctr = Ctr.objects.get(pk__in=ctr_draft_for_day(business_day=MON).drafted)
    assert ctr.business_date == MON and ctr.total_amount == Decimal("11000.00")
    assert ctr.due_on == SAT + dt.timedelta(days=15)  # 15 days after the earliest transaction
    assert sorted(t["executed_on"] for t in ctr.transactions) == [SAT.isoformat(), MON.isoformat()]


def test_one_persons_cash_in_two_portfolios_is_added_up():
    customer = factories.customer()
    factories.branch_cash(factories.portfolio(customer), "6000.00", on=MON)
    factories.branch_cash(factories.portfolio(customer), "4500.00", on=MON)
    ctr = Ctr.objects.get(pk__in=ctr_draft_for_day(business_day=MON).drafted)
    assert ctr.subject_id == customer.pk and ctr.total_amount == Decimal("10500.00") and len(ctr.transactions) == 2


def test_ach_and_wire_never_count_toward_a_ctr():
    customer = factories.customer()
    portfolio = factories.portfolio(customer)
    factories.transfer(portfolio, "25000.00", on=MON, method="ach")
    factories.transfer(portfolio, "25000.00", on=MON, method="wire")
    factories.transfer(portfolio, "15000.00", on=MON, method="wire", type="withdrawal")
    factories.branch_cash(portfolio, "9000.00", on=MON)
    assert ctr_draft_for_day(business_day=MON).drafted == []
    assert not Ctr.objects.exists()


def test_cash_in_and_cash_out_are_reported_separately():
    customer = factories.customer()
    portfolio = factories.portfolio(customer, cash="30000.00")
    factories.branch_cash(portfolio, "7000.00", on=MON)
    factories.branch_cash(portfolio, "10500.00", on=MON, direction="out", hour=14)
    ctr = Ctr.objects.get(pk__in=ctr_draft_for_day(business_day=MON).drafted)
    assert ctr.direction == "cash_out" and ctr.total_amount == Decimal("10500.00")


def test_the_conductors_identity_is_recorded():
    customer = factories.customer()
    portfolio = factories.portfolio(customer)
    runner = {
        "name": "Lee Q Runner",
        "date_of_birth": dt.date(1990, 1, 2),
        "id_type": "passport",
        "id_number": "X9876543",
        "id_issuer": "GB",
        "identity_verified": True,
        "is_customer": False,
        "on_behalf_of": "Dana Whitfield",
    }
    factories.branch_cash(portfolio, "6000.00", on=MON)
    factories.branch_cash(portfolio, "6000.00", on=MON, hour=13, conductor=runner)
    ctr = Ctr.objects.get(pk__in=ctr_draft_for_day(business_day=MON).drafted)
    by_name = {c["last_name"]: c for c in ctr.conductors}
    assert by_name["Whitfield"]["customer_id"] == str(customer.pk)
    assert by_name["Whitfield"]["id_type"] == "drivers_license" and by_name["Whitfield"]["id_issuing_state"] == "IL"
    runner_entry = by_name["Runner"]
    assert runner_entry["first_name"] == "Lee" and runner_entry["middle_name"] == "Q"
    assert runner_entry["id_number_last4"] == "6543" and runner_entry["id_issuing_country"] == "GB"
    assert "customer_id" not in runner_entry and "X9876543" not in str(ctr.conductors)


def test_an_approved_ctr_is_left_alone_and_a_changed_day_is_flagged(bsa_officer):
    from compliance.services import ctr_approve

    customer = factories.customer()
    portfolio = factories.portfolio(customer)
    factories.branch_cash(portfolio, "10500.00", on=MON)
    ctr = ctr_approve(ctr=ctr_draft_for_day(business_day=MON).drafted[0], acting_user=bsa_officer)
    assert ctr_draft_for_day(business_day=MON).unchanged == [ctr.pk]
    factories.branch_cash(portfolio, "200.00", on=MON, hour=16)
    assert ctr_draft_for_day(business_day=MON).needs_amendment == [ctr.pk]
    assert Ctr.objects.count() == 1


def test_draft_ctrs_command_and_task(capsys):
    from django.core.management import call_command

    from compliance.tasks import ctr_draft

    customer = factories.customer()
    factories.branch_cash(factories.portfolio(customer), "12000.00", on=MON)
    call_command("draft_ctrs", "--date", MON.isoformat(), "--no-progress")
    assert f"{MON}: 1 draft(s)" in capsys.readouterr().out
    assert ctr_draft.apply(kwargs={"business_date": MON.isoformat()}).get() == [Ctr.objects.get().pk]
    assert Ctr.objects.count() == 1


def test_the_daily_job_drafts_the_business_days_before_today():
    from compliance.services import ctr_days_to_draft

    assert ctr_days_to_draft(today=TUE) == [MON - dt.timedelta(days=4), MON - dt.timedelta(days=3), MON]
