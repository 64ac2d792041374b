"""Benchmark: the performance endpoint over 5 years of daily prices and 10,000 transactions.

The data is built once, in a database of its own kept between runs (`bench_portfolios`, or
var/bench_portfolios.sqlite3 on the embedded default), through the real services (deposits, buys,
sells, dividends, fees, settlements) on a synthetic 5-year price history; then
`GET /api/portfolios/{id}/performance?range=5y` is timed cold (cache emptied before each call)
and warm (cached), against a bare numpy time-weighted return over the same daily value series.
The endpoint's TWR is also checked against that numpy figure.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import tempfile
import time
import timeit
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

from django.db.models import Count

TRANSACTIONS = 10_000
YEARS = 5
COLD_RUNS = 5
WARM_RUNS = 20
SEED = 20261122
SYMBOLS = ["SPY", "QQQ", "AAPL", "MSFT", "NVDA", "JPM", "AGG", "GLD", "BTC-USD", "ETH-USD"]
# The cold endpoint (ledger and prices read, valued and analysed) should answer within this.
TARGET_COLD_MS = 1500.0
BENCH_PORTFOLIO = f"bench: {TRANSACTIONS} transactions over {YEARS} years"


def _build(end: dt.date):
    """Assets, 5 years of bars and a portfolio with TRANSACTIONS ledger transactions."""
    import pandas as pd
    from django.db import transaction

    from accounts.tests.factories import UserFactory
    from portfolios import selectors, services
    from portfolios.catalogue import CATALOGUE
    from portfolios.data.generate_prices import generate, write_csv
    from portfolios.pricefiles import price_records

    catalogue = [a for a in CATALOGUE if a.symbol in SYMBOLS]
    for item in catalogue:
        services.asset_upsert(symbol=item.symbol, name=item.name, asset_class=item.asset_class, exchange=item.exchange)
    bars = generate(catalogue=catalogue, end=end, years=YEARS)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "bench-prices.csv.gz"
        write_csv(bars, path)
        with price_records(path, progress=False) as records:
            loaded = services.prices_load(records=records, source="bench", tag="bench")
    if loaded.rows_written != len(bars):
        raise RuntimeError(f"the price load wrote {loaded.rows_written} of {len(bars)} bars: {loaded.rejections[:3]}")
    from portfolios.models import Asset

    assets = {a.symbol: a for a in Asset.objects.filter(symbol__in=SYMBOLS)}
    bars["moment"] = pd.to_datetime(bars["timestamp"], utc=True)
    closes = {
        (row.symbol, row.moment.date()): (Decimal(str(row.close)), row.moment.to_pydatetime())
        for row in bars.itertuples()
    }
    days = sorted({m.date() for m in bars.loc[bars.symbol == "SPY", "moment"]})

    rng = random.Random(SEED)
    owner = UserFactory()
    counts = {"deposit": 0, "buy": 0, "sell": 0, "dividend": 0, "fee": 0, "settlement": 0}
    # One transaction per business day, as the real flow commits: a single transaction for years of
    # activity would pile thousands of versions of the same rows (the portfolio, its cash account)
    # that no one else may prune until it ends.
    with transaction.atomic():
        portfolio = services.portfolio_create(owner=owner, name=BENCH_PORTFOLIO, benchmark=assets["SPY"])
        first = closes[("SPY", days[0])][1]
        services.cash_deposit(
            portfolio=portfolio, amount="2000000.00", method="wire", executed_at=first - dt.timedelta(hours=6)
        )
        counts["deposit"] += 1
    per_day = (TRANSACTIONS - 1) / len(days)
    done, owed = 1, 0.0
    for index, day in enumerate(days):
        with transaction.atomic():
            spy_close, spy_at = closes[("SPY", day)]
            if index and index % 21 == 0 and done < TRANSACTIONS:
                services.cash_deposit(
                    portfolio=portfolio, amount="2500.00", method="ach", executed_at=spy_at - dt.timedelta(hours=5)
                )
                counts["deposit"] += 1
                done += 1
            if index and index % 63 == 0 and done < TRANSACTIONS:
                held = portfolio.positions.filter(asset=assets["SPY"]).values_list("quantity", flat=True).first()
                if held:
                    services.dividend_credit(
                        portfolio=portfolio,
                        asset=assets["SPY"],
                        amount=(held * Decimal("1.60")).quantize(Decimal("0.01")),
                        executed_at=spy_at - dt.timedelta(hours=4),
                    )
                    counts["dividend"] += 1
                    done += 1
            if index and index % 252 == 0 and done < TRANSACTIONS:
                services.fee_charge(portfolio=portfolio, amount="50.00", executed_at=spy_at - dt.timedelta(hours=3))
                counts["fee"] += 1
                done += 1
            owed += per_day
            while owed >= 1 and done < TRANSACTIONS:
                owed -= 1
                symbol = rng.choice(SYMBOLS)
                price, at = closes[(symbol, day)] if (symbol, day) in closes else closes[("SPY", day)]
                asset = assets[symbol if (symbol, day) in closes else "SPY"]
                places = Decimal(1).scaleb(-min(asset.quantity_places, 4))
                budget = Decimal(rng.uniform(500, 5000))
                quantity = max((budget / price).quantize(places, rounding=ROUND_DOWN), places)
                position = portfolio.positions.filter(asset=asset).values_list("quantity", flat=True).first()
                cash = selectors.cash_balances(portfolio=portfolio).available
                if position and (rng.random() < 0.45 or cash < quantity * price + 2):
                    services.trade_sell(
                        portfolio=portfolio,
                        asset=asset,
                        quantity=min(quantity, position),
                        price=price,
                        fee="1.00",
                        executed_at=at,
                    )
                    counts["sell"] += 1
                elif cash >= quantity * price + 2:
                    services.trade_buy(
                        portfolio=portfolio, asset=asset, quantity=quantity, price=price, fee="1.00", executed_at=at
                    )
                    counts["buy"] += 1
                else:
                    continue
                done += 1
            for entry in selectors.entry_due_list(on_or_before=day).filter(portfolio=portfolio):
                services.entry_settle(entry=entry, executed_at=max(entry.executed_at, spy_at))
                counts["settlement"] += 1
    counts["transactions"] = done
    counts["bars"] = len(bars)
    return portfolio, owner, counts


def _measure(portfolio, owner) -> tuple[list[float], list[float], dict, int]:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(owner)
    url = f"/api/portfolios/{portfolio.pk}/performance?range=5y"

    def clear():
        if hasattr(cache, "delete_pattern"):
            cache.delete_pattern("portfolios:*")
        else:
            cache.clear()

    cold, warm = [], []
    body, queries = {}, 0
    for _ in range(COLD_RUNS):
        clear()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            cold.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content[:500]
        body, queries = response.json(), len(captured)
        assert not body["prices_missing"], "the benchmark portfolio has positions without prices"
    for _ in range(WARM_RUNS):
        started = time.perf_counter()
        client.get(url)
        warm.append((time.perf_counter() - started) * 1000)
    return cold, warm, body, queries


def _numpy_twr(body: dict):
    """The bare computation: the daily value and flow series as arrays, TWR by numpy, timed."""
    import numpy as np

    values = np.array([float(p["value"]) for p in body["series"]])
    deposits = np.array([float(p["net_deposits"]) for p in body["series"]])
    flows = np.diff(deposits, prepend=deposits[0])

    def twr() -> float:
        prev = values[:-1]
        ok = prev > 0
        return float(np.prod((values[1:][ok] - flows[1:][ok]) / prev[ok]) - 1.0)

    runs = 2000
    seconds = min(timeit.repeat(twr, number=runs, repeat=5)) / runs
    return twr(), seconds * 1000, len(values)


def _database(connection) -> str:
    """A database of its own that is kept between runs, so the data is built once."""
    from django.conf import settings

    test = connection.settings_dict.setdefault("TEST", {})
    if connection.vendor == "sqlite":
        test["NAME"] = str(settings.BASE_DIR / "var" / "bench_portfolios.sqlite3")
    else:
        test["NAME"] = "bench_portfolios"
    return test["NAME"]


def _existing():
    """The portfolio of an earlier run, if it was built completely."""
    from portfolios.models import JournalEntry, Portfolio

    portfolio = Portfolio.objects.filter(name=BENCH_PORTFOLIO).select_related("owner").first()
    if portfolio is None:
        return None
    kinds = dict(
        JournalEntry.objects.filter(portfolio=portfolio)
        .order_by()
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    counts = {
        "deposit": kinds.get("deposit", 0),
        "buy": kinds.get("buy", 0),
        "sell": kinds.get("sell", 0),
        "dividend": kinds.get("dividend", 0),
        "fee": kinds.get("fee", 0),
        "settlement": kinds.get("settlement", 0),
    }
    counts["transactions"] = sum(v for k, v in counts.items() if k != "settlement")
    if counts["transactions"] < TRANSACTIONS:
        return None
    from portfolios.models import Price

    counts["bars"] = Price.objects.filter(asset__symbol__in=SYMBOLS).count()
    if counts["bars"] < 1000 * YEARS:
        return None
    return portfolio, portfolio.owner, counts


def run() -> list[dict]:
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases, teardown_test_environment
    from django.utils import timezone

    setup_test_environment()
    original_test = dict(connection.settings_dict.get("TEST", {}))
    _database(connection)
    old = setup_databases(verbosity=0, interactive=False, keepdb=True)
    try:
        started = time.perf_counter()
        found = _existing()
        reused = found is not None
        if not reused:
            found = _build(timezone.now().date() - dt.timedelta(days=1))
        portfolio, owner, counts = found
        build_seconds = time.perf_counter() - started
        cold, warm, body, queries = _measure(portfolio, owner)
        numpy_value, numpy_ms, points = _numpy_twr(body)
    finally:
        teardown_databases(old, verbosity=0, keepdb=True)
        connection.settings_dict["TEST"] = original_test
        teardown_test_environment()

    vendor = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    cold_ms, warm_ms = statistics.median(cold), statistics.median(warm)
    endpoint_twr = float(body["time_weighted_return"])
    data_size = (
        f"{counts['transactions']} transactions ({counts['buy']} buys, {counts['sell']} sells, "
        f"{counts['deposit']} deposits, {counts['dividend']} dividends, {counts['fee']} fees) + "
        f"{counts['settlement']} settlements; {counts['bars']} daily bars of {len(SYMBOLS)} assets over "
        f"{YEARS} years; {points} valuation days; {vendor}"
    )
    common = {"counts": {**counts, "sql_queries_per_cold_request": queries}, "data_size": data_size}
    return [
        {
            "name": "portfolio performance endpoint, 5y, cold (median of 5)",
            "value": round(cold_ms, 1),
            "unit": "ms",
            "baseline": "bare numpy TWR over the same daily series",
            "baseline_value": round(numpy_ms, 4),
            "ratio": round(cold_ms / numpy_ms, 1),
            "target": f"< {TARGET_COLD_MS:.0f} ms",
            "met": cold_ms < TARGET_COLD_MS,
            **common,
        },
        {
            "name": "portfolio performance endpoint, 5y, cached (median of 20)",
            "value": round(warm_ms, 2),
            "unit": "ms",
            "baseline": "bare numpy TWR over the same daily series",
            "baseline_value": round(numpy_ms, 4),
            "ratio": round(warm_ms / numpy_ms, 1),
            "target": "< cold / 5",
            "met": warm_ms < cold_ms / 5,
            **common,
        },
        {
            "name": "endpoint TWR equals the numpy TWR",
            "value": endpoint_twr,
            "unit": "",
            "baseline": "numpy TWR",
            "baseline_value": round(numpy_value, 8),
            "ratio": None,
            "target": "|difference| < 1e-6",
            "met": abs(endpoint_twr - numpy_value) < 1e-6,
            "counts": {"build_seconds": round(build_seconds, 1), "data_reused_from_an_earlier_run": reused},
            "data_size": data_size,
        },
    ]
