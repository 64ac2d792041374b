"""The serializers other apps embed to show anchoring and verification."""

from __future__ import annotations

import pytest

from blockguardian.chain.api.serializers import AnchorStatusSerializer, AnchorVerificationSerializer
from blockguardian.chain.selectors import anchor_status, anchor_status_map
from blockguardian.chain.services import anchor_pending

from .factories import AnchoredRecordFactory

pytestmark = pytest.mark.django_db


def test_an_anchored_record_renders_its_batch_transaction_and_block():
    record = AnchoredRecordFactory(record_id="score-1")
    anchor_pending(force=True)
    record.refresh_from_db()

    data = AnchorStatusSerializer(anchor_status(kind="credit_score", record_id="score-1")).data

    assert data["anchor_status"] == "anchored"
    assert data["batch_id"] == str(record.batch.batch_id)
    assert data["tx_hash"] == record.batch.tx_hash
    assert data["block_number"] == record.batch.block_number
    assert data["registry_address"] == record.batch.deployment.contract_address


def test_a_pending_record_renders_only_its_status(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    AnchoredRecordFactory(record_id="score-2")

    data = AnchorStatusSerializer(anchor_status(kind="credit_score", record_id="score-2")).data

    assert data == {
        "anchor_status": "pending",
        "batch_id": None,
        "tx_hash": None,
        "block_number": None,
        "anchored_at": None,
        "chain_id": None,
        "registry_address": None,
    }


def test_the_status_map_reads_many_records_in_one_query(django_assert_num_queries):
    records = AnchoredRecordFactory.create_batch(5)
    anchor_pending(force=True)

    with django_assert_num_queries(1):
        statuses = anchor_status_map(kind="credit_score", record_ids=[r.record_id for r in records] + ["absent"])

    assert set(statuses) == {r.record_id for r in records}
    assert {s.anchor_status for s in statuses.values()} == {"anchored"}


def test_a_verification_renders_its_result_and_the_anchoring():
    data = AnchorVerificationSerializer({"verification": "pending", "anchoring": None}).data

    assert data == {"verification": "pending", "anchoring": None}
