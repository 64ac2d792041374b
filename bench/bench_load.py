"""Benchmark: a realistic mix under load, with locust headless on loopback, through gunicorn on
PostgreSQL and Redis, under the benchmark settings profile (`blockguardian.settings.bench`: rate
limits raised, lockout and every other check unchanged).

`USERS` simulated clients, each a customer with a verified identity and a funded portfolio, for
`SECONDS` (bounded in time; locust stops the users when it is up). Each client repeats, with
locust's weights: a login (password, no second factor: customers without one get tokens), its
holdings, its performance, a market buy of a crypto asset (always open), and a credit score request.
Reported: requests, the error rate (any 5xx, any refused request, any connection failure), and the
p50/p95/p99 of each kind and of all, against the authenticated no-op endpoint's p50 in the same run.
Target: error rate 0.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.bench_trading import URLS_MODULE, _free_port, _serve, _stop

USERS = 20
SPAWN_RATE = 20
SECONDS = 60
DB_NAME = "bench_load"
ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-load-password-1"  # noqa: S105 - a benchmark customer in a throwaway database

SETTINGS_MODULE = """
from blockguardian.settings.bench import *  # noqa
ROOT_URLCONF = "bench_trading_urls"
DATABASES["default"]["NAME"] = {db!r}
"""

LOCUSTFILE = """
import json, os, random
from locust import HttpUser, between, task

CUSTOMERS = json.load(open(os.environ["BENCH_LOAD_CUSTOMERS"]))
APPLICATION = json.loads(os.environ["BENCH_LOAD_APPLICATION"])


class Customer(HttpUser):
    wait_time = between(0.05, 0.3)

    def on_start(self):
        self.me = CUSTOMERS[random.randrange(len(CUSTOMERS))]
        self.headers = {"Authorization": "Bearer " + self.me["token"]}

    @task(1)
    def login(self):
        self.client.post("/api/auth/login", json={"email": self.me["email"], "password": self.me["password"]}, name="login")

    @task(4)
    def holdings(self):
        self.client.get(f"/api/portfolios/{self.me['portfolio']}/holdings", headers=self.headers, name="holdings")

    @task(2)
    def performance(self):
        self.client.get(f"/api/portfolios/{self.me['portfolio']}/performance", headers=self.headers, name="performance")

    @task(2)
    def order(self):
        self.client.post(
            f"/api/portfolios/{self.me['portfolio']}/transactions",
            json={"type": "buy", "asset": "BENCH-USD", "quantity": "1"},
            headers=self.headers,
            name="order",
        )

    @task(1)
    def score(self):
        self.client.post("/api/credit/calculate-score", json=APPLICATION, headers=self.headers, name="score")

    @task(1)
    def noop(self):
        self.client.get("/bench/noop", headers=self.headers, name="noop (baseline)")
"""


def _prepare() -> list[dict]:
    """`USERS` verified customers with funded portfolios, a priced crypto asset, an active scorecard."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from accounts.models import KycRecord, KycStatus
    from accounts.services import token_pair_issue
    from accounts.tests.factories import UserFactory
    from credit.services import credit_model_ensure_active
    from portfolios import services as ledger
    from portfolios.tests.factories import CryptoAssetFactory

    credit_model_ensure_active()
    asset = CryptoAssetFactory(symbol="BENCH-USD", name="Bench coin", quantity_places=4)
    moment = (timezone.now() - dt.timedelta(minutes=5)).isoformat()
    ledger.prices_load(
        records=[{"symbol": asset.symbol, "timestamp": moment, "open": "10", "high": "10", "low": "10", "close": "10"}],
        source="bench",
        tag="bench",
    )
    customers = []
    for n in range(USERS):
        user = UserFactory(email=f"load{n}@example.com", password=PASSWORD)
        KycRecord.objects.create(user=user, status=KycStatus.VERIFIED, legal_first_name="Load", legal_last_name="Test")
        portfolio = ledger.portfolio_create(owner=user, name="load")
        ledger.cash_deposit(portfolio=portfolio, amount=Decimal("10000000.00"), method="wire")
        customers.append(
            {
                "email": user.email,
                "password": PASSWORD,
                "portfolio": portfolio.pk,
                "token": token_pair_issue(user=user).access,
            }
        )
    return customers


