"""Anchoring on the in-process EVM: enqueue, batch, anchor, verify, re-anchor, retry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone

from blockguardian.chain import services
from blockguardian.chain.errors import AnchorConflict, AnchoredRecordNotFound, CanonicalFormError
from blockguardian.chain.models import AnchorBatch, AnchoredRecord, ChainDeployment
from blockguardian.chain.services import anchor_pending, anchor_record_enqueue, anchor_verify, anchor_verify_many
from blockguardian.chain.signals import anchor_mismatch
from blockguardian.models import OutboxTask

from .factories import AnchoredRecordFactory, score_payload

pytestmark = pytest.mark.django_db

KIND = "credit_score"


@pytest.fixture
def mismatches():
    received: list[dict] = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    anchor_mismatch.connect(receiver)
    yield received
    anchor_mismatch.disconnect(receiver)


def _anchored(record: AnchoredRecord) -> AnchoredRecord:
    record.refresh_from_db()
    assert record.status == AnchoredRecord.Status.ANCHORED, record.status
    return record


# --- enqueue -------------------------------------------------------------------------------------


def test_enqueue_writes_a_pending_record_and_an_outbox_task_in_the_callers_transaction():
    with transaction.atomic():
        record = anchor_record_enqueue(kind=KIND, record_id=17, payload=score_payload(17))

    assert (record.kind, record.record_id, record.status, record.batch) == (KIND, "17", "pending", None)
    assert len(record.salt) == len(record.leaf) == 66
    task = OutboxTask.objects.get()
    assert (task.task_name, task.kwargs) == ("chain.anchor_record", {"anchored_record_id": record.pk})


def test_a_rolled_back_caller_leaves_no_record_and_no_task():
    with pytest.raises(RuntimeError, match="caller failed"), transaction.atomic():
        anchor_record_enqueue(kind=KIND, record_id=1, payload=score_payload(1))
        raise RuntimeError("caller failed")

    assert not AnchoredRecord.objects.exists()
    assert not OutboxTask.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_enqueue_outside_a_transaction_is_a_programming_error():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        anchor_record_enqueue(kind=KIND, record_id=1, payload=score_payload(1))

    assert not AnchoredRecord.objects.exists()


def test_enqueueing_the_same_payload_again_returns_the_first_record():
    first = AnchoredRecordFactory(record_id="score-5")

    again = AnchoredRecordFactory(record_id="score-5")

    assert again.pk == first.pk
    assert AnchoredRecord.objects.count() == 1


def test_a_different_payload_under_the_same_kind_and_id_is_a_conflict():
    AnchoredRecordFactory(record_id="score-5")

    with pytest.raises(AnchorConflict):
        AnchoredRecordFactory(record_id="score-5", payload=score_payload("score-5", score=851))


@pytest.mark.parametrize("kind", ["", "Credit", "9score", "k" * 33, "credit score"])
def test_a_malformed_kind_is_refused(kind):
    with pytest.raises(ValueError), transaction.atomic():
        anchor_record_enqueue(kind=kind, record_id=1, payload={"score": 1})


def test_a_payload_with_personal_data_is_refused_and_nothing_is_written():
    with pytest.raises(CanonicalFormError), transaction.atomic():
        anchor_record_enqueue(kind=KIND, record_id=1, payload={"score": 700, "email": "a@example.com"})

    assert not AnchoredRecord.objects.exists()


# --- batching ------------------------------------------------------------------------------------


def test_the_embedded_default_anchors_at_once_and_the_record_verifies():
    record = AnchoredRecordFactory(record_id="score-1")

    run = anchor_pending(force=True)

    record = _anchored(record)
    batch = record.batch
    assert (run.batches_anchored, run.records_anchored) == (1, 1)
    assert batch.status == AnchorBatch.Status.ANCHORED
    assert batch.tx_hash.startswith("0x") and batch.block_number > 0 and batch.block_time is not None
    assert batch.deployment.is_current and batch.deployment.mode == "embedded"
    assert (record.leaf_index, record.proof, batch.root) == (0, [], record.leaf)
    assert anchor_verify(kind=KIND, record_id="score-1", payload=score_payload("score-1")) == "verified"


def test_a_batch_closes_when_it_holds_the_configured_number_of_records(settings, production_path):
    settings.CHAIN_BATCH_MAX_RECORDS = 4
    records = AnchoredRecordFactory.create_batch(5)

    run = anchor_pending()

    statuses = [r.status for r in AnchoredRecord.objects.order_by("id")]
    assert statuses == ["anchored"] * 4 + ["pending"]
    assert run.batches_anchored == 1
    assert AnchoredRecord.objects.get(pk=records[-1].pk).batch is None


def test_a_partial_batch_waits_until_its_oldest_record_reaches_the_maximum_age(settings, production_path):
    settings.CHAIN_BATCH_MAX_RECORDS = 100
    settings.CHAIN_BATCH_MAX_AGE_SECONDS = 300
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        AnchoredRecordFactory.create_batch(3)
    with time_machine.travel(start + dt.timedelta(seconds=299), tick=False):
        assert anchor_pending().batches_built == 0
    with time_machine.travel(start + dt.timedelta(seconds=301), tick=False):
        run = anchor_pending()

    assert (run.batches_built, run.records_anchored) == (1, 3)


def test_each_kind_gets_its_own_batch_and_the_registry_stores_the_kind(chain):
    AnchoredRecordFactory(kind="credit_score", record_id="1")
    AnchoredRecordFactory(kind="loan_decision", record_id="1")

    anchor_pending(force=True)

    batches = {b.kind: b for b in AnchorBatch.objects.all()}
    assert set(batches) == {"credit_score", "loan_decision"}
    deployment = ChainDeployment.objects.get(is_current=True)
    for kind, batch in batches.items():
        onchain = chain.anchor_read(registry=deployment.contract_address, batch_id=batch.onchain_id)
        assert (onchain.kind, onchain.root) == (kind, batch.root_bytes)


@pytest.mark.slow
def test_a_thousand_records_anchor_in_two_transactions_and_each_verifies(settings, production_path, chain):
    settings.CHAIN_BATCH_MAX_RECORDS = 500
    records = AnchoredRecordFactory.create_batch(1000)
    services.chain_deployment_ensure(chain=chain)  # the registry exists before counting transactions
    nonce_before = chain.nonce()

    # The worker runs the outbox task of each record: a batch closes each time 500 are waiting.
    for task in OutboxTask.objects.order_by("id"):
        services.anchor_record_process(**task.kwargs)

    transactions = chain.nonce() - nonce_before
    assert transactions == 2
    assert AnchorBatch.objects.filter(status="anchored").count() == 2
    assert not AnchoredRecord.objects.exclude(status="anchored").exists()
    # Each record's own leaf and proof against its batch's root on chain (one chain read per batch) ...
    results = anchor_verify_many(kind=KIND, payloads={r.record_id: score_payload(r.record_id) for r in records})
    assert len(results) == 1000 and set(results.values()) == {"verified"}
    # ... and through the single-record call the verify endpoints use, for a sample of them.
    sample = records[::50]
    assert {anchor_verify(kind=KIND, record_id=r.record_id, payload=score_payload(r.record_id)) for r in sample} == {
        "verified"
    }
    assert max(len(r.proof) for r in AnchoredRecord.objects.all()) == 9


# --- verification --------------------------------------------------------------------------------


def test_a_payload_changed_after_anchoring_is_a_mismatch_and_sends_the_signal(mismatches):
    AnchoredRecordFactory(record_id="score-3")
    anchor_pending(force=True)

    changed = score_payload("score-3", score=850)

    assert anchor_verify(kind=KIND, record_id="score-3", payload=changed) == "mismatch"
    assert mismatches == [
        {
            "signal": anchor_mismatch,
            "kind": KIND,
            "record_id": "score-3",
            "reason": "payload_differs",
            "batch_id": str(AnchoredRecord.objects.get().batch.batch_id),
        }
    ]


def test_a_stored_row_changed_with_raw_sql_after_anchoring_is_a_mismatch(mismatches):
    # A stand-in for another app's table: the payload is rebuilt from the database on each verify.
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE chain_test_score (id integer PRIMARY KEY, score integer, amount varchar(20))")
        cursor.execute("INSERT INTO chain_test_score VALUES (1, 640, '1500.00')")

    def payload_from_db() -> dict:
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, score, amount FROM chain_test_score WHERE id = 1")
            row = cursor.fetchone()
        return {"score_id": row[0], "score": row[1], "amount": Decimal(row[2])}

    with transaction.atomic():
        anchor_record_enqueue(kind=KIND, record_id=1, payload=payload_from_db())
    anchor_pending(force=True)
    assert anchor_verify(kind=KIND, record_id=1, payload=payload_from_db()) == "verified"

    with connection.cursor() as cursor:
        cursor.execute("UPDATE chain_test_score SET score = 790 WHERE id = 1")

    assert anchor_verify(kind=KIND, record_id=1, payload=payload_from_db()) == "mismatch"
    assert [(m["kind"], m["record_id"]) for m in mismatches] == [(KIND, "1")]


def test_a_tampered_proof_is_a_mismatch(mismatches, settings):
    settings.CHAIN_BATCH_MAX_RECORDS = 8
    AnchoredRecordFactory.create_batch(8)
    anchor_pending(force=True)
    victim = AnchoredRecord.objects.order_by("id")[3]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE chain_anchoredrecord SET proof = %s WHERE id = %s", ['["0x' + "ab" * 32 + '"]', victim.pk]
        )

    result = anchor_verify(kind=KIND, record_id=victim.record_id, payload=score_payload(victim.record_id))

    assert result == "mismatch"
    assert mismatches[0]["reason"] == "proof_differs"


def test_a_record_not_yet_anchored_is_pending(production_path):
    AnchoredRecordFactory(record_id="score-9")

    assert anchor_verify(kind=KIND, record_id="score-9", payload=score_payload("score-9")) == "pending"


def test_verifying_a_record_never_enqueued_is_not_found():
    with pytest.raises(AnchoredRecordNotFound):
        anchor_verify(kind=KIND, record_id="nope", payload={"score": 1})


def test_verifying_many_tells_each_record_apart(mismatches, settings):
    records = AnchoredRecordFactory.create_batch(6)
    anchor_pending(force=True)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    late = AnchoredRecordFactory()
    payloads = {r.record_id: score_payload(r.record_id) for r in [*records, late]}
    payloads[records[2].record_id] = score_payload(records[2].record_id, score=301)

    results = anchor_verify_many(kind=KIND, payloads=payloads)

    assert results[records[2].record_id] == "mismatch"
    assert results[late.record_id] == "pending"
    assert [results[r.record_id] for r in records if r != records[2]] == ["verified"] * 5
    assert [m["record_id"] for m in mismatches] == [records[2].record_id]


# --- a new chain ---------------------------------------------------------------------------------


def _anchored_on_an_old_chain(record_ids: list[str]) -> AnchorBatch:
    old = ChainDeployment.objects.create(
        chain_id=1,
        genesis_hash="0x" + "11" * 32,
        contract_address="0x" + "22" * 20,
        mode="embedded",
        is_current=True,
    )
    records = [AnchoredRecordFactory(record_id=rid) for rid in record_ids]
    batch = AnchorBatch.objects.create(
        kind=KIND,
        deployment=old,
        root="0x" + "33" * 32,
        record_count=len(records),
        status="anchored",
        tx_hash="0x" + "44" * 32,
        block_number=7,
    )
    AnchoredRecord.objects.filter(pk__in=[r.pk for r in records]).update(status="anchored", batch=batch)
    return batch


def test_records_anchored_on_a_chain_with_another_genesis_are_re_anchored(production_path):
    old_batch = _anchored_on_an_old_chain(["score-1", "score-2"])

    run = anchor_pending()

    old_batch.refresh_from_db()
    assert run.reanchored == 2
    assert old_batch.status == "superseded"
    assert old_batch.deployment.is_current is False and old_batch.deployment.retired_at is not None
    current = ChainDeployment.objects.get(is_current=True)
    for record in AnchoredRecord.objects.all():
        assert record.status == "anchored"
        assert record.batch.deployment == current
        assert record.times_anchored == 1
        assert (
            anchor_verify(kind=KIND, record_id=record.record_id, payload=score_payload(record.record_id)) == "verified"
        )


def test_verify_in_the_embedded_default_re_anchors_first_and_verifies():
    _anchored_on_an_old_chain(["score-4"])

    assert anchor_verify(kind=KIND, record_id="score-4", payload=score_payload("score-4")) == "verified"


def test_the_deployment_keeps_the_chain_identity_and_registry_address(chain):
    AnchoredRecordFactory()
    anchor_pending(force=True)

    deployment = ChainDeployment.objects.get()
    identity = chain.identity()
    assert (deployment.chain_id, deployment.genesis_hash) == (identity.chain_id, identity.genesis_hash)
    assert chain.has_code(deployment.contract_address)


def test_re_anchoring_covers_every_kind_whatever_record_triggered_it(production_path):
    _anchored_on_an_old_chain(["score-1"])
    loan = AnchoredRecordFactory(kind="loan_decision", record_id="loan-1")

    services.anchor_record_process(anchored_record_id=loan.pk)

    assert set(AnchoredRecord.objects.values_list("kind", "status")) == {
        ("credit_score", "anchored"),
        ("loan_decision", "anchored"),
    }


def test_in_the_eager_default_verify_first_catches_up_what_waits(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    AnchoredRecordFactory(record_id="score-8")  # its outbox task never ran
    settings.CELERY_TASK_ALWAYS_EAGER = True

    assert anchor_verify(kind=KIND, record_id="score-8", payload=score_payload("score-8")) == "verified"
