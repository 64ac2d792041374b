"""Test helpers of the trading app: customers with verified KYC, funded portfolios, verified bank
accounts. Ledger and trading state are made through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from accounts.models import KycRecord, KycStatus
from accounts.tests.factories import UserFactory
from portfolios import services as ledger
from portfolios.services import prices_load
from trading import services
from trading.models import LinkedBankAccount

NY = ZoneInfo("America/New_York")
ROUTING = "021000021"  # a well-formed ABA routing number


def verified_customer(**kwargs):
    user = UserFactory(**kwargs)
    KycRecord.objects.create(
        user=user, status=KycStatus.VERIFIED, legal_first_name="Avery", legal_last_name="Jordan", country="US"
    )
    return user


def funded_portfolio(owner, amount: str | Decimal = "0", name: str = "Main"):
    portfolio = ledger.portfolio_create(owner=owner, name=name)
    if Decimal(str(amount)) > 0:
        ledger.cash_deposit(portfolio=portfolio, amount=amount, method="wire")
    return portfolio


def verified_bank_account(user, account_number: str = "000123456789") -> LinkedBankAccount:
    account = services.bank_account_link(
        user=user, holder_name="Avery Jordan", routing_number=ROUTING, account_number=account_number
    )
    return services.bank_account_verify(account=account, amounts=[account.micro_deposit_1, account.micro_deposit_2])


def ny(year, month, day, hour=12, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=NY)


def load_bar(asset, day: dt.date, *, open_: str, close: str, hour: int = 16, minute: int = 0) -> None:
    """One daily bar (timestamped at the close) through the price load."""
    low, high = sorted([Decimal(open_), Decimal(close)])
    prices_load(
        records=[
            {
                "symbol": asset.symbol,
                "timestamp": dt.datetime.combine(day, dt.time(hour, minute), tzinfo=NY).isoformat(),
                "open": open_,
                "high": str(high),
                "low": str(low),
                "close": close,
            }
        ],
        source="test",
        tag="test",
    )
    asset.refresh_from_db()
