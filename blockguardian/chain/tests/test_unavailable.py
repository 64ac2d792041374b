"""No chain: enqueueing works, records stay pending, nothing hangs, and anchoring catches up later."""

from __future__ import annotations

import time

import pytest
from django.db import transaction

from blockguardian.chain.client import chain_connect
from blockguardian.chain.errors import ChainNotConfigured, ChainUnavailable
from blockguardian.chain.models import AnchorBatch, AnchoredRecord
from blockguardian.chain.services import anchor_pending, anchor_record_enqueue, anchor_verify
from blockguardian.chain.testing import JsonRpcNode, SilentServer

from .factories import AnchoredRecordFactory, score_payload

pytestmark = pytest.mark.django_db

KIND = "credit_score"


def test_with_the_provider_at_a_closed_port_enqueueing_works_and_records_stay_pending(chain_down):
    started = time.perf_counter()
    with transaction.atomic():
        record = anchor_record_enqueue(kind=KIND, record_id=1, payload=score_payload(1))
    run = anchor_pending(force=True)
    elapsed = time.perf_counter() - started

    record.refresh_from_db()
    assert run.status == "unavailable"
    assert (record.status, record.batch) == ("pending", None)
    assert not AnchorBatch.objects.exists()
    assert elapsed < 1.0


def test_the_outbox_task_does_not_fail_its_caller_when_the_chain_is_down(
    chain_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        record = anchor_record_enqueue(kind=KIND, record_id=2, payload=score_payload(2))

    record.refresh_from_db()
    assert record.status == "pending"


def test_anchoring_catches_up_once_the_provider_is_back(chain_down, settings):
    records = AnchoredRecordFactory.create_batch(3)
    assert anchor_pending(force=True).status == "unavailable"

    port = int(chain_down.rsplit(":", 1)[1])
    with JsonRpcNode(port=port):
        settings.CHAIN_RECEIPT_POLL_SECONDS = 0.02
        run = anchor_pending(force=True)

        assert (run.status, run.records_anchored) == ("ok", 3)
        for record in records:
            assert anchor_verify(kind=KIND, record_id=record.record_id, payload=score_payload(record.record_id)) == (
                "verified"
            )


def test_verify_says_unavailable_for_an_anchored_record_while_the_chain_is_down(settings, chain_down):
    with JsonRpcNode() as node:
        settings.WEB3_PROVIDER_URI = node.uri
        settings.CHAIN_RECEIPT_POLL_SECONDS = 0.02
        AnchoredRecordFactory(record_id="score-1")
        anchor_pending(force=True)
        assert AnchoredRecord.objects.get().status == "anchored"

    settings.WEB3_PROVIDER_URI = chain_down
    started = time.perf_counter()

    assert anchor_verify(kind=KIND, record_id="score-1", payload=score_payload("score-1")) == "unavailable"
    assert time.perf_counter() - started < 1.0


def test_a_node_that_never_answers_fails_within_the_request_timeout(settings):
    settings.CHAIN_SIGNER_KEY = "0x" + "00" * 31 + "01"
    settings.CHAIN_CONNECT_TIMEOUT_SECONDS = 0.3
    settings.CHAIN_REQUEST_TIMEOUT_SECONDS = 0.3
    AnchoredRecordFactory()
    with SilentServer() as silent:
        settings.WEB3_PROVIDER_URI = silent.uri
        started = time.perf_counter()
        run = anchor_pending(force=True)
        elapsed = time.perf_counter() - started

    assert run.status == "unavailable"
    assert elapsed < 1.5
    assert AnchoredRecord.objects.get().status == "pending"


def test_after_a_failure_calls_fail_at_once_during_the_cooldown(settings):
    settings.CHAIN_SIGNER_KEY = "0x" + "00" * 31 + "01"
    settings.CHAIN_REQUEST_TIMEOUT_SECONDS = 0.3
    settings.CHAIN_UNAVAILABLE_COOLDOWN_SECONDS = 30
    with SilentServer() as silent:
        settings.WEB3_PROVIDER_URI = silent.uri
        with pytest.raises(ChainUnavailable):
            chain_connect().block_number()

        started = time.perf_counter()
        with pytest.raises(ChainUnavailable):
            chain_connect().block_number()
        assert time.perf_counter() - started < 0.05


def test_a_json_rpc_provider_without_a_signing_key_is_not_configured(settings):
    settings.WEB3_PROVIDER_URI = "http://127.0.0.1:8545"
    settings.CHAIN_SIGNER_KEY = ""

    with pytest.raises(ChainNotConfigured):
        chain_connect()


def test_anchoring_switched_off_leaves_records_pending(settings):
    settings.CHAIN_ENABLED = False
    record = AnchoredRecordFactory()

    run = anchor_pending(force=True)

    record.refresh_from_db()
    assert (run.status, record.status) == ("not_configured", "pending")
