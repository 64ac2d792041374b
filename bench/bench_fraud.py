"""assess() latency, in process, for a customer with 10,000 past movements, against a single indexed
primary-key lookup measured in the same run (target: p99 under 5 ms on PostgreSQL).

It builds its own throw-away database (PostgreSQL when DATABASE_URL is set, else SQLite in memory):
the customer's movements (`BENCH_FRAUD_MOVEMENTS`, default 10,000: a long, steady history, against
which a few of the timed events are flagged; the aggregate a decision reads is bounded) go through `fraud.services.record` one by
one (so the aggregate is the real incremental one), an anomaly model is trained on generated activity and activated, then
`assess()` is timed on a mix of withdrawals, deposits, buys and new funding sources (every call
stores its decision, as in production).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import time
from decimal import Decimal

MOVEMENTS = int(os.environ.get("BENCH_FRAUD_MOVEMENTS", "10000"))
SAMPLES = int(os.environ.get("BENCH_FRAUD_SAMPLES", "2000"))
WARMUP = 200
TARGET_P99_MS = 5.0


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(q * (len(ordered) - 1)))))
    return ordered[index]


def _populate(customer, now: dt.datetime) -> None:
    from fraud import services
    from fraud.events import MoneyMovementEvent

    rng = random.Random(5)
    start = now - dt.timedelta(days=400)
    step = (now - dt.timedelta(days=1) - start) / MOVEMENTS
    for k in range(3):
        services.record(
            MoneyMovementEvent(
                customer=customer,
                portfolio_id=1,
                type="new_funding_source",
                method=None,
                amount=Decimal("0"),
                asset=None,
                destination=f"bank_account:bench-{k}",
                occurred_at=start - dt.timedelta(days=1),
                ip="198.51.100.7",
                user_agent="BlockGuardian/3.1 (iPhone)",
            )
        )
    for i in range(MOVEMENTS):
        kind = rng.choices(["buy", "sell", "deposit", "withdrawal"], weights=[45, 30, 15, 10])[0]
        services.record(
            MoneyMovementEvent(
                customer=customer,
                portfolio_id=1,
                type=kind,
                method=None if kind in ("buy", "sell") else "ach",
                amount=Decimal(f"{rng.lognormvariate(6.5, 0.5):.2f}"),
                asset="AAPL" if kind in ("buy", "sell") else None,
                destination=None if kind in ("buy", "sell") else f"bank_account:bench-{rng.randint(0, 2)}",
                occurred_at=start + step * i,
                ip="198.51.100.7",
                user_agent="BlockGuardian/3.1 (iPhone)",
                reference=f"bench:{i}",
            )
        )


def _events(customer, now: dt.datetime, n: int):
    from fraud.events import MoneyMovementEvent

    rng = random.Random(9)
    for i in range(n):
        kind = rng.choices(["withdrawal", "deposit", "buy", "new_funding_source"], weights=[40, 25, 30, 5])[0]
        yield MoneyMovementEvent(
            customer=customer,
            portfolio_id=1,
            type=kind,
            method=None if kind in ("buy", "new_funding_source") else "ach",
            amount=Decimal("0") if kind == "new_funding_source" else Decimal(f"{rng.lognormvariate(6.5, 0.7):.2f}"),
            asset="AAPL" if kind == "buy" else None,
            destination=None if kind == "buy" else f"bank_account:bench-{rng.randint(0, 3)}",
            occurred_at=now + dt.timedelta(seconds=i),
            ip="198.51.100.7" if rng.random() < 0.9 else "203.0.113.50",
            user_agent="BlockGuardian/3.1 (iPhone)",
        )


def run() -> list[dict]:
    import django
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    django.setup()
    vendor = connection.vendor
    if vendor == "postgresql":
        connection.settings_dict.setdefault("TEST", {})["NAME"] = "bench_fraud_" + connection.settings_dict["NAME"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        from accounts.models import User
        from fraud import engine, services
        from fraud.evaluation import train_generated
        from fraud.models import MovementRecord
        from fraud.simulation import ActivityParams
        from fraud.training import model_register_forest

        now = dt.datetime(2026, 3, 3, 15, 0, tzinfo=dt.UTC)
        customer = User.objects.create_user(email="bench-fraud@example.com", password=None)
        User.objects.filter(pk=customer.pk).update(date_joined=now - dt.timedelta(days=800))
        customer.refresh_from_db()
        started = time.perf_counter()
        _populate(customer, now)
        populate_s = time.perf_counter() - started
        forest, features, _, _ = train_generated(
            seed=1, params=ActivityParams(customers=60, history_days=30, days=21, ato=5, card_testing=5, mule=5)
        )
        model_register_forest(forest=forest, features=features, metrics={}, params={"bench": True}, activate=True)
        engine.caches_clear()

        events = list(_events(customer, now, WARMUP + SAMPLES))
        latencies, decisions = [], {"allow": 0, "review": 0, "block": 0}
        by_outcome = {"allow": [], "flagged": []}  # a flagged decision commits its alert durably
        for i, event in enumerate(events):
            t0 = time.perf_counter()
            decision = services.assess(event)
            elapsed = (time.perf_counter() - t0) * 1000
            if i >= WARMUP:
                latencies.append(elapsed)
                decisions[decision.decision] += 1
                by_outcome["allow" if decision.allowed else "flagged"].append(elapsed)
        assert decision.reasons is not None and engine.active_model() is not None
        # not timed: the statements one decision sends (its read, its INSERT, the audit entry,
        # transaction control), for the report
        with CaptureQueriesContext(connection) as captured:
            for event in _events(customer, now + dt.timedelta(hours=2), 50):
                services.assess(event)
        statements = len(captured.captured_queries) / 50

        pk = customer.pk
        baseline = []
        for i in range(WARMUP + SAMPLES):
            t0 = time.perf_counter()
            User.objects.filter(pk=pk).first()
            elapsed = (time.perf_counter() - t0) * 1000
            if i >= WARMUP:
                baseline.append(elapsed)
        recorded = MovementRecord.objects.filter(customer=customer).count()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    p50, p99 = statistics.median(latencies), _percentile(latencies, 0.99)
    b50, b99 = statistics.median(baseline), _percentile(baseline, 0.99)
    on_pg = vendor == "postgresql"
    common = {
        "counts": {
            **decisions,
            "samples": SAMPLES,
            "populate_seconds": round(populate_s, 1),
            "statements_per_assess": statements,
            **{
                f"{outcome}_p50_p99_ms": [round(statistics.median(v), 2), round(_percentile(v, 0.99), 2)]
                for outcome, v in by_outcome.items()
                if v
            },
        },
        "data_size": f"{recorded} past movements of one customer ({vendor})",
        "baseline": "primary-key lookup (ORM, indexed)",
    }
    return [
        {
            "name": "fraud assess() p50",
            "value": round(p50, 3),
            "unit": "ms",
            "baseline_value": round(b50, 3),
            "ratio": round(p50 / b50, 1),
            "target": None,
            "met": None,
            **common,
        },
        {
            "name": "fraud assess() p99",
            "value": round(p99, 3),
            "unit": "ms",
            "baseline_value": round(b99, 3),
            "ratio": round(p99 / b99, 1),
            "target": f"< {TARGET_P99_MS} ms on PostgreSQL",
            "met": (p99 < TARGET_P99_MS) if on_pg else None,
            **common,
        },
    ]


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blockguardian.settings.test")
    for figure in run():
        print(figure)
