"""Chain anchoring tables: where the registry is deployed, the batches sent to it, and the records.

A record (`AnchoredRecord`) is `pending` until the batch holding it is anchored, then `anchored`; a
batch the chain keeps refusing ends `failed` with its records. When the registry moves to a chain
with another genesis (a restarted in-process EVM, another network), the batches of the old chain are
`superseded` and their records go back to `pending`, to be anchored again.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


def _hex(value: str) -> bytes:
    return bytes.fromhex(value.removeprefix("0x"))


class ChainDeployment(models.Model):
    """The registry contract on one chain; one deployment is current (the chain in use)."""

    class Mode(models.TextChoices):
        EMBEDDED = "embedded", "In-process EVM"
        RPC = "rpc", "JSON-RPC node"

    chain_id = models.PositiveBigIntegerField()
    genesis_hash = models.CharField(max_length=66)
    contract_address = models.CharField(max_length=42)
    mode = models.CharField(max_length=16, choices=Mode.choices)
    deploy_tx_hash = models.CharField(max_length=66, blank=True, default="")
    deploy_block = models.PositiveBigIntegerField(null=True, blank=True)
    is_current = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["chain_id", "genesis_hash", "contract_address"], name="chain_deployment_unique"
            ),
            models.UniqueConstraint(fields=["is_current"], condition=Q(is_current=True), name="chain_one_current"),
        ]
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"registry {self.contract_address} on chain {self.chain_id} ({self.genesis_hash[:10]}…)"


class AnchorBatch(models.Model):
    """A Merkle root of records of one kind, written to the registry under `batch_id`."""

    class Status(models.TextChoices):
        READY = "ready", "Ready to send"
        SUBMITTED = "submitted", "Submitted"
        ANCHORED = "anchored", "Anchored"
        FAILED = "failed", "Failed"
        SUPERSEDED = "superseded", "Superseded (chain replaced)"

    batch_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=32)
    deployment = models.ForeignKey(ChainDeployment, on_delete=models.PROTECT, related_name="batches")
    root = models.CharField(max_length=66)
    record_count = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.READY)
    tx_hash = models.CharField(max_length=66, blank=True, default="")
    nonce = models.PositiveBigIntegerField(null=True, blank=True)
    resubmissions = models.PositiveIntegerField(default=0)
    block_number = models.PositiveBigIntegerField(null=True, blank=True)
    block_time = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    anchored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(record_count__gt=0), name="chain_batch_not_empty"),
            models.CheckConstraint(
                condition=~Q(status="anchored") | (~Q(tx_hash="") & Q(block_number__isnull=False)),
                name="chain_batch_anchored_has_tx",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="chain_batch_due_idx")]
        ordering = ["-id"]
        verbose_name_plural = "anchor batches"

    def __str__(self) -> str:
        return f"batch {self.batch_id} ({self.kind}, {self.record_count} records, {self.status})"

    @property
    def onchain_id(self) -> bytes:
        """The registry key: the UUID's 128 bits as a big-endian bytes32."""
        return self.batch_id.int.to_bytes(32, "big")

    @property
    def root_bytes(self) -> bytes:
        return _hex(self.root)


class AnchoredRecord(models.Model):
    """One record of another app (kind + id) committed to by its leaf, and where it is anchored."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ANCHORED = "anchored", "Anchored"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=32)
    record_id = models.CharField(max_length=64)
    salt = models.CharField(max_length=66)
    leaf = models.CharField(max_length=66)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    batch = models.ForeignKey(AnchorBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="records")
    leaf_index = models.PositiveIntegerField(null=True, blank=True)
    proof = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    anchored_at = models.DateTimeField(null=True, blank=True)
    times_anchored = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "record_id"], name="chain_record_unique"),
            models.CheckConstraint(
                condition=~Q(status="anchored") | Q(batch__isnull=False), name="chain_record_anchored_has_batch"
            ),
        ]
        indexes = [
            models.Index(
                fields=["kind", "id"],
                condition=Q(status="pending", batch__isnull=True),
                name="chain_record_unbatched_idx",
            ),
            models.Index(fields=["status", "created_at"], name="chain_record_status_idx"),
        ]
        ordering = ["id"]
        permissions = [("retry_anchoring", "Can send failed records to be anchored again")]

    def __str__(self) -> str:
        return f"{self.kind} {self.record_id} ({self.status})"

    @property
    def salt_bytes(self) -> bytes:
        return _hex(self.salt)

    @property
    def leaf_bytes(self) -> bytes:
        return _hex(self.leaf)

    @property
    def proof_bytes(self) -> list[bytes]:
        return [_hex(node) for node in self.proof]
