"""The production path: a JSON-RPC node over HTTP, signed raw transactions, receipts, retries."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from blockguardian.chain.client import chain_connect
from blockguardian.chain.models import AnchorBatch, AnchoredRecord, ChainDeployment
from blockguardian.chain.services import (
    _build_batch,
    anchor_failed_retry,
    anchor_pending,
    anchor_verify,
)

from .factories import AnchoredRecordFactory, score_payload

pytestmark = pytest.mark.django_db

KIND = "credit_score"


def _registry(node):
    deployment = ChainDeployment.objects.get(is_current=True)
    return node.w3.eth.contract(
        address=deployment.contract_address, abi=chain_connect().registry(deployment.contract_address).abi
    )


def _set_writer(node, allowed: bool) -> None:
    signer = chain_connect().address
    _registry(node).functions.setWriter(signer, allowed).transact({"from": signer})


def test_the_registry_is_deployed_on_the_node_and_records_anchor_and_verify(rpc_node):
    records = AnchoredRecordFactory.create_batch(3)

    run = anchor_pending(force=True)

    deployment = ChainDeployment.objects.get(is_current=True)
    assert deployment.mode == "rpc"
    assert deployment.deploy_tx_hash and deployment.deploy_block == 1
    assert rpc_node.w3.eth.get_code(deployment.contract_address)
    assert (run.batches_anchored, run.records_anchored) == (1, 3)
    batch = AnchorBatch.objects.get()
    receipt = rpc_node.w3.eth.get_transaction_receipt(batch.tx_hash)
    assert (receipt["status"], receipt["blockNumber"]) == (1, batch.block_number)
    assert receipt["gasUsed"] < 200_000
    for record in records:
        assert (
            anchor_verify(kind=KIND, record_id=record.record_id, payload=score_payload(record.record_id)) == "verified"
        )


def test_a_configured_registry_address_is_used_instead_of_deploying(rpc_node, settings):
    AnchoredRecordFactory()
    anchor_pending(force=True)
    address = ChainDeployment.objects.get().contract_address
    ChainDeployment.objects.all().update(is_current=False)
    chain_connect().known_registries.clear()
    settings.CHAIN_REGISTRY_ADDRESS = address
    settings.CHAIN_AUTO_DEPLOY = False
    AnchoredRecordFactory()
    deploys_before = rpc_node.w3.eth.get_transaction_count(chain_connect().address)

    anchor_pending(force=True)

    assert ChainDeployment.objects.get(is_current=True).contract_address == address
    assert rpc_node.w3.eth.get_transaction_count(chain_connect().address) == deploys_before + 1  # the anchor only


def test_without_a_registry_and_with_auto_deploy_off_anchoring_is_not_configured(rpc_node, settings):
    settings.CHAIN_AUTO_DEPLOY = False
    AnchoredRecordFactory()

    assert anchor_pending(force=True).status == "not_configured"
    assert AnchoredRecord.objects.get().status == "pending"


def test_a_refused_batch_is_retried_with_backoff_then_fails_and_can_be_retried(rpc_node, settings):
    settings.CHAIN_MAX_ATTEMPTS = 3
    settings.CHAIN_RETRY_BASE_SECONDS = 30
    AnchoredRecordFactory()
    anchor_pending(force=True)  # deploys and anchors a first record
    _set_writer(rpc_node, False)
    record = AnchoredRecordFactory()
    start = timezone.now()

    with time_machine.travel(start, tick=False):
        first = anchor_pending(force=True)
    batch = AnchorBatch.objects.get(records=record)
    assert (first.batches_retrying, batch.status, batch.attempts) == (1, "ready", 1)
    assert batch.next_attempt_at == start + dt.timedelta(seconds=30)
    assert batch.last_error == "anchor reverted: NotWriter"

    with time_machine.travel(start + dt.timedelta(seconds=10), tick=False):
        assert anchor_pending(force=True).batches_retrying == 0  # not due yet
    with time_machine.travel(start + dt.timedelta(seconds=31), tick=False):
        anchor_pending(force=True)
    batch.refresh_from_db()
    assert (batch.attempts, batch.next_attempt_at) == (2, start + dt.timedelta(seconds=31 + 60))
    with time_machine.travel(start + dt.timedelta(seconds=200), tick=False):
        assert anchor_pending(force=True).batches_failed == 1

    batch.refresh_from_db()
    record.refresh_from_db()
    assert (batch.status, record.status) == ("failed", "failed")

    _set_writer(rpc_node, True)
    assert anchor_failed_retry() == 1
    anchor_pending(force=True)
    record.refresh_from_db()
    assert record.status == "anchored"
    assert anchor_verify(kind=KIND, record_id=record.record_id, payload=score_payload(record.record_id)) == "verified"


def test_a_transaction_not_mined_within_the_receipt_timeout_is_finished_by_a_later_run(rpc_node, settings):
    AnchoredRecordFactory()
    anchor_pending(force=True)
    settings.CHAIN_RECEIPT_TIMEOUT_SECONDS = 0.2
    rpc_node.tester.disable_auto_mine_transactions()
    record = AnchoredRecordFactory()

    run = anchor_pending(force=True)

    batch = AnchorBatch.objects.get(records=record)
    assert (run.batches_sent, run.batches_anchored, batch.status) == (1, 0, "submitted")
    assert batch.tx_hash and batch.nonce is not None

    rpc_node.tester.mine_blocks(1)
    later = anchor_pending()

    batch.refresh_from_db()
    record.refresh_from_db()
    assert (later.batches_anchored, batch.status, record.status) == (1, "anchored", "anchored")


def test_a_batch_sent_by_a_run_that_crashed_before_recording_it_is_not_sent_twice(rpc_node):
    AnchoredRecordFactory()
    anchor_pending(force=True)
    chain = chain_connect()
    deployment = ChainDeployment.objects.get(is_current=True)
    AnchoredRecordFactory()
    batch = _build_batch(deployment=deployment, kind=KIND, size=10)
    # The crashed run: its transaction reached the node, its database update did not.
    sent = chain.anchor_send(
        registry=deployment.contract_address, batch_id=batch.onchain_id, root=batch.root_bytes, kind=KIND
    )
    chain.wait_receipt(sent.tx_hash)
    nonce = chain.nonce()

    anchor_pending(force=True)

    batch.refresh_from_db()
    assert (batch.status, batch.tx_hash) == ("anchored", sent.tx_hash)
    assert chain.nonce() == nonce


def test_a_stuck_transaction_is_replaced_with_the_same_nonce_and_a_higher_fee(rpc_node, settings):
    AnchoredRecordFactory()
    anchor_pending(force=True)
    settings.CHAIN_RECEIPT_TIMEOUT_SECONDS = 0.1
    rpc_node.tester.disable_auto_mine_transactions()
    record = AnchoredRecordFactory()
    anchor_pending(force=True)
    stuck = AnchorBatch.objects.get(records=record)
    stuck_fee = rpc_node.w3.eth.get_transaction(stuck.tx_hash)["maxFeePerGas"]
    settings.CHAIN_RESUBMIT_AFTER_SECONDS = 0

    anchor_pending()

    batch = AnchorBatch.objects.get(pk=stuck.pk)
    assert (batch.status, batch.resubmissions, batch.nonce) == ("submitted", 1, stuck.nonce)
    assert batch.tx_hash != stuck.tx_hash
    assert rpc_node.w3.eth.get_transaction(batch.tx_hash)["maxFeePerGas"] >= stuck_fee * 1.25
    rpc_node.tester.mine_blocks(1)
    anchor_pending()
    batch.refresh_from_db()
    record.refresh_from_db()
    assert (batch.status, record.status) == ("anchored", "anchored")
    assert rpc_node.w3.eth.get_transaction_count(chain_connect().address) == stuck.nonce + 1
