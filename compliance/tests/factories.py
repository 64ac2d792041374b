"""Factories and helpers for compliance's tests: officers, customers with KYC submitted through
accounts' own services, and small copies of the OFAC files."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import factory
from django.conf import settings
from django.contrib.auth.models import Group

from accounts.tests.factories import StaffUserFactory, UserFactory

OFAC_DIR = Path(settings.SANCTIONS_DATA_DIR)

# Entries the tests screen against (real rows of the bundled list).
TSERTSEL = 32277  # TSERTSEL, Ivan Stanislavavich — DOB 08 Sep 1966, Belarus
HABBASH = 2680  # HABBASH, George — no DOB
BIN_LADEN = 6365  # BIN LADEN, Usama
BANCO_NACIONAL = 306  # BANCO NACIONAL DE CUBA
AEROCARIBBEAN = 36
ANGLO_CARIBBEAN = 173
SUBSET = (AEROCARIBBEAN, ANGLO_CARIBBEAN, BANCO_NACIONAL, HABBASH, BIN_LADEN, TSERTSEL)


def wallet_entries(limit: int = 1) -> list[int]:
    """ent_nums of entries whose remarks list a digital currency address."""
    found = []
    with open(OFAC_DIR / "sdn.csv", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if "Digital Currency Address - XBT" in line:
                found.append(int(line.split(",", 1)[0]))
                if len(found) == limit:
                    break
    return found


def write_ofac_subset(directory: Path, ent_nums, *, edit=None) -> Path:
    """Copy the rows of `ent_nums` from the bundled files into `directory` (the same CSV layout).
    `edit(file_name, line) -> line | None` may change or drop a line."""
    directory.mkdir(parents=True, exist_ok=True)
    wanted = {str(n) for n in ent_nums}
    for name in ("sdn.csv", "alt.csv", "add.csv"):
        with open(OFAC_DIR / name, encoding="utf-8", errors="replace", newline="") as src:
            lines = [line for line in src if line.split(",", 1)[0] in wanted]
        if edit:
            lines = [new for line in lines if (new := edit(name, line)) is not None]
        with open(directory / name, "w", encoding="utf-8", newline="") as dst:
            dst.writelines(lines)
            dst.write("\x1a")
    return directory


def officer(group: str = "compliance_officer", **kwargs):
    user = StaffUserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=group))
    return user


def customer(**kwargs):
    return UserFactory(**kwargs)


def submit_kyc(
    user,
    *,
    first: str,
    last: str,
    date_of_birth: dt.date,
    middle: str = "",
    country: str = "US",
    citizenship: str = "US",
):
    """The customer accepts the CIP notice and submits KYC through accounts' services (which sends
    `kyc_submitted` after commit)."""
    from accounts.services import KycSubmission, cip_notice_accept, kyc_submit

    cip_notice_accept(user=user, version=settings.KYC_CIP_NOTICE_VERSION)
    us_person = citizenship == "US"
    data = KycSubmission(
        legal_first_name=first,
        legal_middle_name=middle,
        legal_last_name=last,
        date_of_birth=date_of_birth,
        address_line1="12 Main Street",
        city="Springfield",
        postal_code="62701",
        region="IL",
        country=country,
        citizenship=citizenship,
        identifier_type="ssn" if us_person else "passport",
        identifier="123-45-6789" if us_person else "P1234567",
        identifier_issuing_country="" if us_person else citizenship,
        id_document_type="passport",
        id_document_number="P1234567",
        id_document_issuing_country=citizenship,
    )
    return kyc_submit(user=user, data=data)


# --- monitoring, cases, CTR, SAR ----------------------------------------------------------------

BUSINESS_DAY = dt.date(2026, 3, 2)  # a Monday


def kyc_customer(*, first: str = "Dana", last: str = "Whitfield", **kwargs):
    user = customer(**kwargs)
    submit_kyc(user, first=first, last=last, date_of_birth=dt.date(1975, 6, 15))
    return user


def detection(customer_obj, *, key: str = "k1", amount: str = "9500.00", evidence=("trading.transaction:1",)):

    from compliance.services import Detection

    return Detection(
        dedup_key=key,
        customer_id=customer_obj.pk,
        evidence=tuple(evidence),
        score=80,
        amount=Decimal(amount),
        activity_start=BUSINESS_DAY,
        activity_end=BUSINESS_DAY + dt.timedelta(days=3),
    )


def open_case(customer_obj, *, alerts: int = 1, prefix: str = "k"):
    from compliance.services import alert_raise

    alert = None
    for n in range(alerts):
        alert = alert_raise(
            rule_name="test_rule",
            rule_version="1",
            detection=detection(customer_obj, key=f"{prefix}{n}", evidence=(f"trading.transaction:{n + 1}",)),
        )
    return alert.case


def case_sar_required(customer_obj, officer_obj, *, alerts: int = 2, prefix: str = "k"):
    from compliance.services import case_transition

    case = open_case(customer_obj, alerts=alerts, prefix=prefix)
    for state in ("investigating", "escalated", "sar_required"):
        case = case_transition(case=case, to=state, acting_user=officer_obj)
    return case


def sar_in_review(customer_obj, preparer, *, classifications=((1, 114),)):
    from compliance.services import sar_draft_create, sar_submit_for_review

    case = case_sar_required(customer_obj, preparer)
    sar = sar_draft_create(case=case, acting_user=preparer, classifications=list(classifications))
    return sar_submit_for_review(sar=sar, acting_user=preparer)


def cash_transactions(*amounts: str, kind: str = "deposit", start: int = 1, on: dt.date = BUSINESS_DAY):
    return [
        {"reference": f"trading.transaction:{start + i}", "amount": a, "kind": kind, "executed_on": on}
        for i, a in enumerate(amounts)
    ]


# --- trading activity the monitoring rules and the CTR job read ---------------------------------


def ny(day: dt.date, hour: int = 12, minute: int = 0) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZoneInfo(settings.BUSINESS_TIME_ZONE))


def portfolio(owner, *, cash: str = "0"):
    """An open portfolio of `owner`, with `cash` settled (a wire booked by the ledger)."""

    from portfolios.services import cash_deposit
    from portfolios.tests.factories import PortfolioFactory

    made = PortfolioFactory(owner=owner)
    if Decimal(cash) > 0:
        cash_deposit(portfolio=made, amount=Decimal(cash), method="wire", executed_at=ny(BUSINESS_DAY, 9))
    return made


TELLER_ID = "D1234567"


def branch_cash(portfolio_obj, amount: str, *, on: dt.date, direction: str = "in", hour: int = 11, conductor=None):
    """Physical cash recorded at a branch through trading's service (the conductor: the portfolio's
    owner with a driver's license, unless `conductor` is given)."""
    from trading.services import branch_cash_record

    who = conductor or {
        "name": "Dana Whitfield",
        "date_of_birth": dt.date(1975, 6, 15),
        "address": "12 Main Street, Springfield IL 62701",
        "id_type": "drivers_license",
        "id_number": TELLER_ID,
        "id_issuer": "IL",
        "identity_verified": True,
    }
    return branch_cash_record(
        acting_user=None,
        portfolio=portfolio_obj,
        direction=direction,
        amount=amount,
        branch="Springfield Main",
        conductor=who,
        occurred_at=ny(on, hour),
    )


