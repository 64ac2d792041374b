"""Benchmark: order placement through gunicorn on PostgreSQL.

An authenticated market buy (`POST /api/portfolios/{id}/transactions`, a crypto asset so the market
is always open) runs the whole path: JWT authentication, validation, KYC, fraud's assessment and
stored decision, the transaction, the ledger (portfolio row lock, entry, postings, tax lot,
position), the fill record and the outbox. Measured against an authenticated no-op endpoint served
by the same gunicorn (a bench-only URL mounted beside the project's):

* maximum throughput (closed loop, `CLIENTS` concurrent keep-alive clients for `SECONDS`), as a ratio
  of the no-op's;
* p50/p99 latency at a fixed arrival rate of half the order maximum (open loop, latency counted from
  each request's scheduled start, so queueing shows);
* the outcome counts (filled / refused / errors) and the SQL queries per order (measured in-process;
  `trading/tests/test_concurrency.py` asserts the bound).

Fraud thresholds are raised for the bench customer's burst (thousands of orders a minute from one
customer would otherwise be held for review); the assessment itself still runs for every order.
Celery is eager (settings.test), so fraud's `record` runs in the request after commit.
Needs PostgreSQL (`DATABASE_URL`); on SQLite the benchmark reports that it did not run.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

CLIENTS = 8
SECONDS = 10.0
WORKERS = 2
THREADS = 4
DB_NAME = "bench_trading"
QUERIES_BOUND = 43  # trading/tests/test_concurrency.py asserts the same bound
TARGET_RATIO = 0.2  # order throughput against the authenticated no-op's
TARGET_P99_MS = 150.0  # at half the order maximum
ROOT = Path(__file__).resolve().parent.parent

SETTINGS_MODULE = """
from blockguardian.settings.test import *  # noqa
ROOT_URLCONF = "bench_trading_urls"
DATABASES["default"]["NAME"] = {db!r}
FRAUD_THRESHOLDS = {{**FRAUD_THRESHOLDS, "review_score": 5000, "block_score": 6000}}
"""
URLS_MODULE = """
from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView


