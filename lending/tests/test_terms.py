"""The loan arithmetic against numpy-financial, Appendix J and hand-checked figures."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import numpy_financial as npf
import pytest

from lending import terms as T  # noqa: N812

START = dt.date(2026, 1, 15)

# (amount, annual rate, term in months): at least 20 cases across sizes, rates and terms.
CASES = [
    ("1000.00", "0.05", 12),
    ("1000.00", "0.2499", 6),
    ("2500.00", "0.0799", 24),
    ("3000.00", "0.1299", 36),
    ("5000.00", "0.10", 24),
    ("5000.00", "0.1999", 60),
    ("7500.00", "0.0650", 48),
    ("10000.00", "0.12", 36),
    ("10000.00", "0.0399", 12),
    ("12345.67", "0.0875", 30),
    ("15000.00", "0.1575", 72),
    ("20000.00", "0.0599", 60),
    ("25000.00", "0.18", 84),
    ("750.00", "0.36", 3),
    ("800.00", "0.30", 9),
    ("9999.99", "0.0001", 18),
    ("40000.00", "0.0725", 120),
    ("1234.56", "0.2250", 13),
    ("60000.00", "0.0450", 180),
    ("333.33", "0.1111", 7),
    ("18000.00", "0.0949", 66),
    ("4200.00", "0.2799", 42),
]


def q(value) -> Decimal:
    """numpy's float rounded half-up per cell, after dropping binary noise below 1e-8 (97.965
    computes as 97.96499999999999 in floating point; the exact figure rounds to 97.97)."""
    exact = Decimal(repr(float(value))).quantize(Decimal("1e-8"), rounding=ROUND_HALF_UP)
    return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.mark.parametrize(("amount", "rate", "term"), CASES)
def test_equal_installments_on_30_360_match_numpy_financial(amount, rate, term):
    principal, annual = Decimal(amount), Decimal(rate)
    schedule = T.schedule_build(principal=principal, annual_rate=annual, start=START, term_months=term)
    i = float(annual) / 12
    for row in schedule.rows[:-1]:
        assert row.payment == q(-npf.pmt(i, term, float(principal))), row
        assert row.interest == q(-npf.ipmt(i, row.number, term, float(principal))), row
        assert row.principal == q(-npf.ppmt(i, row.number, term, float(principal))), row
    assert sum(r.principal for r in schedule.rows) == principal
    assert schedule.rows[-1].balance == Decimal("0.00")
    assert len(CASES) >= 20


def test_equal_principal_pays_equal_principal_and_declining_interest():
    schedule = T.schedule_build(
        principal=Decimal("1200.00"),
        annual_rate=Decimal("0.12"),
        start=START,
        term_months=12,
        amortization=T.Amortization.EQUAL_PRINCIPAL,
    )
    assert {r.principal for r in schedule.rows} == {Decimal("100.00")}
    assert [r.interest for r in schedule.rows[:3]] == [Decimal("12.00"), Decimal("11.00"), Decimal("10.00")]
    assert schedule.rows[-1].interest == Decimal("1.00")


def test_last_installment_absorbs_rounding_of_equal_principal():
    schedule = T.schedule_build(
        principal=Decimal("1000.00"),
        annual_rate=Decimal("0.10"),
        start=START,
        term_months=3,
        amortization=T.Amortization.EQUAL_PRINCIPAL,
    )
    assert [r.principal for r in schedule.rows] == [Decimal("333.33"), Decimal("333.33"), Decimal("333.34")]


def test_one_thousand_at_twenty_percent_a_month_accrues_exactly_200_over_30_days_on_30_360():
    interest = T.accrued_interest(
        principal=Decimal("1000.00"),
        annual_rate=Decimal("2.40"),
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 1, 31),
        day_count=T.DayCount.THIRTY_360,
    )
    assert interest == Decimal("200.00")  # not 197.26 (365 days)


def test_a_30_360_month_is_a_twelfth_of_the_rate_even_in_february():
    schedule = T.schedule_build(
        principal=Decimal("1000.00"), annual_rate=Decimal("2.40"), start=dt.date(2026, 1, 31), term_months=1
    )
    assert schedule.rows[0].due_date == dt.date(2026, 2, 28)
    assert schedule.rows[0].interest == Decimal("200.00")


def test_actual_365_counts_the_calendar_days_of_each_period():
    schedule = T.schedule_build(
        principal=Decimal("36500.00"),
        annual_rate=Decimal("0.10"),
        start=dt.date(2026, 1, 15),
        term_months=2,
        amortization=T.Amortization.EQUAL_PRINCIPAL,
        day_count=T.DayCount.ACTUAL_365,
    )
    # 31 days of January-February at 10 %: 36,500 x 0.10 x 31 / 365 = 310.00; then 28 days on 18,250.
    assert schedule.rows[0].interest == Decimal("310.00")
    assert schedule.rows[1].interest == Decimal("140.00")


def test_actual_365_equal_installments_end_at_zero():
    schedule = T.schedule_build(
        principal=Decimal("5000.00"),
        annual_rate=Decimal("0.1299"),
        start=START,
        term_months=24,
        day_count=T.DayCount.ACTUAL_365,
    )
    assert sum(r.principal for r in schedule.rows) == Decimal("5000.00")
    assert len({r.payment for r in schedule.rows[:-1]}) == 1
    assert abs(schedule.rows[-1].payment - schedule.rows[0].payment) <= Decimal("0.05")


def test_apr_of_a_loan_with_an_origination_fee_matches_the_hand_checked_appendix_j_figure():
    """10,000.00 at 12 % for 36 months with a 300.00 origination fee: payments of 332.14 (the
    last 332.18), amount financed 9,700.00. By hand (the Appendix J general equation, equal payments, no odd
    days): at i = 1.1775 % a month the annuity factor (1 - 1.011775^-36) / 0.011775 is 29.2049 and
    332.14 x 29.2049 = 9,700.12; at i = 1.1776 % it is 29.2044 and 9,699.96: the unit-period rate
    lies between, so the APR is 12 x 1.1776 = 14.13 % (the last payment's extra 0.04 moves it by
    less than 0.001 point)."""
    terms = T.terms_compute(
        principal=Decimal("10000.00"),
        annual_rate=Decimal("0.12"),
        term_months=36,
        start=START,
        origination_fee=Decimal("300.00"),
    )
    assert terms.amount_financed == Decimal("9700.00")
    assert terms.installment == Decimal("332.14")
    assert abs(terms.apr - Decimal("14.13")) <= Decimal("0.125")
    assert abs(terms.apr - Decimal(repr(float(npf.rate(36, -332.14, 9700, 0)) * 1200))) < Decimal("0.01")
    assert terms.finance_charge == terms.total_of_payments - terms.amount_financed
    assert terms.finance_charge == terms.total_interest + Decimal("300.00")


def test_appendix_j_odd_first_period_counts_odd_days_as_a_fraction_of_a_month():
    """Appendix J odd-days rule: an advance on the 10th with monthly payments from the 1st of the
    month after next: t = 1 full unit period (Feb 1 - Mar 1) plus 22 odd days (f = 22/30) for the first payment."""
    assert T._unit_periods(dt.date(2026, 1, 10), dt.date(2026, 3, 1)) == (1, 22)
    payments = [(T.add_months(dt.date(2026, 3, 1), k), Decimal("100.00")) for k in range(12)]
    apr = T.apr_actuarial(amount_financed=Decimal("1100.00"), advance_date=dt.date(2026, 1, 10), payments=payments)
    # The rate that discounts these payments to 1,100 (checked against the closed form at it).
    i = float(apr) / 1200
    pv = sum(100 / ((1 + 22 / 30 * i) * (1 + i) ** (1 + k)) for k in range(12))
    assert abs(pv - 1100) < 0.01


def test_no_interest_and_no_fee_is_zero_apr():
    terms = T.terms_compute(principal=Decimal("1200.00"), annual_rate=Decimal("0"), term_months=12, start=START)
    assert terms.apr == Decimal("0.0000") and terms.installment == Decimal("100.00")


def test_mapr_cap_finds_the_highest_rate_within_36_percent():
    kwargs = {
        "principal": Decimal("1000.00"),
        "term_months": 12,
        "start": START,
        "amortization": T.Amortization.EQUAL_INSTALLMENTS,
        "day_count": T.DayCount.THIRTY_360,
        "origination_fee": Decimal("50.00"),
    }
    rate = T.max_rate_within_mapr(cap_percent=Decimal("36"), ceiling=Decimal("0.35"), **kwargs)
    assert rate is not None
    at_rate = T.terms_compute(annual_rate=rate, **kwargs).mapr
    above = T.terms_compute(annual_rate=rate + Decimal("0.0001"), **kwargs).mapr
    assert at_rate <= Decimal("36") < above


def test_reamortize_keeps_dates_and_sums_to_the_balance():
    dates = T.due_dates(START, 6)
    rows = T.reamortize(
        balance=Decimal("2500.00"),
        annual_rate=Decimal("0.12"),
        period_start=START,
        dates=dates,
        amortization=T.Amortization.EQUAL_INSTALLMENTS,
        day_count=T.DayCount.THIRTY_360,
    )
    assert [r.due_date for r in rows] == dates
    assert sum(r.principal for r in rows) == Decimal("2500.00")
