"""A portfolio's performance over a date range: one vectorised pass over its ledger and the price
series, cached per portfolio until its next ledger entry or the next price load.

Valuation: every calendar day of the range (business time zone) at the end of the day: cash from
the ledger (settled, reserved, unsettled, held in blocked funds, less any shortfall) plus each
position at the last close known that day. External cash flows (deposits, withdrawals, returns,
loan money) are counted at the end of the day they happen; fees, dividends and interest are not
flows, they are part of the return.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.cache import cache
from django.db.models import FloatField, OuterRef, Subquery, Sum
from django.db.models.functions import Cast, TruncDate

from blockguardian.calendar import business_date, business_tz
from blockguardian.money import CENT, ZERO, quantize_cash

from . import analytics
from .errors import InvalidRange
from .models import Asset, AssetClass, JournalEntry, LotDisposal, Portfolio, Price, TaxLot, Term

RANGES = ("inception", "ytd", "1y", "5y", "tax_year", "custom")
INTERVALS = ("day", "week", "month")
CACHE_VERSION = 1
_RATIO = Decimal("0.00000001")


@dataclass(frozen=True)
class PerformanceRange:
    name: str
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _inception(portfolio: Portfolio) -> dt.date:
    first = (
        JournalEntry.objects.filter(portfolio=portfolio)
        .order_by("executed_at")
        .values_list("executed_at", flat=True)
        .first()
    )
    return business_date(first or portfolio.created_at)


def performance_range(
    *,
    portfolio: Portfolio,
    name: str = "inception",
    start: dt.date | None = None,
    end: dt.date | None = None,
    year: int | None = None,
    today: dt.date | None = None,
) -> PerformanceRange:
    """Resolve a named range to dates (inclusive, business time zone). `custom` needs `start`
    (and takes `end`, default today); `tax_year` takes `year` (default the current one);
    `ytd`, `1y`, `5y` end today; `inception` starts at the first ledger entry. A range never
    starts before inception nor ends after today."""
    from .selectors import today as business_today

    today = today or business_today()
    if name not in RANGES:
        raise InvalidRange(f"range must be one of {', '.join(RANGES)}", errors={"range": ["unknown range"]})
    end = min(end or today, today)
    if name == "custom":
        if start is None:
            raise InvalidRange("a custom range needs `from`", errors={"from": ["required for a custom range"]})
    elif name == "tax_year":
        year = year or today.year
        start, end = dt.date(year, 1, 1), min(dt.date(year, 12, 31), today)
    elif name == "ytd":
        start, end = dt.date(today.year, 1, 1), today
    elif name == "1y":
        start, end = today - relativedelta(years=1) + dt.timedelta(days=1), today
    elif name == "5y":
        start, end = today - relativedelta(years=5) + dt.timedelta(days=1), today
    else:
        start = None
    inception = _inception(portfolio)
    start = max(start or inception, inception)
    if start > end:
        if name in ("custom", "tax_year"):
            raise InvalidRange("the range ends before it starts or before the portfolio's first entry")
        start = end
    return PerformanceRange(name=name, start=start, end=end)


def _money(value: float | Decimal | None) -> str | None:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return None
    return f"{Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP):f}"


def _ratio(value: float | None) -> str | None:
    if value is None or not np.isfinite(value):
        return None
    return f"{Decimal(value).quantize(_RATIO, rounding=ROUND_HALF_UP):f}"


def _cache_key(portfolio: Portfolio, period: PerformanceRange, interval: str) -> str:
    from .selectors import price_version

    created = portfolio.created_at.timestamp() if portfolio.created_at else 0
    return (
        f"portfolios:performance:v{CACHE_VERSION}:{portfolio.pk}:{created}:{portfolio.ledger_seq}:"
        f"{portfolio.benchmark_id}:{price_version()}:{period.start}:{period.end}:{interval}"
    )


def portfolio_performance(*, portfolio: Portfolio, period: PerformanceRange, interval: str = "day") -> dict[str, Any]:
    """The performance report (money as strings, ratios as 8-place decimal strings; see
    `api.serializers.PerformanceSerializer` for each figure's meaning)."""
    if interval not in INTERVALS:
        raise InvalidRange(f"interval must be one of {', '.join(INTERVALS)}", errors={"interval": ["unknown"]})
    key = _cache_key(portfolio, period, interval)
    report = cache.get(key)
    if report is None:
        report = compute_performance(portfolio=portfolio, period=period, interval=interval)
        cache.set(key, report, settings.PORTFOLIOS_ANALYTICS_CACHE_SECONDS)
    return report


def _sample(days: np.ndarray, interval: str) -> np.ndarray:
    """Indices of the points to report: every day, or the last day of each week/month, always
    with the first (the base) and the last."""
    n = len(days)
    if interval == "day" or n <= 2:
        return np.arange(n)
    index = pd.DatetimeIndex(days)
    if interval == "week":
        period = index.to_period("W-SUN")
    else:
        period = index.to_period("M")
    codes = period.asi8
    last_of_period = np.flatnonzero(np.append(codes[1:] != codes[:-1], True))
    return np.unique(np.concatenate(([0], last_of_period, [n - 1])))


def compute_performance(*, portfolio: Portfolio, period: PerformanceRange, interval: str) -> dict[str, Any]:
    tz = business_tz()
    base = period.start - dt.timedelta(days=1)
    base_start = dt.datetime.combine(base, dt.time.min, tzinfo=tz)
    period_start = dt.datetime.combine(period.start, dt.time.min, tzinfo=tz)
    period_end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    days = np.arange(np.datetime64(base, "D"), np.datetime64(period.end, "D") + 1)
    n = len(days)

    # The ledger up to the end of the range: cash changes, flows and security legs.
    # Summed per business day and asset in the database: a few thousand rows for years of activity.
    rows = list(
        JournalEntry.objects.filter(portfolio=portfolio, executed_at__lt=period_end)
        .annotate(day=TruncDate("executed_at", tzinfo=tz))
        .order_by()
        .values("day", "asset_id")
        .annotate(
            cash_f=Sum(Cast("cash_delta", FloatField())),
            flow_f=Sum(Cast("flow", FloatField())),
            quantity_f=Sum(Cast("quantity", FloatField())),
        )
        .values_list("day", "cash_f", "flow_f", "asset_id", "quantity_f")
    )
    entry_days = np.array([r[0] for r in rows], dtype="datetime64[D]")
    position = np.clip(np.searchsorted(days, entry_days), 0, n - 1) if len(rows) else np.array([], dtype=int)
    cash_delta = np.array([r[1] for r in rows], dtype=float)
    flow = np.array([r[2] for r in rows], dtype=float)
    cash = np.cumsum(np.bincount(position, weights=cash_delta, minlength=n)) if len(rows) else np.zeros(n)
    flows = np.bincount(position, weights=flow, minlength=n) if len(rows) else np.zeros(n)

    trade_rows = [(p, r[3], r[4]) for p, r in zip(position, rows, strict=True) if r[3] is not None and r[4]]
    asset_ids = sorted({r[1] for r in trade_rows} | ({portfolio.benchmark_id} if portfolio.benchmark_id else set()))
    column = {asset_id: i for i, asset_id in enumerate(asset_ids)}
    m = len(asset_ids)
    quantities = np.zeros((n, m))
    if trade_rows:
        np.add.at(
            quantities,
            (np.array([t[0] for t in trade_rows]), np.array([column[t[1]] for t in trade_rows])),
            np.array([t[2] for t in trade_rows], dtype=float),
        )
        quantities = np.cumsum(quantities, axis=0)
        quantities[np.abs(quantities) < 1e-12] = 0.0

    # Prices: the last close before the range seeds the first day, then each day's bars.
    prices = np.full((n, m), np.nan)
    has_bar = np.zeros((n, m), dtype=bool)
    meta: dict[int, tuple[str, str]] = {}
    if m:
        seeds = (
            Asset.objects.filter(pk__in=asset_ids)
            .annotate(
                seed=Subquery(
                    Price.objects.filter(asset=OuterRef("pk"), timestamp__lt=base_start)
                    .order_by("-timestamp")
                    .annotate(close_f=Cast("close", FloatField()))
                    .values("close_f")[:1]
                )
            )
            .values_list("pk", "symbol", "asset_class", "seed")
        )
        for pk, symbol, asset_class, seed in seeds:
            meta[pk] = (symbol, asset_class)
            if seed is not None:
                prices[0, column[pk]] = seed
        bars = list(
            Price.objects.filter(asset_id__in=asset_ids, timestamp__gte=base_start, timestamp__lt=period_end)
            .order_by("asset_id", "timestamp")
            .annotate(close_f=Cast("close", FloatField()), day=TruncDate("timestamp", tzinfo=tz))
            .values_list("asset_id", "day", "close_f")
        )
        if bars:
            bar_days = np.array([b[1] for b in bars], dtype="datetime64[D]")
            bar_pos = np.clip(np.searchsorted(days, bar_days), 0, n - 1)
            bar_col = np.array([column[b[0]] for b in bars])
            close = np.array([b[2] for b in bars], dtype=float)
            flat = bar_pos * m + bar_col
            # Sorted by time within each asset: keep each day's last bar.
            reversed_unique, first_in_reversed = np.unique(flat[::-1], return_index=True)
            keep = len(flat) - 1 - first_in_reversed
            prices.reshape(-1)[reversed_unique] = close[keep]
            has_bar.reshape(-1)[reversed_unique] = True
        prices = pd.DataFrame(prices).ffill().to_numpy()

    held = quantities != 0
    unpriced = bool(np.any(held & np.isnan(prices)))
    position_values = np.where(held, quantities * np.nan_to_num(prices, nan=0.0), 0.0)
    market_value = position_values.sum(axis=1) if m else np.zeros(n)
    value = cash + market_value

    returns = analytics.daily_returns(value, flows)  # days[1:]
    active = (has_bar[1:] & held[:-1]).any(axis=1) if m else np.zeros(n - 1, dtype=bool)
    risk_returns = returns[active & ~np.isnan(returns)]
    crypto_columns = [column[a] for a in asset_ids if meta.get(a, ("", ""))[1] == AssetClass.CRYPTO]
    crypto_held = bool(crypto_columns) and bool(held[:, crypto_columns].any())
    periods = analytics.DAYS_PER_YEAR if crypto_held else float(settings.PORTFOLIOS_TRADING_DAYS_PER_YEAR)
    confidence = float(settings.PORTFOLIOS_VAR_CONFIDENCE)
    risk_free = float(settings.PORTFOLIOS_RISK_FREE_RATE)

    twr = analytics.time_weighted_return(returns)
    wealth = analytics.wealth_index(returns)
    xirr_amounts = -flows.copy()
    xirr_amounts[0] = -value[0] if value[0] > 0 else 0.0
    xirr_amounts[-1] += value[-1]
    mwr = analytics.xirr(np.arange(n), xirr_amounts)
    var = analytics.historical_var(risk_returns, confidence)

    benchmark_return = None
    if portfolio.benchmark_id:
        series = prices[:, column[portfolio.benchmark_id]]
        if np.isfinite(series[0]) and np.isfinite(series[-1]) and series[0] > 0:
            benchmark_return = series[-1] / series[0] - 1.0

    # Exact figures from the database.
    in_range = JournalEntry.objects.filter(
        portfolio=portfolio, executed_at__gte=period_start, executed_at__lt=period_end
    )
    net_deposits = in_range.aggregate(total=Sum("flow"))["total"] or ZERO
    realised = {
        term: total or ZERO
        for term, total in LotDisposal.objects.filter(
            portfolio=portfolio, voided_by__isnull=True, disposed_at__gte=period_start, disposed_at__lt=period_end
        )
        .order_by()
        .values_list("term")
        .annotate(total=Sum("gain"))
        .values_list("term", "total")
    }
    lots_cost = (
        TaxLot.objects.filter(portfolio=portfolio, voided_by__isnull=True, acquired_at__lt=period_end).aggregate(
            total=Sum("cost")
        )["total"]
        or ZERO
    )
    sold_cost = (
        LotDisposal.objects.filter(portfolio=portfolio, voided_by__isnull=True, disposed_at__lt=period_end).aggregate(
            total=Sum("cost_basis")
        )["total"]
        or ZERO
    )
    end_market_value = quantize_cash(Decimal(float(market_value[-1]))) if n else ZERO
    from .selectors import fees_and_income

    income = fees_and_income(portfolio=portfolio, start=period_start, end=period_end)

    # Allocation at the end of the range.
    end_total = float(value[-1])
    by_asset, by_class = [], {}
    for asset_id in asset_ids:
        col = column[asset_id]
        amount = float(position_values[-1, col])
        if not held[-1, col]:
            continue
        symbol, asset_class = meta.get(asset_id, ("?", ""))
        by_asset.append({"asset_id": asset_id, "symbol": symbol, "asset_class": asset_class, "value": amount})
        by_class[asset_class] = by_class.get(asset_class, 0.0) + amount
    by_asset.sort(key=lambda a: -a["value"])
    cash_end = float(cash[-1])

    def share(amount: float) -> str | None:
        return _ratio(amount / end_total) if end_total > 0 else None

    sample = _sample(days, interval)
    cumulative_flows = np.cumsum(np.where(np.arange(n) > 0, flows, 0.0))
    return {
        "range": period.name,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "interval": interval,
        "days": period.days,
        "start_value": _money(float(value[0])),
        "end_value": _money(float(value[-1])),
        "end_market_value": _money(float(market_value[-1])),
        "end_cash": _money(cash_end),
        "net_deposits": _money(net_deposits),
        "time_weighted_return": _ratio(twr),
        "time_weighted_return_annualised": _ratio(analytics.annualise(twr, period.days)) if period.days > 365 else None,
        "money_weighted_return": _ratio(mwr),
        "realized_pnl": _money(sum(realised.values(), ZERO)),
        "realized_pnl_short_term": _money(realised.get(Term.SHORT, ZERO)),
        "realized_pnl_long_term": _money(realised.get(Term.LONG, ZERO)),
        "unrealized_pnl": _money(end_market_value - (lots_cost - sold_cost)),
        "fees": _money(income["fees"]),
        "dividends": _money(income["dividends"]),
        "interest": _money(income["interest"]),
        "volatility_annualised": _ratio(analytics.annualised_volatility(risk_returns, periods)),
        "sharpe_ratio": _ratio(analytics.sharpe_ratio(risk_returns, periods, risk_free)),
        "risk_free_rate": _ratio(risk_free),
        "max_drawdown": _ratio(analytics.max_drawdown(returns)),
        "var_95_1d": _ratio(var),
        "var_95_1d_amount": _money(var * end_total) if var is not None else None,
        "var_confidence": _ratio(confidence),
        "periods_per_year": int(periods),
        "benchmark": (
            {
                "asset_id": portfolio.benchmark_id,
                "symbol": meta.get(portfolio.benchmark_id, ("?", ""))[0],
                "price_return": _ratio(benchmark_return),
            }
            if portfolio.benchmark_id
            else None
        ),
        "allocation_by_asset": [
            {
                "asset_id": a["asset_id"],
                "symbol": a["symbol"],
                "asset_class": a["asset_class"],
                "value": _money(a["value"]),
                "weight": share(a["value"]),
            }
            for a in by_asset
        ],
        "allocation_by_class": [
            {"asset_class": k, "value": _money(v), "weight": share(v)}
            for k, v in sorted(by_class.items(), key=lambda kv: -kv[1])
        ]
        + [{"asset_class": "cash", "value": _money(cash_end), "weight": share(cash_end)}],
        "prices_missing": unpriced,
        "series": [
            {
                "date": str(days[i]),
                "value": _money(float(value[i])),
                "market_value": _money(float(market_value[i])),
                "cash": _money(float(cash[i])),
                "net_deposits": _money(float(cumulative_flows[i])),
                "cumulative_twr": _ratio(float(wealth[i] - 1.0)),
            }
            for i in sample
        ],
    }