def _locust(base: str, directory: str, customers: list[dict]) -> list[dict]:
    from credit.tests.factories import APPLICATION

    Path(directory, "locustfile.py").write_text(LOCUSTFILE)
    Path(directory, "customers.json").write_text(json.dumps(customers))
    prefix = str(Path(directory, "load"))
    env = {
        **os.environ,
        "BENCH_LOAD_CUSTOMERS": str(Path(directory, "customers.json")),
        "BENCH_LOAD_APPLICATION": json.dumps(APPLICATION),
    }
    command = [
        str(Path(sys.executable).with_name("locust")),
        "-f",
        str(Path(directory, "locustfile.py")),
        "--headless",
        "--host",
        base,
        "--users",
        str(USERS),
        "--spawn-rate",
        str(SPAWN_RATE),
        "--run-time",
        f"{SECONDS}s",
        "--stop-timeout",
        "10",
        "--csv",
        prefix,
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    subprocess.run(command, env=env, cwd=directory, check=False, timeout=SECONDS + 120, capture_output=True)
    with open(f"{prefix}_stats.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def run() -> list[dict]:
    from django.db import connection

    from bench import database_setup, database_teardown

    if connection.vendor != "postgresql":
        return [
            {"name": "load test", "value": None, "target": "runs on PostgreSQL only (set DATABASE_URL)", "met": False}
        ]
    database = database_setup(DB_NAME)
    server = None
    try:
        customers = _prepare()
        with tempfile.TemporaryDirectory() as directory:
            Path(directory, "bench_trading_settings.py").write_text(SETTINGS_MODULE.format(db=DB_NAME))
            Path(directory, "bench_trading_urls.py").write_text(URLS_MODULE)
            port = _free_port()
            server = _serve(port, directory)
            rows = _locust(f"http://127.0.0.1:{port}", directory, customers)
    finally:
        if server is not None:
            _stop(server)
        database_teardown(database)

    by_name = {row["Name"]: row for row in rows}
    total = by_name["Aggregated"]
    requests, failures = int(total["Request Count"]), int(total["Failure Count"])
    noop_p50 = float(by_name["noop (baseline)"]["50%"])
    counts = {
        name: {
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "p50_ms": float(row["50%"]),
            "p95_ms": float(row["95%"]),
            "p99_ms": float(row["99%"]),
        }
        for name, row in by_name.items()
    }
    data_size = f"{USERS} locust users for {SECONDS} s against gunicorn (2 workers x 4 threads), loopback, {os.cpu_count()} cores shared"
    figures = [
        {
            "name": "load test error rate",
            "value": round(failures / requests, 5) if requests else None,
            "unit": "",
            "baseline": "requests",
            "baseline_value": requests,
            "ratio": None,
            "target": "0",
            "met": requests > 0 and failures == 0,
            "counts": counts,
            "data_size": data_size,
        }
    ]
    for name in ("login", "holdings", "performance", "order", "score", "Aggregated"):
        if name in counts:
            figures.append(
                {
                    "name": f"load test {name.lower()} p50 / p99",
                    "value": f"{counts[name]['p50_ms']:.0f} / {counts[name]['p99_ms']:.0f}",
                    "unit": "ms",
                    "baseline": "authenticated no-op p50 in the same run (ms)",
                    "baseline_value": noop_p50,
                    "ratio": round(counts[name]["p50_ms"] / noop_p50, 1) if noop_p50 else None,
                    "target": "reported",
                    "met": None,
                    "counts": counts[name],
                    "data_size": data_size,
                }
            )
    return figures
