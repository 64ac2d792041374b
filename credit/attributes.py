"""The scorecard's attributes: the German Credit columns the model may use, their categories, the
order of risk where their meaning gives one, and the plain-language reason each one gives.

Nothing here depends on Django: the scorecard (`credit.scorecard`) and the platform mapping
(`credit.mapping`) both read this catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TARGET = "creditability"
TARGET_BAD = "bad"

# Prohibited bases under ECOA / Regulation B, or proxies for them (DESIGN.md): never model features.
PROHIBITED_FEATURES = frozenset({"personal_status_and_sex", "foreign_worker", "telephone"})
# Read from the training data only to evaluate the fairness screen.
SEX_EVALUATION_COLUMN = "personal_status_and_sex"

NUMERIC, CATEGORICAL = "numeric", "categorical"
# Direction of risk along a numeric attribute or an ordered categorical chain.
RISK_UP, RISK_DOWN = "risk_increases", "risk_decreases"

CHECKING = "status_of_existing_checking_account"
DURATION = "duration_in_month"
HISTORY = "credit_history"
PURPOSE = "purpose"
AMOUNT = "credit_amount"
SAVINGS = "savings_account_and_bonds"
EMPLOYMENT = "present_employment_since"
INSTALMENT_RATE = "installment_rate_in_percentage_of_disposable_income"
GUARANTORS = "other_debtors_or_guarantors"
RESIDENCE = "present_residence_since"
PROPERTY = "property"
AGE = "age_in_years"
OTHER_PLANS = "other_installment_plans"
HOUSING = "housing"
EXISTING_CREDITS = "number_of_existing_credits_at_this_bank"
JOB = "job"
DEPENDENTS = "number_of_people_being_liable_to_provide_maintenance_for"

# Checking account status.
CHK_NEGATIVE = "... < 0 DM"
CHK_LOW = "0 <= ... < 200 DM"
CHK_HIGH = "... >= 200 DM / salary assignments for at least 1 year"
CHK_NONE = "no checking account"
# Credit history.
HIST_ALL_PAID_HERE = "all credits at this bank paid back duly"
HIST_NONE = "no credits taken/ all credits paid back duly"
HIST_PAID_DULY = "existing credits paid back duly till now"
HIST_DELAY = "delay in paying off in the past"
HIST_CRITICAL = "critical account/ other credits existing (not at this bank)"
# Savings.
SAV_LT_100 = "... < 100 DM"
SAV_100_500 = "100 <= ... < 500 DM"
SAV_500_1000 = "500 <= ... < 1000 DM"
SAV_GE_1000 = "... >= 1000 DM"
SAV_UNKNOWN = "unknown/ no savings account"
# Employment.
EMP_UNEMPLOYED = "unemployed"
EMP_LT_1 = "... < 1 year"
EMP_1_4 = "1 <= ... < 4 years"
EMP_4_7 = "4 <= ... < 7 years"
EMP_GE_7 = "... >= 7 years"
# Property.
PROP_REAL_ESTATE = "real estate"
PROP_SAVINGS_PLAN = "building society savings agreement/ life insurance"
PROP_CAR_OTHER = "car or other, not in attribute Savings account/bonds"
PROP_NONE = "unknown / no property"
# Purpose.
PUR_CAR_NEW = "car (new)"
PUR_CAR_USED = "car (used)"
PUR_FURNITURE = "furniture/equipment"
PUR_RADIO_TV = "radio/television"
PUR_APPLIANCES = "domestic appliances"
PUR_REPAIRS = "repairs"
PUR_EDUCATION = "education"
PUR_RETRAINING = "retraining"
PUR_BUSINESS = "business"
PUR_OTHERS = "others"
# Guarantors, other plans, housing, job.
GUA_NONE, GUA_CO_APPLICANT, GUA_GUARANTOR = "none", "co-applicant", "guarantor"
PLAN_NONE, PLAN_BANK, PLAN_STORES = "none", "bank", "stores"
HOUSE_OWN, HOUSE_RENT, HOUSE_FREE = "own", "rent", "for free"
JOB_UNSKILLED_NONRES = "unemployed/ unskilled - non-resident"
JOB_UNSKILLED = "unskilled - resident"
JOB_SKILLED = "skilled employee / official"
JOB_MANAGEMENT = "management/ self-employed/ highly qualified employee/ officer"


@dataclass(frozen=True)
class Attribute:
    """One model attribute.

    `chain` lists an ordered categorical's categories from the lowest risk to the highest by their
    meaning; the scorecard keeps the weight of evidence monotone along it. `free` lists categories
    outside any order (each is binned on its own). Numeric attributes give `risk` when their meaning
    fixes the direction (monotone weight of evidence), or None when it does not (supervised bins).
    `fixed_cuts` are bin edges imposed whatever the data says (age: 62).
    """

    name: str
    kind: str
    label: str
    reason_code: str
    reason_text: str
    chain: tuple[str, ...] = ()
    free: tuple[str, ...] = ()
    risk: str | None = None
    fixed_cuts: tuple[float, ...] = ()
    # At most this many data-chosen bins (None: the scorecard's setting); fewer, wider bins where a
    # non-monotone attribute would otherwise chase noise.
    max_bins: int | None = None
    # How the data chooses cut points: "tree" (supervised) or "quantile" (equal-frequency).
    cut_method: str = "tree"
    missing_text: str = ""
    # Texts that fit one category better than `reason_text` (category, text).
    category_texts: tuple[tuple[str, str], ...] = ()
    categories: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.kind == CATEGORICAL and not self.categories:
            object.__setattr__(self, "categories", self.chain + self.free)


ATTRIBUTES: dict[str, Attribute] = {
    a.name: a
    for a in (
        Attribute(
            CHECKING,
            CATEGORICAL,
            "Settled cash balance with us",
            "CR01",
            "Settled cash balance held with us is low",
            chain=(CHK_HIGH, CHK_LOW, CHK_NEGATIVE),
            free=(CHK_NONE,),
            missing_text="No settled cash balance with us on record",
            category_texts=((CHK_NEGATIVE, "Cash balance held with us is overdrawn"),),
        ),
        Attribute(
            DURATION,
            NUMERIC,
            "Loan term",
            "CR02",
            "Length of the requested loan term",
            risk=RISK_UP,
        ),
        Attribute(
            HISTORY,
            CATEGORICAL,
            "Repayment record with us",
            "CR03",
            "Delinquent past or present credit obligations with us",
            chain=(HIST_ALL_PAID_HERE, HIST_PAID_DULY, HIST_NONE, HIST_DELAY, HIST_CRITICAL),
            missing_text="Limited repayment history with us",
            category_texts=(
                (HIST_NONE, "Limited repayment history with us"),
                (HIST_PAID_DULY, "Short repayment history with us"),
                (HIST_ALL_PAID_HERE, "Short repayment history with us"),
            ),
        ),
        Attribute(
            PURPOSE,
            CATEGORICAL,
            "Purpose of the loan",
            "CR04",
            "Purpose of the loan",
            free=(
                PUR_CAR_NEW,
                PUR_CAR_USED,
                PUR_FURNITURE,
                PUR_RADIO_TV,
                PUR_APPLIANCES,
                PUR_REPAIRS,
                PUR_EDUCATION,
                PUR_RETRAINING,
                PUR_BUSINESS,
                PUR_OTHERS,
            ),
        ),
        Attribute(
            AMOUNT,
            NUMERIC,
            "Amount requested",
            "CR05",
            "Amount of credit requested",
            max_bins=5,
            cut_method="quantile",
        ),
        Attribute(
            SAVINGS,
            CATEGORICAL,
            "Savings and investments with us",
            "CR06",
            "Value of savings and investments held with us is low",
            chain=(SAV_GE_1000, SAV_500_1000, SAV_100_500, SAV_LT_100),
            free=(SAV_UNKNOWN,),
            missing_text="No savings or investments with us on record",
        ),
        Attribute(
            EMPLOYMENT,
            CATEGORICAL,
            "Length of employment",
            "CR07",
            "Length of employment",
            chain=(EMP_GE_7, EMP_4_7, EMP_1_4, EMP_LT_1, EMP_UNEMPLOYED),
            missing_text="Length of employment not given",
            category_texts=((EMP_UNEMPLOYED, "No current employment"),),
        ),
        Attribute(
            INSTALMENT_RATE,
            NUMERIC,
            "Payment relative to income",
            "CR08",
            "Loan payment is high relative to income",
            risk=RISK_UP,
            missing_text="Income not given",
        ),
        Attribute(
            GUARANTORS,
            CATEGORICAL,
            "Guarantor or co-applicant",
            "CR09",
            "No guarantor on the application",
            free=(GUA_NONE, GUA_CO_APPLICANT, GUA_GUARANTOR),
        ),
        Attribute(
            RESIDENCE,
            NUMERIC,
            "Time at present address",
            "CR10",
            "Length of time at present address",
            risk=RISK_DOWN,
            missing_text="Time at present address not given",
        ),
        Attribute(
            PROPERTY,
            CATEGORICAL,
            "Property",
            "CR11",
            "Limited property or collateral",
            chain=(PROP_REAL_ESTATE, PROP_SAVINGS_PLAN, PROP_CAR_OTHER, PROP_NONE),
            missing_text="Property not given",
        ),
        Attribute(
            AGE,
            NUMERIC,
            "Age",
            "CR12",
            "Age band (applicants 62 and older are never scored lower for age)",
            risk=RISK_DOWN,
            fixed_cuts=(62.0,),
            missing_text="Date of birth not verified",
        ),
        Attribute(
            OTHER_PLANS,
            CATEGORICAL,
            "Other installment loans",
            "CR13",
            "Other installment loans outstanding",
            free=(PLAN_NONE, PLAN_BANK, PLAN_STORES),
        ),
        Attribute(
            HOUSING,
            CATEGORICAL,
            "Housing",
            "CR14",
            "Residential status (renting or rent-free rather than owning)",
            free=(HOUSE_OWN, HOUSE_RENT, HOUSE_FREE),
            missing_text="Residential status not given",
        ),
        Attribute(
            EXISTING_CREDITS,
            NUMERIC,
            "Existing loans with us",
            "CR15",
            "Number of existing loans with us",
        ),
        Attribute(
            JOB,
            CATEGORICAL,
            "Type of work",
            "CR16",
            "Type of work",
            free=(JOB_UNSKILLED_NONRES, JOB_UNSKILLED, JOB_SKILLED, JOB_MANAGEMENT),
        ),
        Attribute(
            DEPENDENTS,
            NUMERIC,
            "Dependants",
            "CR17",
            "Number of dependants relative to income",
        ),
    )
}

# The columns the model may use, in a fixed order: everything in the data except the target and the
# prohibited bases.
CANDIDATE_FEATURES: tuple[str, ...] = tuple(ATTRIBUTES)

if PROHIBITED_FEATURES & set(CANDIDATE_FEATURES):  # a catalogue invariant, checked at import
    raise ImportError("a prohibited basis is listed as a model attribute")


def reason_for(name: str, *, value: object = None, missing: bool = False) -> dict[str, str]:
    """The reason code and plain-language text an attribute gives for the applicant's value."""
    attribute = ATTRIBUTES[name]
    if missing:
        text = attribute.missing_text or attribute.reason_text
    else:
        text = dict(attribute.category_texts).get(value, attribute.reason_text)  # type: ignore[arg-type]
    return {"code": attribute.reason_code, "feature": name, "text": text}
