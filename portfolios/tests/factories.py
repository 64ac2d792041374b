"""Factories for the portfolios app. Ledger state is made through the services, never by
writing ledger rows directly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from accounts.tests.factories import UserFactory
from portfolios.models import CUSTOMER_KINDS, Asset, AssetClass, LedgerAccount, Portfolio, TradingCalendar
from portfolios.services import prices_load


class AssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Asset
        django_get_or_create = ("symbol",)

    symbol = factory.Sequence(lambda n: f"TST{n}")
    name = factory.LazyAttribute(lambda o: f"{o.symbol} Corporation")
    asset_class = AssetClass.STOCK
    exchange = "NYSE"
    quantity_places = 0
    calendar = TradingCalendar.NYSE
    settlement_days = 1
    tradable = True


class CryptoAssetFactory(AssetFactory):
    symbol = factory.Sequence(lambda n: f"C{n}-USD")
    asset_class = AssetClass.CRYPTO
    exchange = "crypto"
    quantity_places = 8
    calendar = TradingCalendar.ALWAYS
    settlement_days = 0


class PortfolioFactory(factory.django.DjangoModelFactory):
    """A portfolio with its customer accounts (as `services.portfolio_create` makes it, without
    the per-customer limit, for tests that need many)."""

    class Meta:
        model = Portfolio
        skip_postgeneration_save = True

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Portfolio {n}")

    @factory.post_generation
    def accounts(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            LedgerAccount.objects.bulk_create([LedgerAccount(portfolio=obj, kind=kind) for kind in CUSTOMER_KINDS])


def close_at(day: dt.date) -> dt.datetime:
    """The NYSE close (16:00 New York) of `day`, as an aware datetime."""
    from zoneinfo import ZoneInfo

    return dt.datetime.combine(day, dt.time(16, 0), tzinfo=ZoneInfo("America/New_York"))


def load_closes(asset: Asset, closes: dict[dt.date, str | Decimal], *, source: str = "test") -> None:
    """Daily bars (open = high = low = close) through the price load service."""
    prices_load(
        records=[
            {"symbol": asset.symbol, "timestamp": close_at(day).isoformat(), "close": str(price)}
            for day, price in closes.items()
        ],
        source=source,
        tag="test",
    )
    asset.refresh_from_db()
