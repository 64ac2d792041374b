"""The platform → model attribute mapping, attribute by attribute (pure functions, no database)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from credit import attributes as a
from credit import mapping as m

USD_PER_DM = Decimal("2.35")


@dataclass(frozen=True)
class Balances:
    settled_cash: Decimal
    total_cash: Decimal
    market_value: Decimal


def balances(settled="0", total=None, market="0") -> Balances:
    return Balances(Decimal(settled), Decimal(total if total is not None else settled), Decimal(market))


# --- settled cash → checking account status ----------------------------------------------------


@pytest.mark.parametrize(
    ("settled", "total", "expected"),
    [
        ("0.00", None, a.CHK_LOW),
        ("469.99", None, a.CHK_LOW),  # 200 DM × 2.35 = 470 USD
        ("470.00", None, a.CHK_HIGH),
        ("25000.00", None, a.CHK_HIGH),
        ("-0.01", None, a.CHK_NEGATIVE),
        ("100.00", "-50.00", a.CHK_NEGATIVE),  # a shortfall owed larger than the cash
    ],
)
def test_settled_cash_band_gives_the_checking_status(settled, total, expected):
    assert m.checking_status(balances(settled, total), usd_per_dm=USD_PER_DM) == expected


def test_unknown_balances_leave_checking_status_missing_never_no_account():
    assert m.checking_status(None, usd_per_dm=USD_PER_DM) is None


def test_the_dm_conversion_is_a_setting():
    assert m.checking_status(balances("300"), usd_per_dm=Decimal("1")) == a.CHK_HIGH
    assert m.checking_status(balances("300"), usd_per_dm=Decimal("2")) == a.CHK_LOW


# --- loan term → duration; amount → credit amount ----------------------------------------------


def test_loan_term_is_the_duration_in_months():
    assert m.duration_months(36) == 36


def test_amount_in_usd_is_converted_to_dm():
    assert m.credit_amount_dm(Decimal("2350.00"), usd_per_dm=USD_PER_DM) == pytest.approx(1000.0)


# --- repayment record → credit history ----------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (m.RepaymentRecord(), a.HIST_NONE),
        (m.RepaymentRecord(repayments=6), a.HIST_PAID_DULY),
        (m.RepaymentRecord(repayments=6, late_payments=1), a.HIST_DELAY),
        (m.RepaymentRecord(repayments=6, late_payments=2, delinquencies=1), a.HIST_CRITICAL),
        (m.RepaymentRecord(charge_offs=1, recoveries=3), a.HIST_CRITICAL),
    ],
)
def test_repayment_record_gives_the_credit_history(record, expected):
    assert m.credit_history(record) == expected


# --- purpose -----------------------------------------------------------------------------------


def test_every_platform_purpose_maps_to_a_catalogue_purpose():
    assert set(m.PURPOSES.values()) == set(a.ATTRIBUTES[a.PURPOSE].categories)
    assert m.purpose("electronics") == a.PUR_RADIO_TV
    assert m.purpose("unknown") is None


# --- portfolio value → savings ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("market", "expected"),
    [
        ("0", a.SAV_LT_100),
        ("234.99", a.SAV_LT_100),
        ("235.00", a.SAV_100_500),
        ("1174.99", a.SAV_100_500),
        ("1175.00", a.SAV_500_1000),
        ("2349.99", a.SAV_500_1000),
        ("2350.00", a.SAV_GE_1000),
    ],
)
def test_portfolio_market_value_gives_the_savings_band(market, expected):
    assert m.savings(balances(market=market), usd_per_dm=USD_PER_DM) == expected


def test_unknown_portfolio_leaves_savings_missing():
    assert m.savings(None, usd_per_dm=USD_PER_DM) is None


# --- declared employment ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "years", "expected"),
    [
        ("unemployed", None, a.EMP_UNEMPLOYED),
        ("employed", Decimal("0.5"), a.EMP_LT_1),
        ("employed", Decimal("1"), a.EMP_1_4),
        ("self_employed", Decimal("4"), a.EMP_4_7),
        ("employed", Decimal("7"), a.EMP_GE_7),
        ("employed", None, None),
        ("retired", None, None),  # retirement is never scored as unemployment
        (None, None, None),
    ],
)
def test_declared_employment_gives_the_employment_band(status, years, expected):
    assert m.employment(status, years) == expected


# --- payment relative to income ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "term", "income", "expected"),
    [
        ("1200", 12, "1000", 1),  # 100 a month: 10 %
        ("2400", 12, "1000", 2),  # 20 %
        ("3000", 12, "1000", 3),  # 25 %
        ("4200", 12, "1000", 4),  # 35 %
        ("1200", 12, "0", 4),
        ("1200", 12, None, None),
    ],
)
def test_payment_share_of_income_gives_the_instalment_rate(amount, term, income, expected):
    income = Decimal(income) if income is not None else None
    assert m.instalment_rate(Decimal(amount), term, income) == expected


# --- the other declared attributes ----------------------------------------------------------------


def test_guarantors():
    assert [m.guarantors(v) for v in ("none", "co_applicant", "guarantor", None)] == [
        a.GUA_NONE,
        a.GUA_CO_APPLICANT,
        a.GUA_GUARANTOR,
        None,
    ]


@pytest.mark.parametrize(("years", "expected"), [("0.5", 1), ("1", 2), ("3.99", 2), ("4", 3), ("7", 4), (None, None)])
def test_years_at_address_give_the_residence_code(years, expected):
    assert m.residence(Decimal(years) if years else None) == expected


def test_property():
    assert m.property_held("real_estate") == a.PROP_REAL_ESTATE
    assert m.property_held("savings_plan_or_life_insurance") == a.PROP_SAVINGS_PLAN
    assert m.property_held("car_or_other") == a.PROP_CAR_OTHER
    assert m.property_held("none") == a.PROP_NONE
    assert m.property_held(None) is None


def test_age_is_whole_years_or_missing():
    assert m.age_years(63) == 63
    assert m.age_years(None) is None


def test_other_installment_plans():
    assert [m.other_plans(v) for v in ("none", "bank", "store", None)] == [
        a.PLAN_NONE,
        a.PLAN_BANK,
        a.PLAN_STORES,
        None,
    ]


def test_housing():
    assert [m.housing(v) for v in ("own", "rent", "rent_free", None)] == [a.HOUSE_OWN, a.HOUSE_RENT, a.HOUSE_FREE, None]


def test_existing_credits_are_not_known_to_the_platform():
    assert m.existing_credits() is None


def test_occupation_never_gives_the_non_resident_category():
    assert {m.job(v) for v in m.OCCUPATIONS} == {a.JOB_UNSKILLED, a.JOB_SKILLED, a.JOB_MANAGEMENT}
    assert m.job(None) is None


@pytest.mark.parametrize(("count", "expected"), [(0, 1), (1, 1), (2, 2), (5, 2), (None, None)])
def test_dependants(count, expected):
    assert m.dependants(count) == expected


# --- the whole mapping ---------------------------------------------------------------------------


def test_model_attributes_cover_every_candidate_and_no_prohibited_basis():
    application = m.Application(loan_amount=Decimal("4700.00"), loan_term_months=24, purpose="used_car")
    facts = m.PlatformFacts(balances=balances("1000", market="3000"), record=m.RepaymentRecord(repayments=2), age=40)

    row = m.model_attributes(application, facts, usd_per_dm=USD_PER_DM)

    assert set(row) == set(a.CANDIDATE_FEATURES)
    assert not set(row) & a.PROHIBITED_FEATURES
    assert row[a.CHECKING] == a.CHK_HIGH
    assert row[a.SAVINGS] == a.SAV_GE_1000
    assert row[a.HISTORY] == a.HIST_PAID_DULY
    assert row[a.AMOUNT] == pytest.approx(2000.0)
    assert row[a.AGE] == 40
    assert row[a.EMPLOYMENT] is None  # not declared


def test_application_round_trips_through_its_stored_form():
    application = m.Application(
        loan_amount=Decimal("1234.50"),
        loan_term_months=18,
        purpose="repairs",
        monthly_income=Decimal("3000.00"),
        employment_status="employed",
        employment_years=Decimal("2.5"),
        dependants=2,
    )

    assert m.Application.from_inputs(application.to_inputs()) == application
