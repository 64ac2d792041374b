"""Concurrent anchoring runs (several workers): each record lands in exactly one batch, sent once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from blockguardian.chain.client import chain_connect
from blockguardian.chain.models import AnchorBatch, AnchoredRecord
from blockguardian.chain.services import anchor_pending, anchor_record_enqueue, chain_deployment_ensure

from .factories import score_payload

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_runs_never_put_a_record_in_two_batches_or_send_a_batch_twice(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CHAIN_BATCH_MAX_RECORDS = 10
    with transaction.atomic():
        for i in range(60):
            anchor_record_enqueue(kind="credit_score", record_id=i, payload=score_payload(i))
    chain = chain_connect()
    chain_deployment_ensure(chain=chain)
    nonce_before = chain.nonce()
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def worker() -> None:
        try:
            barrier.wait()
            anchor_pending()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    batches = AnchorBatch.objects.all()
    assert sum(b.record_count for b in batches) == 60
    assert set(batches.values_list("status", flat=True)) == {"anchored"}
    assert AnchoredRecord.objects.filter(status="anchored").count() == 60
    assert chain.nonce() - nonce_before == batches.count()
