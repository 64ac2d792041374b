"""The asset catalogue and price loads.

`prices_load` streams bars in batches (one transaction per batch, so a large file never holds one
giant transaction), upserts them by (asset, timestamp) so a re-run changes nothing, refreshes each
touched asset's `last_price`, and sends `portfolios.signals.prices_loaded` after commit (limit
orders and forecasts listen).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from blockguardian.calendar import business_tz
from blockguardian.money import quantize_quantity, to_decimal

from ..models import Asset, AssetClass, Price, PriceLoad, TradingCalendar
from ..signals import prices_loaded

MAX_REJECTIONS_KEPT = 100
# A bar given as a date alone is taken as that day's close in the business time zone.
_DATE_ONLY_CLOSE = dt.time(16, 0)


@transaction.atomic
def asset_upsert(
    *,
    symbol: str,
    name: str,
    asset_class: str,
    exchange: str = "",
    quantity_places: int | None = None,
    settlement_days: int | None = None,
    tradable: bool = True,
    issuer_name: str = "",
    issuer_country: str = "",
) -> tuple[Asset, bool]:
    """Create or update an asset by symbol (the catalogue loader and the admin use it).

    Crypto trades every day, settles T+0 and takes 8 decimal places by default; the others follow
    NYSE days, T+1 and whole-share quantities unless told otherwise.
    """
    symbol = symbol.strip().upper()
    asset_class = AssetClass(asset_class)
    is_crypto = asset_class == AssetClass.CRYPTO
    defaults = {
        "name": name,
        "asset_class": asset_class,
        "exchange": exchange,
        "calendar": TradingCalendar.ALWAYS if is_crypto else TradingCalendar.NYSE,
        "quantity_places": quantity_places if quantity_places is not None else (8 if is_crypto else 0),
        "settlement_days": (
            settlement_days if settlement_days is not None else settings.PORTFOLIOS_SETTLEMENT_DAYS[asset_class]
        ),
        "tradable": tradable,
        "issuer_name": issuer_name,
        "issuer_country": issuer_country,
    }
    asset, created = Asset.objects.select_for_update().get_or_create(symbol=symbol, defaults=defaults)
    if not created:
        changed = [k for k, v in defaults.items() if getattr(asset, k) != v]
        if changed:
            for key in changed:
                setattr(asset, key, defaults[key])
            asset.save(update_fields=[*changed, "updated_at"])
    return asset, created


@dataclass
class PriceLoadResult:
    load_id: int
    rows_read: int = 0
    rows_written: int = 0
    rows_rejected: int = 0
    assets: int = 0
    rejections: list[tuple[int, str]] = field(default_factory=list)


class _RowError(ValueError):
    pass


def parse_bar_time(value: str) -> dt.datetime:
    """An ISO 8601 timestamp (a naive one is in the business time zone) or a date alone (that
    day's 16:00 close in the business time zone), as an aware datetime."""
    text = (value or "").strip()
    try:
        day = parse_date(text) if len(text) == 10 else None
        moment = dt.datetime.combine(day, _DATE_ONLY_CLOSE) if day else parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None:
        raise _RowError(f"timestamp {value!r} is not ISO 8601")
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=business_tz())
    return moment


def _positive(record: Mapping[str, Any], key: str) -> Decimal:
    try:
        value = to_decimal(record.get(key))
    except (TypeError, ValueError) as exc:
        raise _RowError(f"{key} is not a number") from exc
    if value <= 0:
        raise _RowError(f"{key} must be positive")
    return quantize_quantity(value)


