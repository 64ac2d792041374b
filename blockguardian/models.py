"""Tables of the shared infrastructure: idempotency keys, the task outbox, the model registry, the
legal-hold store and the seals of the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class IdempotencyKey(models.Model):
    """The first response to a money-moving POST, kept so that a repeat replays it."""

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=512)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    state = models.CharField(max_length=16, choices=State.choices, default=State.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "method", "path", "key"], name="idempotency_key_scope_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"


class OutboxTask(models.Model):
    """A Celery task written in the same transaction as the state change that needs it."""

    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    available_at = models.DateTimeField(db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["available_at", "id"], name="outbox_pending_idx", condition=Q(sent_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.task_name} #{self.pk}"


class ModelVersion(models.Model):
    """A trained model (credit, fraud, market): `trained → active → retired`, one active per name."""

    class State(models.TextChoices):
        TRAINED = "trained", "Trained"
        ACTIVE = "active", "Active"
        RETIRED = "retired", "Retired"

    name = models.CharField(max_length=100)
    version = models.PositiveIntegerField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.TRAINED)
    trained_at = models.DateTimeField()
    activated_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    training_data_hash = models.CharField(max_length=64)
    metrics = models.JSONField(default=dict)
    fairness = models.JSONField(default=dict, blank=True)
    params = models.JSONField(default=dict, blank=True)
    artefact = models.BinaryField()
    artefact_sha256 = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="model_version_unique"),
            models.UniqueConstraint(fields=["name"], condition=Q(state="active"), name="model_one_active_per_name"),
        ]
        ordering = ["name", "-version"]

    def __str__(self) -> str:
        return f"{self.name} v{self.version} ({self.state})"


class LegalHoldRecord(models.Model):
    """What the law requires kept after a customer's erasure, encrypted, restricted to compliance,
    and purged after its retention date."""

    subject_id = models.CharField(max_length=64, db_index=True, help_text="The erased customer's id.")
    source_app = models.CharField(max_length=50)
    record_class = models.CharField(max_length=32)
    description = models.CharField(max_length=200)
    payload_encrypted = models.TextField()
    retention_starts_on = models.DateField(null=True, blank=True)
    retain_until = models.DateField(null=True, blank=True, db_index=True)
    hold_order = models.CharField(
        max_length=200,
        blank=True,
        default="",
        help_text="A legal order (litigation, a regulator's request) that keeps the record past its date.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        permissions = [("read_legal_hold", "Can read the contents of legal-hold records")]

    def __str__(self) -> str:
        return f"legal hold {self.pk} ({self.record_class})"


class AuditSeal(models.Model):
    """The seal of one audit-log entry: a link of a hash chain over the entries in id order.

    `hash` is SHA-256 over the previous seal's hash and the entry's canonical form
    (`blockguardian.audit.canonical`); `seq` counts the seals from 1 without gaps. The entry is named
    by its id only (no foreign key): deleting an entry must leave its seal behind as evidence.
    """

    seq = models.PositiveBigIntegerField(unique=True)
    entry_id = models.BigIntegerField(unique=True)
    prev_hash = models.CharField(max_length=64, unique=True)
    hash = models.CharField(max_length=64, unique=True)
    sealed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-seq"]
        constraints = [
            models.CheckConstraint(condition=Q(seq__gt=0), name="audit_seal_seq_positive"),
        ]

    def __str__(self) -> str:
        return f"seal {self.seq} of audit entry {self.entry_id}"
