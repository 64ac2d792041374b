"""Chain anchoring: transactions and time to anchor 1,000 records, and the cost of one verification.

Runs on a throw-away test database and the in-process EVM (the production path: batches close at
`CHAIN_BATCH_MAX_RECORDS`, as the worker does; no eager relay).
"""

from __future__ import annotations

import statistics
import time

RECORDS = 1000
UNBATCHED_SAMPLE = 50


def _payload(i: int) -> dict:
    import datetime as dt
    from decimal import Decimal

    return {
        "score_id": i,
        "score": 300 + i % 551,
        "model_version": "credit-scorecard v3",
        "probability_of_default": Decimal("0.0421"),
        "scored_at": dt.datetime(2026, 3, 2, 14, 30, tzinfo=dt.UTC),
    }


def _enqueue(kind: str, ids: range) -> None:
    from django.db import transaction

    from blockguardian.chain.services import anchor_record_enqueue

    for i in ids:
        with transaction.atomic():
            anchor_record_enqueue(kind=kind, record_id=i, payload=_payload(i))


def _measure() -> list[dict]:
    from django.conf import settings

    from blockguardian.chain.client import chain_connect
    from blockguardian.chain.conf import setting
    from blockguardian.chain.models import AnchoredRecord
    from blockguardian.chain.services import (
        anchor_pending,
        anchor_record_process,
        anchor_verify,
        anchor_verify_many,
        chain_deployment_ensure,
    )

    settings.CELERY_TASK_ALWAYS_EAGER = False
    batch_size = setting("CHAIN_BATCH_MAX_RECORDS")
    chain = chain_connect()
    chain_deployment_ensure(chain=chain)

    # Batched: 1,000 records, the worker's task per record, the beat run for the remainder.
    nonce = chain.nonce()
    started = time.perf_counter()
    _enqueue("bench_batched", range(RECORDS))
    for record_id in AnchoredRecord.objects.filter(kind="bench_batched").values_list("pk", flat=True):
        anchor_record_process(anchored_record_id=record_id)
    anchor_pending(force=True)
    batched_seconds = time.perf_counter() - started
    batched_txs = chain.nonce() - nonce
    assert AnchoredRecord.objects.filter(kind="bench_batched", status="anchored").count() == RECORDS

    # Baseline: one transaction per record (a batch of one), on a sample.
    nonce = chain.nonce()
    started = time.perf_counter()
    for i in range(UNBATCHED_SAMPLE):
        _enqueue("bench_single", range(i, i + 1))
        anchor_pending(force=True)
    single_seconds_per_record = (time.perf_counter() - started) / UNBATCHED_SAMPLE
    single_txs_per_record = (chain.nonce() - nonce) / UNBATCHED_SAMPLE

    # Verification: one record through the chain, versus all 1,000 with one chain read per batch.
    latencies = []
    for i in range(0, RECORDS, 20):
        started = time.perf_counter()
        assert anchor_verify(kind="bench_batched", record_id=i, payload=_payload(i)) == "verified"
        latencies.append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    results = anchor_verify_many(kind="bench_batched", payloads={i: _payload(i) for i in range(RECORDS)})
    many_ms_per_record = (time.perf_counter() - started) * 1000 / RECORDS
    assert set(results.values()) == {"verified"}

    per_record_batched = batched_seconds / RECORDS
    verify_p50 = statistics.median(latencies)
    return [
        {
            "name": "chain transactions for 1,000 records",
            "value": batched_txs,
            "unit": "transactions",
            "baseline": "one transaction per record",
            "baseline_value": round(single_txs_per_record * RECORDS),
            "ratio": round(batched_txs / (single_txs_per_record * RECORDS), 4),
            "target": "at most a handful (≤ 5)",
            "met": batched_txs <= 5,
            "counts": {"records": RECORDS, "batch_size": batch_size},
            "data_size": RECORDS,
        },
        {
            "name": "anchoring time per record (enqueue to anchored)",
            "value": round(per_record_batched * 1000, 2),
            "unit": "ms",
            "baseline": f"one transaction per record, measured on {UNBATCHED_SAMPLE}",
            "baseline_value": round(single_seconds_per_record * 1000, 2),
            "ratio": round(per_record_batched / single_seconds_per_record, 3),
            "target": "below the unbatched cost",
            "met": per_record_batched < single_seconds_per_record,
            "data_size": RECORDS,
        },
        {
            "name": "verify one record against the chain (p50)",
            "value": round(verify_p50, 2),
            "unit": "ms",
            "baseline": "per record when verifying 1,000 at once (one chain read per batch)",
            "baseline_value": round(many_ms_per_record, 3),
            "ratio": round(verify_p50 / many_ms_per_record, 1),
            "target": "under 100 ms on the in-process EVM",
            "met": verify_p50 < 100,
            "counts": {"samples": len(latencies)},
            "data_size": RECORDS,
        },
    ]


def run() -> list[dict]:
    from django.db import connection

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        return _measure()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
