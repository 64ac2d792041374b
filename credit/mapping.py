"""From what the platform knows to the model's attributes (the German Credit columns).

Pure functions of plain values, one per attribute, so each is tested on its own. Sources:

| attribute | from | rule |
|---|---|---|
| status_of_existing_checking_account | settled and total cash (portfolios) | unknown → missing; settled or total cash < 0 (a shortfall owed) → `< 0 DM`; settled below 200 DM in USD → `0 <= … < 200 DM`; else `>= 200 DM` |
| duration_in_month | requested loan term | the term in months |
| credit_history | repayment record with us (credit events) | charge-off or delinquency → `critical account`; late payment in the look-back → `delay in paying off`; repayments only → `existing credits paid back duly`; none → `no credits taken` |
| purpose | declared purpose | `PURPOSES` table |
| credit_amount | requested amount (USD) | USD ÷ `CREDIT_USD_PER_DM` |
| savings_account_and_bonds | portfolio market value (portfolios) | unknown → missing; bands at 100 / 500 / 1000 DM in USD |
| present_employment_since | declared employment | unemployed → `unemployed`; employed or self-employed by years; retired → missing (retirement is not held against an applicant) |
| installment_rate_in_percentage_of_disposable_income | amount ÷ term ÷ declared monthly income | payment share < 20 % → 1, < 25 % → 2, < 35 % → 3, else 4 (the data's bad rate rises with the code) |
| other_debtors_or_guarantors | declared | none / co-applicant / guarantor |
| present_residence_since | declared years at address | < 1 → 1, < 4 → 2, < 7 → 3, else 4 |
| property | declared most valuable property | `PROPERTY` table |
| age_in_years | verified date of birth (accounts) | whole years; unknown → missing |
| other_installment_plans | declared other installment loans | none / bank / stores |
| housing | declared | own / rent / for free |
| number_of_existing_credits_at_this_bank | — | not known (lending sends events, not loans): missing |
| job | declared occupation | `OCCUPATIONS` table; never "non-resident" |
| number_of_people_being_liable_to_provide_maintenance_for | declared dependants | 0–1 → 1, 2 or more → 2 |

Missing means the scorecard scores the attribute neutrally (weight of evidence 0). Categories the
platform never produces: `no checking account` and `unknown/ no savings account` (unknown balances
are missing instead: in this data those categories score better than a low balance, and an
applicant must not gain from our not knowing), and `all credits at this bank paid back duly`
(needs a loan-closed signal). Personal status, sex, nationality and telephone are never collected.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from . import attributes as a

DM_CHECKING_HIGH = Decimal(200)
DM_SAVINGS_BANDS = (Decimal(100), Decimal(500), Decimal(1000))

PURPOSES: dict[str, str] = {
    "new_car": a.PUR_CAR_NEW,
    "used_car": a.PUR_CAR_USED,
    "furniture": a.PUR_FURNITURE,
    "electronics": a.PUR_RADIO_TV,
    "appliances": a.PUR_APPLIANCES,
    "repairs": a.PUR_REPAIRS,
    "education": a.PUR_EDUCATION,
    "retraining": a.PUR_RETRAINING,
    "business": a.PUR_BUSINESS,
    "other": a.PUR_OTHERS,
}
EMPLOYMENT_STATUSES = ("employed", "self_employed", "unemployed", "retired")
HOUSING: dict[str, str] = {"own": a.HOUSE_OWN, "rent": a.HOUSE_RENT, "rent_free": a.HOUSE_FREE}
PROPERTY: dict[str, str] = {
    "real_estate": a.PROP_REAL_ESTATE,
    "savings_plan_or_life_insurance": a.PROP_SAVINGS_PLAN,
    "car_or_other": a.PROP_CAR_OTHER,
    "none": a.PROP_NONE,
}
OTHER_LOANS: dict[str, str] = {"none": a.PLAN_NONE, "bank": a.PLAN_BANK, "store": a.PLAN_STORES}
GUARANTORS: dict[str, str] = {"none": a.GUA_NONE, "co_applicant": a.GUA_CO_APPLICANT, "guarantor": a.GUA_GUARANTOR}
OCCUPATIONS: dict[str, str] = {
    "unskilled": a.JOB_UNSKILLED,
    "skilled": a.JOB_SKILLED,
    "management_or_self_employed": a.JOB_MANAGEMENT,
}


class BalancesLike(Protocol):
    """What `portfolios.selectors.customer_balances` returns."""

    settled_cash: Decimal
    total_cash: Decimal
    market_value: Decimal


@dataclass(frozen=True)
class RepaymentRecord:
    """The customer's repayment record with us (credit events). Late payments and delinquencies
    count within the look-back; charge-offs count whenever they happened."""

    repayments: int = 0
    late_payments: int = 0
    delinquencies: int = 0
    charge_offs: int = 0
    recoveries: int = 0


@dataclass(frozen=True)
class PlatformFacts:
    balances: BalancesLike | None
    record: RepaymentRecord
    age: int | None


@dataclass(frozen=True)
class Application:
    """What the applicant declares (validated by the API's input serializer)."""

    loan_amount: Decimal
    loan_term_months: int
    purpose: str
    monthly_income: Decimal | None = None
    employment_status: str | None = None
    employment_years: Decimal | None = None
    housing: str | None = None
    property: str | None = None
    other_loans: str | None = None
    guarantor: str | None = None
    years_at_address: Decimal | None = None
    occupation: str | None = None
    dependants: int | None = None

    @classmethod
    def from_inputs(cls, inputs: dict[str, Any]) -> Application:
        """Rebuild from the JSON kept on a score or profile (decimals stored as strings)."""

        def dec(key: str) -> Decimal | None:
            value = inputs.get(key)
            return None if value in (None, "") else Decimal(str(value))

        def integer(key: str) -> int | None:
            value = inputs.get(key)
            return None if value in (None, "") else int(value)

        return cls(
            loan_amount=dec("loan_amount") or Decimal(0),
            loan_term_months=integer("loan_term_months") or 0,
            purpose=inputs.get("purpose") or "other",
            monthly_income=dec("monthly_income"),
            employment_status=inputs.get("employment_status"),
            employment_years=dec("employment_years"),
            housing=inputs.get("housing"),
            property=inputs.get("property"),
            other_loans=inputs.get("other_loans"),
            guarantor=inputs.get("guarantor"),
            years_at_address=dec("years_at_address"),
            occupation=inputs.get("occupation"),
            dependants=integer("dependants"),
        )

    def to_inputs(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in self.__dict__.items():
            out[key] = str(value) if isinstance(value, Decimal) else value
        return out


# --- one function per attribute ----------------------------------------------------------------


def checking_status(balances: BalancesLike | None, *, usd_per_dm: Decimal) -> str | None:
    if balances is None:
        return None
    cash = balances.settled_cash
    # Overdrawn: settled cash below zero, or a shortfall owed to us larger than all the cash.
    if cash < 0 or balances.total_cash < 0:
        return a.CHK_NEGATIVE
    if cash < DM_CHECKING_HIGH * usd_per_dm:
        return a.CHK_LOW
    return a.CHK_HIGH


def duration_months(term_months: int) -> int:
    return int(term_months)


def credit_history(record: RepaymentRecord) -> str:
    if record.charge_offs or record.delinquencies:
        return a.HIST_CRITICAL
    if record.late_payments:
        return a.HIST_DELAY
    if record.repayments:
        return a.HIST_PAID_DULY
    return a.HIST_NONE


def purpose(value: str | None) -> str | None:
    return PURPOSES.get(value) if value else None


def credit_amount_dm(amount_usd: Decimal, *, usd_per_dm: Decimal) -> float:
    return float(amount_usd / usd_per_dm)


def savings(balances: BalancesLike | None, *, usd_per_dm: Decimal) -> str | None:
    if balances is None:
        return None
    value = balances.market_value
    low, mid, high = (band * usd_per_dm for band in DM_SAVINGS_BANDS)
    if value < low:
        return a.SAV_LT_100
    if value < mid:
        return a.SAV_100_500
    if value < high:
        return a.SAV_500_1000
    return a.SAV_GE_1000


def employment(status: str | None, years: Decimal | None) -> str | None:
    if status == "unemployed":
        return a.EMP_UNEMPLOYED
    if status not in ("employed", "self_employed") or years is None:
        return None  # retired, or not given
    if years < 1:
        return a.EMP_LT_1
    if years < 4:
        return a.EMP_1_4
    if years < 7:
        return a.EMP_4_7
    return a.EMP_GE_7


def instalment_rate(amount_usd: Decimal, term_months: int, monthly_income: Decimal | None) -> int | None:
    if monthly_income is None or term_months <= 0:
        return None
    if monthly_income <= 0:
        return 4
    share = amount_usd / term_months / monthly_income
    if share < Decimal("0.20"):
        return 1
    if share < Decimal("0.25"):
        return 2
    if share < Decimal("0.35"):
        return 3
    return 4


def guarantors(value: str | None) -> str | None:
    return GUARANTORS.get(value) if value else None


def residence(years: Decimal | None) -> int | None:
    if years is None:
        return None
    if years < 1:
        return 1
    if years < 4:
        return 2
    if years < 7:
        return 3
    return 4


def property_held(value: str | None) -> str | None:
    return PROPERTY.get(value) if value else None


def age_years(age: int | None) -> int | None:
    return None if age is None else int(age)


def other_plans(value: str | None) -> str | None:
    return OTHER_LOANS.get(value) if value else None


def housing(value: str | None) -> str | None:
    return HOUSING.get(value) if value else None


def existing_credits() -> None:
    return None


def job(value: str | None) -> str | None:
    return OCCUPATIONS.get(value) if value else None


def dependants(count: int | None) -> int | None:
    if count is None:
        return None
    return 1 if count <= 1 else 2


def model_attributes(application: Application, facts: PlatformFacts, *, usd_per_dm: Decimal) -> dict[str, Any]:
    """Every model attribute for one applicant (None where unknown)."""
    return {
        a.CHECKING: checking_status(facts.balances, usd_per_dm=usd_per_dm),
        a.DURATION: duration_months(application.loan_term_months),
        a.HISTORY: credit_history(facts.record),
        a.PURPOSE: purpose(application.purpose),
        a.AMOUNT: credit_amount_dm(application.loan_amount, usd_per_dm=usd_per_dm),
        a.SAVINGS: savings(facts.balances, usd_per_dm=usd_per_dm),
        a.EMPLOYMENT: employment(application.employment_status, application.employment_years),
        a.INSTALMENT_RATE: instalment_rate(
            application.loan_amount, application.loan_term_months, application.monthly_income
        ),
        a.GUARANTORS: guarantors(application.guarantor),
        a.RESIDENCE: residence(application.years_at_address),
        a.PROPERTY: property_held(application.property),
        a.AGE: age_years(facts.age),
        a.OTHER_PLANS: other_plans(application.other_loans),
        a.HOUSING: housing(application.housing),
        a.EXISTING_CREDITS: existing_credits(),
        a.JOB: job(application.occupation),
        a.DEPENDENTS: dependants(application.dependants),
    }
