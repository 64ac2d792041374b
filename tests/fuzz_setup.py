"""Objects the schema fuzz test creates for an operation's path parameters, so generated requests
can reach real resources of the fresh user (and not only 404s).

`PATH_FIXTURES` maps an OpenAPI path template to a function `(user) -> {param: value}`; about half
of the generated requests use these real values.
"""

from __future__ import annotations

from collections.abc import Callable

PathFixture = Callable[[object], dict]


def _portfolio(user) -> dict:
    from portfolios.services import portfolio_create

    return {"id": portfolio_create(owner=user, name="Fuzz portfolio").pk}


def _asset(user) -> dict:
    from portfolios.tests.factories import AssetFactory

    return {"id": AssetFactory().pk}


def _credit_score(user) -> dict:
    from credit.api.serializers import CreditScoreCalculateInputSerializer
    from credit.demo import DEMO_APPLICATION
    from credit.services import credit_score_calculate

    serializer = CreditScoreCalculateInputSerializer(data=DEMO_APPLICATION)
    serializer.is_valid(raise_exception=True)
    return {"score_id": str(credit_score_calculate(user=user, application=serializer.to_application()).public_id)}


def _verified_identity(user) -> None:
    from accounts.models import KycRecord, KycStatus

    KycRecord.objects.get_or_create(
        user=user,
        defaults={
            "status": KycStatus.VERIFIED,
            "legal_first_name": "Avery",
            "legal_last_name": "Jordan",
            "country": "US",
        },
    )


def _trading_transaction(user) -> dict:
    """A portfolio with cash and a dividend the platform posted (a transaction the customer can read)."""
    from portfolios.services import cash_deposit, portfolio_create
    from trading.services import system_posting_create

    portfolio = portfolio_create(owner=user, name="Fuzz trading")
    cash_deposit(portfolio=portfolio, amount="1000.00", method="wire")
    posted = system_posting_create(portfolio=portfolio, type="dividend", amount="12.34")
    return {"id": portfolio.pk, "tid": posted.pk}


def _bank_account(user) -> dict:
    from trading.services import bank_account_link

    account = bank_account_link(
        user=user, holder_name="Avery Jordan", routing_number="021000021", account_number="12345678"
    )
    return {"id": account.pk}


def _wallet(user) -> dict:
    from trading.services import wallet_register

    return {"id": wallet_register(user=user, address="0x" + "ab" * 20, currency="ETH").pk}


def _loan(user, *, declined: bool = False) -> dict:
    from decimal import Decimal

    from lending.models import LoanProduct
    from lending.services import ApplicationInput, loan_apply
    from portfolios.services import portfolio_create

    _verified_identity(user)
    grid = [{"min_score": 850 if declined else 300, "annual_rate": "0.1299"}]
    product, _ = LoanProduct.objects.get_or_create(
        code="fuzz-declined" if declined else "fuzz",
        defaults={
            "name": "Fuzz",
            "min_amount": Decimal("500"),
            "max_amount": Decimal("50000"),
            "min_term_months": 3,
            "max_term_months": 60,
            "rate_grid": grid,
        },
    )
    portfolio = portfolio_create(owner=user, name="Fuzz loans")
    loan = loan_apply(
        user=user,
        data=ApplicationInput(
            product=product,
            amount=Decimal("5000.00"),
            term_months=12,
            purpose="other",
            monthly_income=Decimal("8000.00"),
            monthly_debts=Decimal("0.00"),
            portfolio_id=portfolio.pk,
        ),
    )
    return {"id": loan.pk}


def _declined_loan(user) -> dict:
    return _loan(user, declined=True)


def _asset_with_history(user) -> dict:
    import datetime as dt

    import numpy as np

    from portfolios.services import prices_load
    from portfolios.tests.factories import AssetFactory

    asset = AssetFactory()
    closes = 100 * np.exp(np.cumsum(np.random.default_rng(0).normal(0, 0.01, 300)))
    start = dt.datetime(2024, 1, 1, 21, tzinfo=dt.UTC)
    prices_load(
        records=[
            {"symbol": asset.symbol, "timestamp": (start + dt.timedelta(days=i)).isoformat(), "close": f"{c:.8f}"}
            for i, c in enumerate(closes)
        ],
        source="fuzz",
        tag="fuzz",
    )
    return {"id": asset.pk}


PATH_FIXTURES: dict[str, PathFixture] = {
    "/api/portfolios/{id}": _portfolio,
    "/api/portfolios/{id}/holdings": _portfolio,
    "/api/portfolios/{id}/performance": _portfolio,
    "/api/portfolios/{id}/realized-gains": _portfolio,
    "/api/portfolios/{id}/risk": _portfolio,
    "/api/portfolios/assets/{id}": _asset,
    "/api/portfolios/assets/{id}/forecast": _asset_with_history,
    "/api/portfolios/{id}/transactions": _portfolio,
    "/api/portfolios/{id}/statements": _portfolio,
    "/api/portfolios/{id}/transactions/{tid}": _trading_transaction,
    "/api/portfolios/{id}/transactions/{tid}/cancel": _trading_transaction,
    "/api/portfolios/{id}/transactions/{tid}/confirmation": _trading_transaction,
    "/api/bank-accounts/{id}": _bank_account,
    "/api/bank-accounts/{id}/verify": _bank_account,
    "/api/wallets/{id}": _wallet,
    "/api/wallets/{id}/verify": _wallet,
    "/api/loans/{id}": _loan,
    "/api/loans/{id}/schedule": _loan,
    "/api/loans/{id}/disclosure": _loan,
    "/api/loans/{id}/cancel": _loan,
    "/api/loans/{id}/verify": _loan,
    "/api/loans/{id}/adverse-action-notice": _declined_loan,
    "/api/credit/scores/{score_id}": _credit_score,
    "/api/credit/scores/{score_id}/verify": _credit_score,
}