def _parse_row(record: Mapping[str, Any], assets: dict[str, int], source: str) -> Price:
    symbol = (record.get("symbol") or "").strip().upper()
    asset_id = assets.get(symbol)
    if asset_id is None:
        raise _RowError(f"unknown symbol {symbol!r}")
    timestamp = parse_bar_time(record.get("timestamp") or record.get("date") or "")
    close = _positive(record, "close")
    open_ = _positive(record, "open") if record.get("open") not in (None, "") else close
    high = _positive(record, "high") if record.get("high") not in (None, "") else max(open_, close)
    low = _positive(record, "low") if record.get("low") not in (None, "") else min(open_, close)
    if not (low <= min(open_, close) and high >= max(open_, close)):
        raise _RowError("OHLC out of order (low <= open, close <= high)")
    volume_text = record.get("volume")
    try:
        volume = quantize_quantity(to_decimal(volume_text)) if volume_text not in (None, "") else Decimal(0)
    except (TypeError, ValueError) as exc:
        raise _RowError("volume is not a number") from exc
    if volume < 0:
        raise _RowError("volume must not be negative")
    return Price(
        asset_id=asset_id,
        timestamp=timestamp,
        open=open_,
        high=high,
        low=low,
        close=close,
        volume=volume,
        source=source[:32],
    )


def _write_batch(batch: dict[tuple[int, dt.datetime], Price]) -> int:
    with transaction.atomic():
        Price.objects.bulk_create(
            list(batch.values()),
            update_conflicts=True,
            unique_fields=["asset", "timestamp"],
            update_fields=["open", "high", "low", "close", "volume", "source"],
        )
    return len(batch)


def asset_last_price_refresh(*, asset_ids: Iterable[int]) -> None:
    """Set each asset's `last_price`/`last_price_at` from its latest bar."""
    for asset_id in sorted(set(asset_ids)):
        latest = Price.objects.filter(asset_id=asset_id).order_by("-timestamp").values("close", "timestamp").first()
        if latest:
            Asset.objects.filter(pk=asset_id).update(
                last_price=latest["close"], last_price_at=latest["timestamp"], updated_at=timezone.now()
            )


def prices_load(
    *,
    records: Iterable[Mapping[str, Any]],
    source: str,
    tag: str = "file",
    batch_size: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> PriceLoadResult:
    """Load price bars (mappings with symbol, timestamp or date, open, high, low, close, volume;
    strings or Decimals) for known assets. `source` describes the load (a file name); `tag` is
    stored on each bar (``file``, or a provider's name).

    Streaming: records are consumed lazily and written in batches of `PORTFOLIOS_PRICE_LOAD_BATCH`,
    each in its own transaction. Idempotent: bars are upserted by (asset, timestamp). A bad row is
    rejected (counted, the first 100 kept with their line number and reason) and never stops the
    load. Records a `PriceLoad` (its id versions the analytics caches) and sends `prices_loaded`
    with the touched asset ids after the last batch commits.
    """
    batch_size = batch_size or settings.PORTFOLIOS_PRICE_LOAD_BATCH
    load = PriceLoad.objects.create(source=source[:300])
    result = PriceLoadResult(load_id=load.pk)
    assets = dict(Asset.objects.values_list("symbol", "pk"))
    touched: set[int] = set()
    batch: dict[tuple[int, dt.datetime], Price] = {}
    for line, record in enumerate(records, start=2):
        result.rows_read += 1
        try:
            bar = _parse_row(record, assets, tag)
        except _RowError as exc:
            result.rows_rejected += 1
            if len(result.rejections) < MAX_REJECTIONS_KEPT:
                result.rejections.append((line, str(exc)))
            continue
        batch[(bar.asset_id, bar.timestamp)] = bar
        touched.add(bar.asset_id)
        if len(batch) >= batch_size:
            result.rows_written += _write_batch(batch)
            if on_progress:
                on_progress(result.rows_read)
            batch = {}
    if batch:
        result.rows_written += _write_batch(batch)
    if on_progress:
        on_progress(result.rows_read)
    result.assets = len(touched)
    with transaction.atomic():
        asset_last_price_refresh(asset_ids=touched)
        PriceLoad.objects.filter(pk=load.pk).update(
            finished_at=timezone.now(),
            rows_read=result.rows_read,
            rows_written=result.rows_written,
            rows_rejected=result.rows_rejected,
            assets=result.assets,
        )
        ids = sorted(touched)
        transaction.on_commit(lambda: prices_loaded.send(sender=PriceLoad, load_id=load.pk, asset_ids=ids))
    return result
