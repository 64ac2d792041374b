"""Anchoring: enqueue a record, anchor pending records in batches, verify a record against the chain.

The calls other apps make:

* `anchor_record_enqueue(kind=, record_id=, payload=)` inside the transaction that creates the record;
* `anchor_verify(kind=, record_id=, payload=)` with the payload rebuilt from the database;
* `selectors.anchor_status(...)` / `anchor_status_map(...)` to show where a record stands.

The platform runs `anchor_pending` (Celery: on each enqueue through the outbox, and from beat).

Sending is crash-safe: a batch is written before its transaction is sent, the transaction hash after;
whatever happened in between, the next run reads the registry (a batch id is written once) and either
records the anchor it finds or sends again. Anchoring never fails a caller: an unreachable chain
leaves records `pending`, and the next run catches up.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import structlog
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from web3 import Web3

from blockguardian.outbox import outbox_enqueue

from .canonical import canonical_json, leaf_hash, new_salt
from .client import Chain, ChainIdentity, OnChainAnchor, chain_connect
from .conf import setting
from .errors import (
    AnchorConflict,
    AnchoredRecordNotFound,
    ChainError,
    ChainNotConfigured,
    ChainUnavailable,
)
from .merkle import merkle_root_from_proof, merkle_tree
from .models import AnchorBatch, AnchoredRecord, ChainDeployment
from .signals import anchor_mismatch

logger = structlog.get_logger(__name__)

KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_.-]{0,31}$")
RECORD_ID_MAX = 64

VERIFIED, MISMATCH, PENDING, UNAVAILABLE = "verified", "mismatch", "pending", "unavailable"
VERIFICATION_RESULTS = (VERIFIED, MISMATCH, PENDING, UNAVAILABLE)

ANCHOR_TASK = "chain.anchor_record"


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def _record_id(record_id: str | int | UUID) -> str:
    value = str(record_id)
    if not value or len(value) > RECORD_ID_MAX:
        raise ValueError(f"a record id is 1 to {RECORD_ID_MAX} characters")
    return value


def _check_kind(kind: str) -> None:
    if not isinstance(kind, str) or not KIND_PATTERN.match(kind):
        raise ValueError("a record kind is 1 to 32 characters: a lower-case letter, then [a-z0-9_.-]")


def _eager() -> bool:
    # Without a worker and beat (the embedded default), batches close at once instead of waiting.
    return bool(settings.CELERY_TASK_ALWAYS_EAGER)


# --- enqueue -------------------------------------------------------------------------------------


def anchor_record_enqueue(*, kind: str, record_id: str | int | UUID, payload: Mapping[str, Any]) -> AnchoredRecord:
    """Commit to `payload` (its canonical form and a fresh salt) and schedule its anchoring.

    Call it inside the transaction that writes the record: the anchored-record row and the outbox
    task commit or roll back with it. `payload` holds no personal data (ids, amounts, decisions,
    times; see `canonical.py`). Enqueueing the same kind, id and payload again returns the first row;
    a different payload for the same kind and id raises `AnchorConflict`.
    """
    return anchor_records_enqueue(kind=kind, records=[(record_id, payload)])[0]


def anchor_records_enqueue(
    *, kind: str, records: Sequence[tuple[str | int | UUID, Mapping[str, Any]]]
) -> list[AnchoredRecord]:
    """`anchor_record_enqueue` for many records of one kind (a nightly rescoring, say): one query for
    those already enqueued, one insert for the rest and one outbox task, whose run anchors every
    pending record of the kind. Returns the rows in the order of `records`."""
    if not connection.in_atomic_block:
        raise RuntimeError("anchor_record_enqueue must be called inside the transaction that writes the record")
    _check_kind(kind)
    wanted = [(_record_id(record_id), canonical_json(payload)) for record_id, payload in records]
    existing = {
        row.record_id: row for row in AnchoredRecord.objects.filter(kind=kind, record_id__in=[rid for rid, _ in wanted])
    }
    new_rows: dict[str, AnchoredRecord] = {}
    for rid, canonical in wanted:
        if rid in existing:
            if leaf_hash(salt=existing[rid].salt_bytes, canonical=canonical) != existing[rid].leaf_bytes:
                raise AnchorConflict(f"{kind} {rid} is already anchored with a different content")
        elif rid in new_rows:
            if leaf_hash(salt=new_rows[rid].salt_bytes, canonical=canonical) != new_rows[rid].leaf_bytes:
                raise AnchorConflict(f"{kind} {rid} is enqueued twice with different contents")
        else:
            salt = new_salt()
            new_rows[rid] = AnchoredRecord(
                kind=kind, record_id=rid, salt=_hex(salt), leaf=_hex(leaf_hash(salt=salt, canonical=canonical))
            )
    if new_rows:
        created = AnchoredRecord.objects.bulk_create(new_rows.values(), batch_size=1000)
        first = created[0].pk or AnchoredRecord.objects.get(kind=kind, record_id=created[0].record_id).pk
        outbox_enqueue(task=ANCHOR_TASK, anchored_record_id=first)
    return [existing.get(rid) or new_rows[rid] for rid, _ in wanted]


@transaction.atomic
def anchor_failed_retry(*, kind: str | None = None, record_ids: list[int] | None = None) -> int:
    """Put failed records back to `pending` (an operator's decision); returns how many."""
    records = AnchoredRecord.objects.filter(status=AnchoredRecord.Status.FAILED)
    if kind is not None:
        records = records.filter(kind=kind)
    if record_ids is not None:
        records = records.filter(pk__in=record_ids)
    count = records.update(status=AnchoredRecord.Status.PENDING, batch=None, leaf_index=None, proof=[])
    if count:
        logger.info("chain_failed_records_retried", count=count, kind=kind)
    return count


# --- the registry deployment ---------------------------------------------------------------------


def _registry_address(*, chain: Chain, identity: ChainIdentity) -> tuple[str, Any]:
    """(address, deployment receipt or None): the registry to use on this chain, deployed if absent."""
    known = chain.known_registries.get(identity)
    if known:
        return known, None
    configured = (setting("CHAIN_REGISTRY_ADDRESS") or "").strip()
    if configured:
        if not chain.has_code(configured):
            raise ChainNotConfigured("there is no contract at CHAIN_REGISTRY_ADDRESS on this chain")
        address = Web3.to_checksum_address(configured)
        chain.known_registries[identity] = address
        return address, None
    candidates = ChainDeployment.objects.filter(chain_id=identity.chain_id, genesis_hash=identity.genesis_hash)
    for deployment in candidates.order_by("-is_current", "-id"):
        if chain.has_code(deployment.contract_address):
            chain.known_registries[identity] = deployment.contract_address
            return deployment.contract_address, None
    if chain.mode != "embedded" and not setting("CHAIN_AUTO_DEPLOY"):
        raise ChainNotConfigured("no registry on this chain: set CHAIN_REGISTRY_ADDRESS or CHAIN_AUTO_DEPLOY")
    deployed = chain.deploy_registry()
    return deployed.address, deployed


def chain_deployment_ensure(*, chain: Chain) -> tuple[ChainDeployment, int]:
    """The current deployment for the chain `chain` is connected to, and how many records it re-anchors.

    When the chain changed (another genesis: a new in-process EVM, another network) or the registry
    moved, the new deployment becomes current and the records anchored elsewhere go back to pending.
    """
    identity = chain.identity()
    current = ChainDeployment.objects.filter(is_current=True).first()
    if (
        current is not None
        and current.chain_id == identity.chain_id
        and current.genesis_hash == identity.genesis_hash
        and chain.known_registries.get(identity) == current.contract_address
    ):
        return current, 0
    address, deployed = _registry_address(chain=chain, identity=identity)
    try:
        return _deployment_make_current(chain=chain, identity=identity, address=address, deployed=deployed)
    except IntegrityError:
        # Another process made its own deployment current at the same moment: use that one.
        current = ChainDeployment.objects.filter(is_current=True).first()
        if current is None or (current.chain_id, current.genesis_hash) != (identity.chain_id, identity.genesis_hash):
            raise
        chain.known_registries[identity] = current.contract_address
        return current, 0


@transaction.atomic
def _deployment_make_current(
    *, chain: Chain, identity: ChainIdentity, address: str, deployed: Any
) -> tuple[ChainDeployment, int]:
    deployment, _ = ChainDeployment.objects.get_or_create(
        chain_id=identity.chain_id,
        genesis_hash=identity.genesis_hash,
        contract_address=address,
        defaults={
            "mode": chain.mode,
            "deploy_tx_hash": deployed.tx_hash if deployed else "",
            "deploy_block": deployed.block_number if deployed else None,
        },
    )
    chain.known_registries[identity] = address
    if deployment.is_current:
        return deployment, 0
    now = timezone.now()
    ChainDeployment.objects.filter(is_current=True).update(is_current=False, retired_at=now)
    deployment.is_current, deployment.retired_at = True, None
    deployment.save(update_fields=["is_current", "retired_at"])
    reanchored = _supersede_other_deployments(deployment=deployment)
    logger.info(
        "chain_deployment_current",
        chain_id=identity.chain_id,
        genesis=identity.genesis_hash,
        registry=address,
        reanchored=reanchored,
    )
    return deployment, reanchored


def _supersede_other_deployments(*, deployment: ChainDeployment) -> int:
    live = [AnchorBatch.Status.READY, AnchorBatch.Status.SUBMITTED, AnchorBatch.Status.ANCHORED]
    stale = AnchorBatch.objects.exclude(deployment=deployment).filter(status__in=live)
    count = AnchoredRecord.objects.filter(
        batch__in=stale, status__in=[AnchoredRecord.Status.PENDING, AnchoredRecord.Status.ANCHORED]
    ).update(status=AnchoredRecord.Status.PENDING, batch=None, leaf_index=None, proof=[], anchored_at=None)
    stale.update(status=AnchorBatch.Status.SUPERSEDED, last_error="the registry is now on another chain")
    return count


# --- batching and sending ------------------------------------------------------------------------


@dataclass
class AnchorRun:
    """What one anchoring run did."""

    status: str = "ok"  # ok | unavailable | not_configured | error
    reanchored: int = 0
    batches_built: int = 0
    batches_sent: int = 0
    batches_anchored: int = 0
    records_anchored: int = 0
    batches_retrying: int = 0
    batches_failed: int = 0


def anchor_pending(*, force: bool = False, kinds: list[str] | None = None) -> AnchorRun:
    """Anchor what is pending: finish submitted batches, close new ones, send them, record receipts.

    A batch closes when `CHAIN_BATCH_MAX_RECORDS` records of a kind wait, or when the oldest has
    waited `CHAIN_BATCH_MAX_AGE_SECONDS` (at once with `force`). Idempotent; never raises because the
    chain is down (the run says `unavailable` and leaves everything pending).
    """
    run = AnchorRun()
    try:
        chain = chain_connect()
        deployment, run.reanchored = chain_deployment_ensure(chain=chain)
        if run.reanchored:
            # Records moved off another chain were due long ago: anchor all of them now.
            force, kinds = True, None
        _reconcile_submitted(chain=chain, deployment=deployment, run=run)
        _build_batches(deployment=deployment, force=force, kinds=kinds, run=run)
        _send_ready(chain=chain, deployment=deployment, run=run)
    except ChainUnavailable as exc:
        run.status = "unavailable"
        logger.info("chain_anchoring_deferred", reason=str(exc))
    except ChainNotConfigured as exc:
        run.status = "not_configured"
        logger.info("chain_anchoring_not_configured", reason=str(exc))
    except ChainError as exc:
        run.status = "error"
        logger.warning("chain_anchoring_error", error=str(exc))
    return run


def anchor_record_process(*, anchored_record_id: int) -> AnchorRun | None:
    """The outbox task's work: anchor the record's kind if its batch can close now (idempotent)."""
    record = AnchoredRecord.objects.filter(pk=anchored_record_id).only("kind", "status", "batch_id").first()
    if record is None or record.status != AnchoredRecord.Status.PENDING or record.batch_id is not None:
        return None
    return anchor_pending(force=_eager(), kinds=[record.kind])


def _unbatched(kind: str):
    return AnchoredRecord.objects.filter(kind=kind, status=AnchoredRecord.Status.PENDING, batch__isnull=True)


def _build_batches(*, deployment: ChainDeployment, force: bool, kinds: list[str] | None, run: AnchorRun) -> None:
    size = int(setting("CHAIN_BATCH_MAX_RECORDS"))
    budget = int(setting("CHAIN_MAX_BATCHES_PER_RUN"))
    max_age = dt.timedelta(seconds=float(setting("CHAIN_BATCH_MAX_AGE_SECONDS")))
    if kinds is None:
        kinds = sorted(
            AnchoredRecord.objects.filter(status=AnchoredRecord.Status.PENDING, batch__isnull=True)
            .values_list("kind", flat=True)
            .distinct()
        )
    for kind in kinds:
        while run.batches_built < budget:
            waiting = _unbatched(kind)
            oldest = waiting.order_by("id").values_list("created_at", flat=True).first()
            if oldest is None:
                break
            full = waiting.order_by("id")[:size].count() >= size
            if not (full or force or oldest <= timezone.now() - max_age):
                break
            if _build_batch(deployment=deployment, kind=kind, size=size) is None:
                break
            run.batches_built += 1


@transaction.atomic
def _build_batch(*, deployment: ChainDeployment, kind: str, size: int) -> AnchorBatch | None:
    records = list(_unbatched(kind).select_for_update(skip_locked=True).order_by("id")[:size])
    if not records:
        return None
    tree = merkle_tree([record.leaf_bytes for record in records])
    batch = AnchorBatch.objects.create(
        kind=kind, deployment=deployment, root=_hex(tree.root), record_count=len(records)
    )
    for index, (record, proof) in enumerate(zip(records, tree.proofs, strict=True)):
        record.batch, record.leaf_index, record.proof = batch, index, [_hex(node) for node in proof]
    AnchoredRecord.objects.bulk_update(records, ["batch", "leaf_index", "proof"], batch_size=500)
    return batch


def _send_ready(*, chain: Chain, deployment: ChainDeployment, run: AnchorRun) -> None:
    """Send every due batch, then collect the receipts (one shared `CHAIN_RECEIPT_TIMEOUT_SECONDS`)."""
    due = AnchorBatch.objects.filter(
        deployment=deployment, status=AnchorBatch.Status.READY, next_attempt_at__lte=timezone.now()
    )
    budget = int(setting("CHAIN_MAX_BATCHES_PER_RUN"))
    sent = []
    for batch_pk in list(due.order_by("id").values_list("pk", flat=True)[:budget]):
        tx_hash = _batch_send(chain=chain, deployment=deployment, batch_pk=batch_pk, run=run)
        if tx_hash is not None:
            sent.append((batch_pk, tx_hash))
    deadline = time.monotonic() + float(setting("CHAIN_RECEIPT_TIMEOUT_SECONDS"))
    for batch_pk, tx_hash in sent:
        receipt = chain.wait_receipt(tx_hash, timeout=max(0.0, deadline - time.monotonic()))
        if receipt is None:
            logger.info("chain_receipt_pending", batch=batch_pk, tx_hash=tx_hash)
            continue
        _batch_finalize(chain=chain, deployment=deployment, batch_pk=batch_pk, receipt=receipt, run=run)


@transaction.atomic
def _batch_send(*, chain: Chain, deployment: ChainDeployment, batch_pk: int, run: AnchorRun) -> str | None:
    """Send the anchoring transaction of a ready batch; returns its hash (None if nothing was sent)."""
    # The deployment row serialises senders across processes, so nonces are taken one at a time.
    ChainDeployment.objects.select_for_update().get(pk=deployment.pk)
    batch = AnchorBatch.objects.select_for_update().get(pk=batch_pk)
    if batch.status != AnchorBatch.Status.READY:
        return None
    onchain = chain.anchor_read(registry=deployment.contract_address, batch_id=batch.onchain_id)
    if onchain is not None:
        # Sent before (a crash after sending, or a replaced transaction mined): record what is there.
        _batch_settle_from_chain(chain=chain, deployment=deployment, batch=batch, onchain=onchain, run=run)
        return None
    nonce = None
    if batch.resubmissions and batch.nonce is not None and chain.nonce(block="latest") <= batch.nonce:
        nonce = batch.nonce  # replace the stuck transaction rather than queue behind it
    try:
        sent = chain.anchor_send(
            registry=deployment.contract_address,
            batch_id=batch.onchain_id,
            root=batch.root_bytes,
            kind=batch.kind,
            nonce=nonce,
            fee_bump=float(setting("CHAIN_FEE_BUMP")) ** batch.resubmissions,
        )
    except ChainError as exc:
        _batch_retry_later(batch=batch, error=str(exc), run=run)
        return None
    batch.status, batch.tx_hash, batch.nonce = AnchorBatch.Status.SUBMITTED, sent.tx_hash, sent.nonce
    batch.submitted_at = timezone.now()
    batch.save(update_fields=["status", "tx_hash", "nonce", "submitted_at"])
    run.batches_sent += 1
    logger.info("chain_batch_submitted", batch=str(batch.batch_id), tx_hash=sent.tx_hash, records=batch.record_count)
    return sent.tx_hash


@transaction.atomic
def _batch_finalize(*, chain: Chain, deployment: ChainDeployment, batch_pk: int, receipt: dict, run: AnchorRun) -> None:
    batch = AnchorBatch.objects.select_for_update().get(pk=batch_pk)
    if batch.status != AnchorBatch.Status.SUBMITTED:
        return
    onchain = chain.anchor_read(registry=deployment.contract_address, batch_id=batch.onchain_id)
    if onchain is not None:
        tx_hash = batch.tx_hash if receipt.get("status") == 1 else None
        _batch_settle_from_chain(
            chain=chain, deployment=deployment, batch=batch, onchain=onchain, run=run, tx_hash=tx_hash
        )
        return
    _batch_retry_later(batch=batch, error=f"transaction {batch.tx_hash} reverted", run=run)


def _reconcile_submitted(*, chain: Chain, deployment: ChainDeployment, run: AnchorRun) -> None:
    """Finish batches sent by an earlier run: record their receipts, or send again when stuck."""
    resubmit_after = dt.timedelta(seconds=float(setting("CHAIN_RESUBMIT_AFTER_SECONDS")))
    submitted = AnchorBatch.objects.filter(deployment=deployment, status=AnchorBatch.Status.SUBMITTED).order_by("id")
    for batch in list(submitted[: int(setting("CHAIN_MAX_BATCHES_PER_RUN")) * 5]):
        receipt = chain.receipt(batch.tx_hash)
        if receipt is not None:
            _batch_finalize(chain=chain, deployment=deployment, batch_pk=batch.pk, receipt=receipt, run=run)
            continue
        onchain = chain.anchor_read(registry=deployment.contract_address, batch_id=batch.onchain_id)
        if onchain is not None:
            with transaction.atomic():
                locked = AnchorBatch.objects.select_for_update().get(pk=batch.pk)
                if locked.status == AnchorBatch.Status.SUBMITTED:
                    _batch_settle_from_chain(chain=chain, deployment=deployment, batch=locked, onchain=onchain, run=run)
            continue
        if batch.submitted_at and batch.submitted_at <= timezone.now() - resubmit_after:
            updated = AnchorBatch.objects.filter(pk=batch.pk, status=AnchorBatch.Status.SUBMITTED).update(
                status=AnchorBatch.Status.READY,
                resubmissions=F("resubmissions") + 1,
                next_attempt_at=timezone.now(),
                last_error=f"no receipt for {batch.tx_hash} after {int(resubmit_after.total_seconds())} s",
            )
            if updated:
                logger.warning("chain_batch_resubmitting", batch=str(batch.batch_id), tx_hash=batch.tx_hash)


def _anchor_tx_hash(*, chain: Chain, deployment: ChainDeployment, batch: AnchorBatch, block_number: int) -> str:
    """The hash of the transaction that anchored `batch`, from the registry's event in that block."""
    try:
        with chain.guard("get_logs"):
            events = (
                chain.registry(deployment.contract_address)
                .events.Anchored()
                .get_logs(
                    from_block=block_number, to_block=block_number, argument_filters={"batchId": batch.onchain_id}
                )
            )
    except ChainError:
        events = []
    return Web3.to_hex(events[0]["transactionHash"]) if events else batch.tx_hash


def _batch_settle_from_chain(
    *,
    chain: Chain,
    deployment: ChainDeployment,
    batch: AnchorBatch,
    onchain: OnChainAnchor,
    run: AnchorRun,
    tx_hash: str | None = None,
) -> None:
    """Record the anchor found on chain for `batch` (the caller holds the batch's row lock)."""
    if onchain.root != batch.root_bytes or onchain.kind != batch.kind:
        # A batch id is a random UUID: another root under it means the registry is not ours to trust.
        batch.status, batch.attempts = AnchorBatch.Status.FAILED, batch.attempts + 1
        batch.last_error = "the registry holds another root under this batch id"
        batch.save(update_fields=["status", "attempts", "last_error"])
        AnchoredRecord.objects.filter(batch=batch).update(status=AnchoredRecord.Status.FAILED)
        run.batches_failed += 1
        logger.error("chain_batch_root_conflict", batch=str(batch.batch_id))
        return
    now = timezone.now()
    batch.tx_hash = tx_hash or _anchor_tx_hash(
        chain=chain, deployment=deployment, batch=batch, block_number=onchain.block_number
    )
    batch.status = AnchorBatch.Status.ANCHORED
    batch.block_number, batch.block_time, batch.anchored_at = onchain.block_number, onchain.anchored_at, now
    batch.last_error = ""
    batch.save(update_fields=["status", "tx_hash", "block_number", "block_time", "anchored_at", "last_error"])
    count = AnchoredRecord.objects.filter(batch=batch, status=AnchoredRecord.Status.PENDING).update(
        status=AnchoredRecord.Status.ANCHORED, anchored_at=now, times_anchored=F("times_anchored") + 1
    )
    run.batches_anchored += 1
    run.records_anchored += count
    logger.info(
        "chain_batch_anchored",
        batch=str(batch.batch_id),
        tx_hash=batch.tx_hash,
        block=onchain.block_number,
        records=count,
    )


def _batch_retry_later(*, batch: AnchorBatch, error: str, run: AnchorRun) -> None:
    """The chain refused the batch: try again with backoff, or give up after `CHAIN_MAX_ATTEMPTS`."""
    batch.attempts += 1
    batch.last_error = error[:2000]
    if batch.attempts >= int(setting("CHAIN_MAX_ATTEMPTS")):
        batch.status = AnchorBatch.Status.FAILED
        AnchoredRecord.objects.filter(batch=batch, status=AnchoredRecord.Status.PENDING).update(
            status=AnchoredRecord.Status.FAILED
        )
        run.batches_failed += 1
        logger.error("chain_batch_failed", batch=str(batch.batch_id), attempts=batch.attempts, error=batch.last_error)
    else:
        delay = min(
            float(setting("CHAIN_RETRY_BASE_SECONDS")) * 2 ** (batch.attempts - 1),
            float(setting("CHAIN_RETRY_MAX_SECONDS")),
        )
        batch.status = AnchorBatch.Status.READY
        batch.next_attempt_at = timezone.now() + dt.timedelta(seconds=delay)
        run.batches_retrying += 1
        logger.warning("chain_batch_retrying", batch=str(batch.batch_id), attempts=batch.attempts, delay=delay)
    batch.save(update_fields=["status", "attempts", "last_error", "next_attempt_at"])


# --- verification --------------------------------------------------------------------------------


def anchor_verify(*, kind: str, record_id: str | int | UUID, payload: Mapping[str, Any]) -> str:
    """`verified`, `mismatch`, `pending` or `unavailable`: does `payload` match what the chain holds?

    Recomputes the leaf from `payload` (rebuilt by the caller from its database) and the record's
    salt, folds the stored proof into a root and compares it with the root the registry holds for
    the record's batch. A mismatch sends `signals.anchor_mismatch`. A record not yet anchored (or
    being re-anchored on a new chain) is `pending`; a chain that cannot be reached is `unavailable`.
    Raises `AnchoredRecordNotFound` for a record never enqueued.
    """
    rid = _record_id(record_id)
    return anchor_verify_many(kind=kind, payloads={rid: payload})[rid]


def anchor_verify_many(*, kind: str, payloads: Mapping[str | int | UUID, Mapping[str, Any]]) -> dict[str, str]:
    """`anchor_verify` for many records of one kind, reading each batch's root from the chain once.

    Returns the result per `str(record_id)`.
    """
    _check_kind(kind)
    canonical = {_record_id(rid): canonical_json(payload) for rid, payload in payloads.items()}
    records = {r.record_id: r for r in AnchoredRecord.objects.filter(kind=kind, record_id__in=list(canonical))}
    missing = sorted(set(canonical) - set(records))
    if missing:
        raise AnchoredRecordNotFound(f"{kind} {missing[0]} was never submitted for anchoring")
    if _eager() and any(r.status == AnchoredRecord.Status.PENDING for r in records.values()):
        # No beat in the eager embedded default: catch up on what waits before answering.
        anchor_pending(force=True)
        records = {r.record_id: r for r in AnchoredRecord.objects.filter(kind=kind, record_id__in=list(canonical))}
    results = {rid: PENDING for rid, record in records.items() if record.status != AnchoredRecord.Status.ANCHORED}
    to_check = [rid for rid in canonical if rid not in results]
    if not to_check:
        return results
    try:
        chain = chain_connect()
        deployment, reanchored = chain_deployment_ensure(chain=chain)
        if reanchored and _eager():
            anchor_pending(force=True)
        fresh = AnchoredRecord.objects.select_related("batch").filter(kind=kind, record_id__in=to_check)
        onchain_by_batch: dict[int, OnChainAnchor | None] = {}
        for record in fresh:
            if record.status != AnchoredRecord.Status.ANCHORED or record.batch.deployment_id != deployment.pk:
                results[record.record_id] = PENDING
                continue
            if record.batch_id not in onchain_by_batch:
                onchain_by_batch[record.batch_id] = chain.anchor_read(
                    registry=deployment.contract_address, batch_id=record.batch.onchain_id
                )
            results[record.record_id] = _compare(
                record=record, canonical=canonical[record.record_id], onchain=onchain_by_batch[record.batch_id]
            )
    except (ChainUnavailable, ChainNotConfigured, ChainError) as exc:
        logger.info("chain_verify_unavailable", kind=kind, records=len(to_check), reason=str(exc))
        for rid in to_check:
            results.setdefault(rid, UNAVAILABLE)
    return results


def _compare(*, record: AnchoredRecord, canonical: bytes, onchain: OnChainAnchor | None) -> str:
    leaf = leaf_hash(salt=record.salt_bytes, canonical=canonical)
    root = merkle_root_from_proof(leaf, record.proof_bytes)
    reason = None
    if onchain is None:
        reason = "batch_not_on_chain"
    elif onchain.kind != record.kind:
        reason = "kind_differs"
    elif root != onchain.root:
        reason = "payload_differs" if leaf != record.leaf_bytes else "proof_differs"
    if reason is None:
        return VERIFIED
    batch_id = str(record.batch.batch_id)
    logger.warning("chain_anchor_mismatch", kind=record.kind, record_id=record.record_id, reason=reason, batch=batch_id)
    anchor_mismatch.send(
        sender=AnchoredRecord, kind=record.kind, record_id=record.record_id, reason=reason, batch_id=batch_id
    )
    return MISMATCH