class TransactionFactory(factory.django.DjangoModelFactory):
    """An executed deposit or withdrawal as trading records it (the rules read the rows only)."""

    class Meta:
        model = "trading.Transaction"

    user = factory.LazyAttribute(lambda o: o.portfolio.owner)
    portfolio = None
    type = "deposit"
    method = "ach"
    status = "filled"
    source = "api"
    amount = Decimal("100.00")
    requested_at = factory.LazyAttribute(lambda o: o.executed_at)
    executed_at = factory.LazyFunction(lambda: ny(BUSINESS_DAY))


def transfer(
    portfolio_obj, amount: str, *, on: dt.date, type: str = "deposit", method: str = "ach", hour: int = 12, **kw
):
    return TransactionFactory(
        portfolio=portfolio_obj, type=type, method=method, amount=Decimal(amount), executed_at=ny(on, hour), **kw
    )


def disbursed_loan(owner, portfolio_obj, *, amount: str, on: dt.date, fee: str = "0.00"):
    """A loan paid out into the portfolio on `on` (the row lending keeps; the rule reads it only)."""
    from lending.models import Loan, LoanStatus
    from lending.tests.factories import LoanProductFactory

    return Loan.objects.create(
        user=owner,
        product=LoanProductFactory(),
        status=LoanStatus.ACTIVE,
        requested_amount=Decimal(amount),
        requested_term_months=12,
        purpose="furniture",
        monthly_income=Decimal("6000.00"),
        monthly_debts=Decimal("500.00"),
        disburse_to="portfolio",
        portfolio=portfolio_obj,
        offer_amount=Decimal(amount),
        origination_fee=Decimal(fee),
        disbursed_at=ny(on, 10),
    )
