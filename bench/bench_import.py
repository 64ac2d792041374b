"""Benchmark: `manage.py import_transactions` (target: 1,000,000 rows in under 5 minutes), against
PostgreSQL's COPY of the same CSV file into an UNLOGGED staging table of text columns, measured in
the same run (the floor for reading that many rows into the database).

It builds its own throw-away database: legacy customers (a profile `external_id`, verified KYC,
one portfolio each) and ten assets (eight NYSE stocks, two crypto assets). A CSV of
`BENCH_IMPORT_ROWS` rows (default 2,000) is streamed to a temporary file: ACH, wire and branch cash
deposits (the branch rows with the conductor's verified identity), buys, sells of what was bought,
withdrawals and dividends, spread over the customers and the NYSE sessions of the last two years,
in time order, each row valid against the customer's simulated cash and positions (a realistic file
has 0 rejects; the count is reported). The real command runs over it (`--no-progress`, batches of
`TRADING_IMPORT_BATCH`), then `verify_ledger`, then the same command again over the same file,
where every row must be skipped (idempotency; timed as its own figure).

The time for 1,000,000 rows is projected linearly from the measured rows and labelled so; with
`BENCH_IMPORT_ROWS=1000000` it is the measured time. The row-by-row ledger path (about 30 SQL
statements and 10 audit log entries a row) books tens of rows a second on this machine, so the
default keeps the whole benchmark to two or three minutes. Needs PostgreSQL
(`DATABASE_URL`); on SQLite the benchmark reports that it did not run.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import random
import re
import tempfile
import time
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "2000"))
ROWS_PER_CUSTOMER = 100
HISTORY_DAYS = 730
QUIET_DAYS = 10  # the newest row is this old, so every ACH deposit and trade is due to settle
TARGET_ROWS = 1_000_000
TARGET_SECONDS = 300.0
SESSION_SECONDS = 6 * 3600 + 30 * 60  # 09:30 to 16:00 New York
STAGING = "bench_import_staging"

# (symbol, starting price, crypto)
ASSETS = [
    ("AAPL", "185.00", False),
    ("MSFT", "410.00", False),
    ("JPM", "195.00", False),
    ("KO", "61.00", False),
    ("XOM", "112.00", False),
    ("JNJ", "156.00", False),
    ("PG", "163.00", False),
    ("VZ", "40.00", False),
    ("BTC-USD", "62000.00", True),
    ("ETH-USD", "3100.00", True),
]
CENT = Decimal("0.01")
ZERO = Decimal("0")


class _Customer:
    __slots__ = ("cash", "external_id", "portfolio", "positions")

    def __init__(self, external_id: str, portfolio: int):
        self.external_id = external_id
        self.portfolio = portfolio
        self.cash = ZERO
        self.positions: dict[str, Decimal] = {}


def _setup(customers: int, start: dt.datetime) -> tuple[list[_Customer], dict[str, int]]:
    """Verified legacy customers with one portfolio each, and the assets (symbol → quantity places)."""
    from accounts.models import User
    from accounts.tests.factories import CustomerProfileFactory
    from portfolios import services as ledger
    from portfolios.tests.factories import AssetFactory, CryptoAssetFactory
    from trading.tests.factories import verified_customer

    places = {}
    for symbol, _, crypto in ASSETS:
        factory = CryptoAssetFactory if crypto else AssetFactory
        asset = factory(symbol=symbol, name=f"{symbol} (bench)")
        places[symbol] = asset.quantity_places
    made = []
    for k in range(customers):
        user = verified_customer(email=f"legacy-{k:06d}@example.com")
        CustomerProfileFactory(user=user, external_id=f"LEG-C{k:06d}")
        portfolio = ledger.portfolio_create(owner=user, name="Legacy")
        made.append(_Customer(f"LEG-C{k:06d}", portfolio.pk))
    User.objects.filter(profile__external_id__startswith="LEG-C").update(date_joined=start - dt.timedelta(days=30))
    return made, places


def _sessions(first: dt.date, last: dt.date) -> list[dt.datetime]:
    """The 09:30 New York opening of every NYSE session between the two dates."""
    from blockguardian.calendar import business_tz, is_trading_day

    tz = business_tz()
    days, day = [], first
    while day <= last:
        if is_trading_day(day):
            days.append(dt.datetime.combine(day, dt.time(9, 30), tzinfo=tz))
        day += dt.timedelta(days=1)
    return days


def _write_csv(path: Path, rows: int, customers: list[_Customer], places: dict[str, int]) -> dict[str, int]:
    """Stream `rows` valid rows, in time order, to `path`; returns the rows per type."""
    from blockguardian.calendar import business_date
    from blockguardian.money import quantize_cash
    from trading.services.imports import IMPORT_COLUMNS as COLUMNS

    rng = random.Random(14)
    today = business_date()
    sessions = _sessions(today - dt.timedelta(days=HISTORY_DAYS), today - dt.timedelta(days=QUIET_DAYS))
    step = len(sessions) * SESSION_SECONDS / rows
    prices = {symbol: Decimal(price) for symbol, price, _ in ASSETS}
    crypto = {symbol for symbol, _, is_crypto in ASSETS if is_crypto}
    stocks = [symbol for symbol, _, is_crypto in ASSETS if not is_crypto]
    symbols = [symbol for symbol, _, _ in ASSETS]
    # A few customers trade a lot, most a little.
    weights = [rng.lognormvariate(0, 1) for _ in customers]
    cumulative, total = [], 0.0
    for w in weights:
        total += w
        cumulative.append(total)
    kinds = {"deposit": 0, "buy": 0, "sell": 0, "withdrawal": 0, "dividend": 0, "deposits in branch cash": 0}
    current_day = -1

    def money(value: float) -> Decimal:
        return Decimal(str(value)).quantize(CENT, rounding=ROUND_DOWN)

    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for i in range(rows):
            offset = i * step
            day = int(offset // SESSION_SECONDS)
            if day != current_day:  # a daily random walk of the prices
                current_day = day
                for symbol in symbols:
                    drift = math.exp(rng.gauss(0.0003, 0.015))
                    prices[symbol] = max(CENT, (prices[symbol] * Decimal(str(drift))).quantize(CENT))
            moment = sessions[day] + dt.timedelta(seconds=int(offset % SESSION_SECONDS))
            customer = customers[rng.choices(range(len(customers)), cum_weights=cumulative)[0]]
            row = dict.fromkeys(COLUMNS, "")
            row.update(
                external_id=f"LEG-T{i:08d}",
                customer_external_id=customer.external_id,
                portfolio=str(customer.portfolio),
                executed_at=moment.isoformat(),
            )
            kind = rng.choices(["buy", "sell", "deposit", "withdrawal", "dividend"], weights=[35, 22, 20, 12, 11])[0]
            held = [s for s, q in customer.positions.items() if q > 0]
            if customer.cash < 50 and kind in ("buy", "withdrawal"):
                kind = "deposit"
            if kind == "sell" and not held:
                kind = "buy" if customer.cash >= 50 else "deposit"
            if kind == "dividend" and not [s for s in held if s not in crypto]:
                kind = "deposit"
            if kind == "buy":
                symbol = rng.choice(stocks if rng.random() < 0.8 else sorted(crypto))
                price = prices[symbol]
                fee = Decimal("4.95") if rng.random() < 0.2 else ZERO
                budget = customer.cash * Decimal(str(rng.uniform(0.05, 0.35))) - fee
                quantity = (budget / price).quantize(Decimal(1).scaleb(-min(places[symbol], 4)), rounding=ROUND_DOWN)
                gross = quantize_cash(quantity * price)
                if quantity <= 0 or gross < 1 or gross + fee > customer.cash:
                    kind = "deposit"
                else:
                    customer.cash -= gross + fee
                    customer.positions[symbol] = customer.positions.get(symbol, ZERO) + quantity
                    row.update(
                        asset=symbol, quantity=f"{quantity:f}", price=f"{price:f}", fee=f"{fee:f}" if fee else ""
                    )
            elif kind == "sell":
                symbol = rng.choice(held)
                price, owned = prices[symbol], customer.positions[symbol]
                if rng.random() < 0.3:
                    quantity = owned
                else:
                    unit = Decimal(1).scaleb(-min(places[symbol], 4))
                    quantity = max(unit, (owned * Decimal(str(rng.uniform(0.1, 0.9)))).quantize(unit, ROUND_DOWN))
                gross = quantize_cash(quantity * price)
                fee = Decimal("4.95") if gross > 100 and rng.random() < 0.2 else ZERO
                if gross < 1:
                    kind = "deposit"
                else:
                    customer.cash += gross - fee
                    customer.positions[symbol] = owned - quantity
                    row.update(
                        asset=symbol, quantity=f"{quantity:f}", price=f"{price:f}", fee=f"{fee:f}" if fee else ""
                    )
            elif kind == "withdrawal":
                amount = money(float(customer.cash) * rng.uniform(0.1, 0.5))
                if amount < 1:
                    kind = "deposit"
                else:
                    customer.cash -= amount
                    row.update(method="ach" if rng.random() < 0.85 else "wire", amount=f"{amount:f}")
            elif kind == "dividend":
                symbol = rng.choice([s for s in held if s not in crypto])
                amount = quantize_cash(customer.positions[symbol] * Decimal(str(rng.uniform(0.1, 0.9))))
                if amount <= 0:
                    kind = "deposit"
                else:
                    customer.cash += amount
                    row.update(asset=symbol, amount=f"{amount:f}")
            if kind == "deposit":
                method = rng.choices(["ach", "wire", "cash"], weights=[75, 23, 2])[0]
                if method == "ach":
                    amount = money(rng.lognormvariate(7.5, 0.8))
                elif method == "wire":
                    amount = money(rng.lognormvariate(9.5, 0.7))
                else:
                    amount = money(rng.uniform(100, 9500))
                    kinds["deposits in branch cash"] += 1
                    row.update(
                        branch=rng.choice(["Main St", "Harbor Point", "5th Avenue"]),
                        conductor_name="Avery Jordan",
                        conductor_date_of_birth="1980-05-17",
                        conductor_address="350 Fifth Avenue, New York, NY 10118",
                        conductor_id_type="drivers_license",
                        conductor_id_number=f"D{rng.randrange(10**7, 10**8)}",
                        conductor_id_issuer="NY",
                        conductor_is_customer="true",
                        conductor_identity_verified="true",
                    )
                amount = max(amount, Decimal("1.00"))
                customer.cash += amount
                row.update(method=method, amount=f"{amount:f}")
            row["type"] = kind
            kinds[kind] += 1
            writer.writerow([row[c] for c in COLUMNS])
    return kinds


def _import(path: Path) -> tuple[float, dict[str, int]]:
    """Run the real command; returns its seconds and its counts (read, imported, skipped, rejected)."""
    from django.core.management import call_command

    out = io.StringIO()
    report = path.with_suffix(".rejected.csv")
    started = time.perf_counter()
    call_command("import_transactions", str(path), "--no-progress", "--report", str(report), stdout=out)
    seconds = time.perf_counter() - started
    found = re.search(r"read (\d+), imported (\d+), already imported (\d+), rejected (\d+)", out.getvalue())
    if found is None:
        raise AssertionError(f"unexpected output of import_transactions: {out.getvalue()!r}")
    read, imported, skipped, rejected = (int(g) for g in found.groups())
    if rejected:
        with report.open(newline="", encoding="utf-8") as fh:
            reasons = [r["reason"] for r in csv.DictReader(fh)]
        print(f"  import_transactions rejected {rejected} rows, e.g. {sorted(set(reasons))[:5]}", flush=True)
    return seconds, {"read": read, "imported": imported, "skipped": skipped, "rejected": rejected}


def _copy_baseline(path: Path) -> tuple[float, int]:
    """COPY the same file into an UNLOGGED staging table of text columns; returns seconds and rows."""
    from django.db import connection

    from trading.services.imports import IMPORT_COLUMNS as COLUMNS

    columns = ", ".join(f"{c} text" for c in COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")
        cursor.execute(f"CREATE UNLOGGED TABLE {STAGING} ({columns})")
        raw = cursor.cursor  # the psycopg cursor: COPY FROM STDIN
        started = time.perf_counter()
        with (
            path.open("rb") as fh,
            raw.copy(f"COPY {STAGING} ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
        ):
            while chunk := fh.read(1 << 20):
                copy.write(chunk)
        seconds = time.perf_counter() - started
        cursor.execute(f"SELECT count(*) FROM {STAGING}")  # noqa: S608 - a constant table name
        copied = cursor.fetchone()[0]
        cursor.execute(f"DROP TABLE {STAGING}")
    return seconds, copied


def _ledger_ok() -> tuple[bool, float]:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    started = time.perf_counter()
    try:
        call_command("verify_ledger", stdout=io.StringIO(), stderr=io.StringIO())
        ok = True
    except CommandError:
        ok = False
    return ok, time.perf_counter() - started


def run() -> list[dict]:
    import django
    from django.db import connection

    django.setup()
    if connection.vendor != "postgresql":
        return [
            {
                "name": "import_transactions (not run: needs PostgreSQL)",
                "value": None,
                "unit": "",
                "baseline": None,
                "baseline_value": None,
                "ratio": None,
                "target": f"{TARGET_ROWS:,} rows < {TARGET_SECONDS / 60:.0f} min",
                "met": None,
                "counts": {},
                "data_size": None,
            }
        ]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = "bench_import_" + connection.settings_dict["NAME"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        customers_n = max(20, ROWS // ROWS_PER_CUSTOMER)
        started = time.perf_counter()
        start = dt.datetime.now(dt.UTC) - dt.timedelta(days=HISTORY_DAYS)
        customers, places = _setup(customers_n, start)
        setup_s = time.perf_counter() - started
        with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
            path = Path(tmp) / "legacy-activity.csv"
            started = time.perf_counter()
            kinds = _write_csv(path, ROWS, customers, places)
            write_s = time.perf_counter() - started
            file_mib = path.stat().st_size / 2**20
            copy_s, copied = _copy_baseline(path)
            import_s, first = _import(path)
            load = os.getloadavg()[0]  # other work on the machine slows the row-by-row path
            ledger_ok, verify_s = _ledger_ok()
            rerun_s, second = _import(path)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    if copied != ROWS:
        raise AssertionError(f"COPY read {copied} rows of {ROWS}")
    rate, copy_rate, rerun_rate = ROWS / import_s, ROWS / copy_s, ROWS / rerun_s
    measured = ROWS >= TARGET_ROWS
    million_s = import_s if measured else import_s * TARGET_ROWS / ROWS
    copy_million_s = copy_s if measured else copy_s * TARGET_ROWS / ROWS
    label = "measured" if measured else f"projected from {ROWS:,} rows"
    data_size = (
        f"{ROWS:,} CSV rows ({file_mib:.1f} MiB) of {customers_n:,} customers over {HISTORY_DAYS} days: "
        + ", ".join(f"{k} {v}" for k, v in kinds.items())
    )
    baseline = "PostgreSQL COPY of the same CSV into an UNLOGGED staging table (text columns)"
    counts = {
        **{k: v for k, v in first.items() if k != "read"},
        "ledger": "ok" if ledger_ok else "NOT OK",
        "setup_s": round(setup_s, 1),
        "write_csv_s": round(write_s, 1),
        "import_s": round(import_s, 1),
        "verify_ledger_s": round(verify_s, 1),
        "load_avg_1m": round(load, 1),
    }
    idempotent = second["skipped"] == ROWS and second["imported"] == 0 and second["rejected"] == 0
    return [
        {
            "name": f"import_transactions throughput ({ROWS:,} rows)",
            "value": round(rate, 1),
            "unit": "rows/s",
            "baseline": baseline,
            "baseline_value": round(copy_rate),
            "ratio": float(f"{rate / copy_rate:.2g}"),
            "target": None,
            "met": None,
            "counts": counts,
            "data_size": data_size,
        },
        {
            "name": f"import_transactions of {TARGET_ROWS:,} rows ({label})",
            "value": round(million_s, 1),
            "unit": "s",
            "baseline": f"{baseline}, {label}",
            "baseline_value": round(copy_million_s, 2),
            "ratio": round(million_s / copy_million_s, 1),
            "target": f"{TARGET_ROWS:,} rows < {TARGET_SECONDS / 60:.0f} min",
            "met": million_s < TARGET_SECONDS,
            "counts": counts,
            "data_size": data_size,
        },
        {
            "name": f"import_transactions re-run of the same file ({ROWS:,} rows, all skipped)",
            "value": round(rerun_rate, 1),
            "unit": "rows/s",
            "baseline": baseline,
            "baseline_value": round(copy_rate),
            "ratio": float(f"{rerun_rate / copy_rate:.2g}"),
            "target": "every row skipped",
            "met": idempotent,
            "counts": {**{k: v for k, v in second.items() if k != "read"}, "rerun_s": round(rerun_s, 1)},
            "data_size": data_size,
        },
    ]


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blockguardian.settings.test")
    for figure in run():
        print(figure)