class NoopApi(APIView):
    schema = None

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [path("bench/noop", NoopApi.as_view()), path("", include("blockguardian.urls"))]
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _prepare():
    """A verified customer with a large funded portfolio and a crypto asset with a price."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from accounts.models import KycRecord, KycStatus
    from accounts.services import token_pair_issue
    from accounts.tests.factories import UserFactory
    from portfolios import services as ledger
    from portfolios.tests.factories import CryptoAssetFactory

    asset = CryptoAssetFactory(symbol="BENCH-USD", name="Bench coin", quantity_places=4)
    now = timezone.now()
    ledger.prices_load(
        records=[
            {
                "symbol": asset.symbol,
                "timestamp": (now - dt.timedelta(minutes=5)).isoformat(),
                "open": "10",
                "high": "10",
                "low": "10",
                "close": "10",
            }
        ],
        source="bench",
        tag="bench",
    )
    user = UserFactory()
    KycRecord.objects.create(user=user, status=KycStatus.VERIFIED, legal_first_name="Bench", legal_last_name="User")
    portfolio = ledger.portfolio_create(owner=user, name="bench")
    ledger.cash_deposit(portfolio=portfolio, amount=Decimal("100000000.00"), method="wire")
    return user, portfolio, token_pair_issue(user=user).access


def _queries_per_order(user, portfolio) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from accounts.services import token_pair_issue

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_issue(user=user).access}")
    url = f"/api/portfolios/{portfolio.pk}/transactions"
    client.post(url, {"type": "buy", "asset": "BENCH-USD", "quantity": "1"}, format="json")
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, {"type": "buy", "asset": "BENCH-USD", "quantity": "1"}, format="json")
    assert response.status_code == 201, response.content[:300]
    return len(captured)


def _closed_loop(request, seconds: float) -> tuple[float, dict]:
    """Requests per second with CLIENTS clients back to back; status counts."""
    import requests

    counts: dict[int, int] = {}
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client():
        session = requests.Session()
        local: dict[int, int] = {}
        while time.perf_counter() < deadline:
            status = request(session)
            local[status] = local.get(status, 0) + 1
        with lock:
            for k, v in local.items():
                counts[k] = counts.get(k, 0) + v

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts.values()) / (time.perf_counter() - started), counts


def _open_loop(request, rate: float, seconds: float) -> tuple[list[float], dict]:
    """Latencies (ms, from each request's scheduled start) at a fixed arrival rate."""
    import queue

    import requests

    total = int(rate * seconds)
    start = time.perf_counter() + 0.2
    jobs: queue.Queue = queue.Queue()
    for i in range(total):
        jobs.put(start + i / rate)
    latencies: list[float] = []
    counts: dict[int, int] = {}
    lock = threading.Lock()

    def client():
        session = requests.Session()
        while True:
            try:
                scheduled = jobs.get_nowait()
            except queue.Empty:
                return
            delay = scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            status = request(session)
            elapsed = (time.perf_counter() - scheduled) * 1000
            with lock:
                latencies.append(elapsed)
                counts[status] = counts.get(status, 0) + 1

    threads = [threading.Thread(target=client) for _ in range(max(CLIENTS * 2, 16))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, counts


def _serve(port: int, directory: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench_trading_settings",
        "PYTHONPATH": os.pathsep.join([directory, str(ROOT)]),
        "LOG_LEVEL": "ERROR",
    }
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "blockguardian.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--threads",
        str(THREADS),
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, env=env, cwd=str(ROOT), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    import requests

    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/health", timeout=1)
            return server
        except requests.RequestException:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {server.stderr.read().decode()[-2000:]}") from None
            time.sleep(0.3)
    server.terminate()
    raise RuntimeError("gunicorn did not start within 60 s")


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


def run() -> list[dict]:
    from django.conf import settings
    from django.db import connection

    from bench import database_setup, database_teardown

    if connection.vendor != "postgresql":
        return [
            {
                "name": "order placement through gunicorn",
                "value": None,
                "unit": "",
                "target": "runs on PostgreSQL only (set DATABASE_URL)",
                "met": False,
            }
        ]
    database = database_setup(DB_NAME)
    server = None
    try:
        user, portfolio, token = _prepare()
        queries = _queries_per_order(user, portfolio)
        with tempfile.TemporaryDirectory() as directory:
            Path(directory, "bench_trading_settings.py").write_text(SETTINGS_MODULE.format(db=DB_NAME))
            Path(directory, "bench_trading_urls.py").write_text(URLS_MODULE)
            port = _free_port()
            server = _serve(port, directory)
            base = f"http://127.0.0.1:{port}"
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            order_url = f"{base}/api/portfolios/{portfolio.pk}/transactions"
            order_body = '{"type": "buy", "asset": "BENCH-USD", "quantity": "1"}'

            def noop(session) -> int:
                return session.get(f"{base}/bench/noop", headers=headers).status_code

            def order(session) -> int:
                return session.post(order_url, data=order_body, headers=headers).status_code

            assert noop(__import__("requests")) == 200
            _closed_loop(noop, 2.0)  # warm both workers
            noop_rps, _ = _closed_loop(noop, SECONDS)
            order_rps, max_counts = _closed_loop(order, SECONDS)
            latencies, fixed_counts = _open_loop(order, order_rps / 2, SECONDS)
    finally:
        if server is not None:
            _stop(server)
        database_teardown(database)

    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    outcomes = {
        "filled": max_counts.get(201, 0) + fixed_counts.get(201, 0),
        "refused_4xx": sum(v for k, v in {**max_counts}.items() if 400 <= k < 500)
        + sum(v for k, v in fixed_counts.items() if 400 <= k < 500),
        "errors_5xx": sum(v for k, v in max_counts.items() if k >= 500)
        + sum(v for k, v in fixed_counts.items() if k >= 500),
    }
    data_size = (
        f"gunicorn {WORKERS} workers x {THREADS} threads; {CLIENTS} clients; {SECONDS:.0f} s per phase; "
        f"{settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}; {os.cpu_count()} cores shared with the client"
    )
    common = {"counts": {**outcomes, "sql_queries_per_order": queries}, "data_size": data_size}
    return [
        {
            "name": "order placement, maximum throughput",
            "value": round(order_rps, 1),
            "unit": "orders/s",
            "baseline": "authenticated no-op endpoint, same server",
            "baseline_value": round(noop_rps, 1),
            "ratio": round(order_rps / noop_rps, 3),
            "target": f">= {TARGET_RATIO} of the no-op, no 5xx",
            "met": order_rps / noop_rps >= TARGET_RATIO and outcomes["errors_5xx"] == 0,
            **common,
        },
        {
            "name": f"order placement latency p50 at {order_rps / 2:.0f} orders/s",
            "value": round(p50, 1),
            "unit": "ms",
            "baseline": None,
            "baseline_value": None,
            "ratio": None,
            "target": "reported",
            "met": None,
            **common,
        },
        {
            "name": f"order placement latency p99 at {order_rps / 2:.0f} orders/s",
            "value": round(p99, 1),
            "unit": "ms",
            "baseline": "p50",
            "baseline_value": round(p50, 1),
            "ratio": round(p99 / p50, 1),
            "target": f"< {TARGET_P99_MS} ms, no 5xx",
            "met": p99 < TARGET_P99_MS and outcomes["errors_5xx"] == 0,
            **common,
        },
        {
            "name": "SQL queries per order",
            "value": queries,
            "unit": "queries",
            "baseline": "bound asserted in trading/tests/test_concurrency.py",
            "baseline_value": QUERIES_BOUND,
            "ratio": None,
            "target": f"<= {QUERIES_BOUND}",
            "met": queries <= QUERIES_BOUND,
            **common,
        },
    ]
