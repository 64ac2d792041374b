"""The price source trading fills against.

`latest_price(asset)` and `session_bar(asset, day)` ask the configured source
(`PORTFOLIOS_PRICE_SOURCE`, a dotted path to a `PriceSource` class). The default,
`DatabasePriceSource`, answers from the loaded bars. A live provider plugs in by implementing the
same two methods (and usually writing what it fetches through `services.prices_load`, so the
analytics see the same prices); nothing in the tests needs one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from blockguardian.calendar import business_tz

from .errors import PriceUnavailable
from .models import Asset, Price


@dataclass(frozen=True)
class Quote:
    """A price for one asset at one moment (USD, up to 8 places)."""

    asset_id: int
    symbol: str
    price: Decimal
    at: dt.datetime
    source: str

    @property
    def is_stale(self) -> bool:
        return timezone.now() - self.at > dt.timedelta(hours=settings.PORTFOLIOS_PRICE_STALE_HOURS)


@dataclass(frozen=True)
class Bar:
    """One OHLCV bar; `at` is when it closed."""

    asset_id: int
    symbol: str
    at: dt.datetime
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    source: str


class PriceSource(Protocol):
    name: str

    def latest(self, asset: Asset, *, at: dt.datetime | None = None) -> Quote | None:
        """The last known price at or before `at` (default: now), or None."""

    def session_bar(self, asset: Asset, day: dt.date) -> Bar | None:
        """The bar of business date `day` (its open is the session's opening price), or None."""


class DatabasePriceSource:
    """Prices from the loaded bars (`Price`); the latest comes from the asset's `last_price`."""

    name = "database"

    def latest(self, asset: Asset, *, at: dt.datetime | None = None) -> Quote | None:
        if at is None and asset.last_price is not None and asset.last_price_at is not None:
            return Quote(asset.pk, asset.symbol, asset.last_price, asset.last_price_at, self.name)
        bars = Price.objects.filter(asset=asset)
        if at is not None:
            bars = bars.filter(timestamp__lte=at)
        row = bars.order_by("-timestamp").values("close", "timestamp").first()
        if row is None:
            return None
        return Quote(asset.pk, asset.symbol, row["close"], row["timestamp"], self.name)

    def session_bar(self, asset: Asset, day: dt.date) -> Bar | None:
        tz = business_tz()
        start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
        end = start + dt.timedelta(days=1)
        row = (
            Price.objects.filter(asset=asset, timestamp__gte=start, timestamp__lt=end)
            .order_by("-timestamp")
            .values("timestamp", "open", "high", "low", "close", "volume", "source")
            .first()
        )
        if row is None:
            return None
        return Bar(
            asset.pk,
            asset.symbol,
            row["timestamp"],
            row["open"],
            row["high"],
            row["low"],
            row["close"],
            row["volume"],
            row["source"],
        )


@lru_cache(maxsize=4)
def _source_class(path: str) -> type:
    return import_string(path)


def price_source() -> PriceSource:
    """The configured source (a new instance per call; sources keep no per-request state)."""
    return _source_class(settings.PORTFOLIOS_PRICE_SOURCE)()


def latest_price(asset: Asset, *, at: dt.datetime | None = None) -> Quote:
    """The price trading fills a market order at: the source's latest quote at or before `at`.

    Raises `PriceUnavailable` (422) when the source has none. `Quote.is_stale` says whether it
    is older than `PORTFOLIOS_PRICE_STALE_HOURS`; what to do with a stale quote is the caller's
    decision.
    """
    quote = price_source().latest(asset, at=at)
    if quote is None:
        raise PriceUnavailable(f"No price is available for {asset.symbol}.")
    return quote


def session_bar(asset: Asset, day: dt.date) -> Bar:
    """The bar of business date `day` (an order queued for the open fills at its `open`).
    Raises `PriceUnavailable` when there is none."""
    bar = price_source().session_bar(asset, day)
    if bar is None:
        raise PriceUnavailable(f"No {day.isoformat()} bar is available for {asset.symbol}.")
    return bar
