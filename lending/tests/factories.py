"""Factories of the lending tests. Loans are made through the services, never by writing rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from accounts.tests.factories import UserFactory, submit_kyc
from lending.models import LoanProduct
from lending.services import ApplicationInput


class LoanProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LoanProduct
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"personal-{n}")
    name = "Personal loan"
    min_amount = Decimal("500.00")
    max_amount = Decimal("50000.00")
    min_term_months = 3
    max_term_months = 60
    # Every score from 300 reaches a band, so tests choose outcomes with income and debts.
    rate_grid = factory.LazyFunction(
        lambda: [
            {"min_score": 700, "annual_rate": "0.0999"},
            {"min_score": 600, "annual_rate": "0.1499"},
            {"min_score": 300, "annual_rate": "0.2499"},
        ]
    )
    origination_fee_rate = Decimal("0.0200")
    late_fee = Decimal("25.00")
    grace_days = 10
    max_dti = Decimal("0.4500")
    second_approval_limit = Decimal("20000.00")


def verified_customer(*, date_of_birth: str = "1980-05-17", **kyc_overrides):
    """A customer whose identity an officer verified."""
    from accounts.services import kyc_decide

    user = UserFactory()
    record = submit_kyc(user, date_of_birth=date_of_birth, **kyc_overrides)
    kyc_decide(record=record, decision="verified", reason="", acting_user=UserFactory(is_staff=True))
    user.refresh_from_db()
    return user


def funded_portfolio(user, amount: str = "0"):
    """An open portfolio of `user` with `amount` of settled cash (a wire deposit)."""
    from portfolios.services import cash_deposit
    from portfolios.tests.factories import PortfolioFactory

    portfolio = PortfolioFactory(owner=user)
    if Decimal(amount) > 0:
        cash_deposit(portfolio=portfolio, amount=Decimal(amount), method="wire")
    return portfolio


def application(product, portfolio, **overrides) -> ApplicationInput:
    data = {
        "product": product,
        "amount": Decimal("6000.00"),
        "term_months": 12,
        "purpose": "furniture",
        "monthly_income": Decimal("6000.00"),
        "monthly_debts": Decimal("500.00"),
        "mla_covered": False,
        "portfolio_id": portfolio.pk,
        "extra": {"employment_status": "employed", "employment_years": Decimal("6"), "housing": "own"},
    }
    data.update(overrides)
    return ApplicationInput(**data)


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    """Noon of `day` in the business time zone."""
    from zoneinfo import ZoneInfo

    return dt.datetime.combine(day, dt.time(hour), tzinfo=ZoneInfo("America/New_York"))
