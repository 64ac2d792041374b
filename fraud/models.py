"""What fraud owns: per-customer aggregates, decisions, alerts, FINRA 2165 holds, rule overrides."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from blockguardian.money import MoneyField


class CustomerAggregate(models.Model):
    """Everything a decision needs to know about a customer's past, kept incrementally by `record()`
    (which locks this row), so that no decision ever reads the customer's history.

    Amounts in the JSON fields are whole cents (ints), never floats. `recent` holds 5-minute
    buckets of the last 24 hours, `daily` day buckets of the last 35 days; `amount_hist` holds
    log10-dollar histograms of amounts per direction (`all`, `in`, `out`, `trade`).
    """

    customer = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    version = models.PositiveBigIntegerField(default=0)
    movement_count = models.PositiveIntegerField(default=0)
    first_movement_at = models.DateTimeField(null=True, blank=True)
    last_movement_at = models.DateTimeField(null=True, blank=True)
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    last_outbound_at = models.DateTimeField(null=True, blank=True)
    last_ach_return_at = models.DateTimeField(null=True, blank=True)
    ach_return_count = models.PositiveIntegerField(default=0)
    last_new_source_at = models.DateTimeField(null=True, blank=True)
    hold_until = models.DateTimeField(
        null=True, blank=True, help_text="A FINRA 2165 hold is in force on money leaving until then."
    )
    amount_hist = models.JSONField(default=dict, blank=True)
    hour_hist = models.JSONField(default=list, blank=True)
    recent = models.JSONField(default=list, blank=True)
    daily = models.JSONField(default=list, blank=True)
    devices = models.JSONField(default=list, blank=True)
    networks = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "customer aggregate"

    def __str__(self) -> str:
        return f"aggregate of user {self.customer_id} v{self.version}"


class KnownDestination(models.Model):
    """A bank account, wallet or counterparty the customer has used or linked (keyed hash only)."""

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    destination_hash = models.CharField(max_length=64)
    first_seen_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    uses = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "destination_hash"], name="fraud_known_destination_unique")
        ]

    def __str__(self) -> str:
        return f"destination {self.destination_hash[:8]} of user {self.customer_id}"


class MovementRecord(models.Model):
    """One recorded movement: makes `record()` idempotent per (customer, type, reference) and lets
    the aggregate be rebuilt (`manage.py rebuild_fraud_aggregates`)."""

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    event_type = models.CharField(max_length=32)
    method = models.CharField(max_length=16, blank=True, default="")
    reference = models.CharField(max_length=100, blank=True, default="")
    amount = MoneyField()
    destination_hash = models.CharField(max_length=64, blank=True, default="")
    device_hash = models.CharField(max_length=16, blank=True, default="")
    network_hash = models.CharField(max_length=16, blank=True, default="")
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "event_type", "reference"],
                condition=~Q(reference=""),
                name="fraud_movement_reference_unique",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="fraud_movement_amount_not_negative"),
        ]
        indexes = [models.Index(fields=["customer", "occurred_at", "id"], name="fraud_movement_customer_idx")]

    def __str__(self) -> str:
        return f"{self.event_type} of user {self.customer_id} at {self.occurred_at:%Y-%m-%d %H:%M}"


class Decision(models.TextChoices):
    ALLOW = "allow", "Allow"
    REVIEW = "review", "Review"
    BLOCK = "block", "Block"


class StoredDecision(models.Model):
    """The outcome of one `assess()`: kept whatever the caller then does with the request.

    (`fraud.services.FraudDecision` is what callers get back; this is its stored form.)
    """

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    event_type = models.CharField(max_length=32)
    method = models.CharField(max_length=16, blank=True, default="")
    amount = MoneyField()
    asset = models.CharField(max_length=32, blank=True, default="")
    portfolio_id = models.BigIntegerField(null=True, blank=True)
    destination_hash = models.CharField(max_length=64, blank=True, default="")
    occurred_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True, default="")
    score = models.PositiveSmallIntegerField()
    decision = models.CharField(max_length=8, choices=Decision.choices)
    reasons = models.JSONField(default=list, help_text="Internal: never shown to the customer.")
    features = models.JSONField(default=list, blank=True)
    model_version = models.PositiveIntegerField(null=True, blank=True)
    model_score = models.FloatField(null=True, blank=True)
    thresholds_digest = models.CharField(max_length=16, blank=True, default="")
    aggregate_version = models.PositiveBigIntegerField(default=0)
    reference = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(score__lte=1000), name="fraud_decision_score_range"),
            models.CheckConstraint(condition=Q(decision__in=["allow", "review", "block"]), name="fraud_decision_valid"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="fraud_decision_amount_not_negative"),
        ]
        indexes = [
            models.Index(fields=["customer", "created_at"], name="fraud_decision_customer_idx"),
            models.Index(fields=["reference"], name="fraud_decision_reference_idx", condition=~Q(reference="")),
            # the admin's default ordering and filters (its lists of this table)
            models.Index(fields=["-created_at", "-id"], name="fraud_decision_time_idx"),
            models.Index(fields=["decision", "-created_at"], name="fraud_decision_outcome_idx"),
            # the admin list's filters, each with the list's ordering
            models.Index(fields=["event_type", "-created_at"], name="fraud_storeddeci_event_idx"),
        ]
        ordering = ["-created_at", "-id"]
        verbose_name = "fraud decision"

    def __str__(self) -> str:
        return f"fraud decision {self.pk} ({self.decision})"


class FraudAlert(models.Model):
    """A `review` or `block` decision for a risk analyst: `open → confirmed_fraud / false_positive`."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        CONFIRMED_FRAUD = "confirmed_fraud", "Confirmed fraud"
        FALSE_POSITIVE = "false_positive", "False positive"

    decision = models.OneToOneField(StoredDecision, on_delete=models.PROTECT, related_name="alert")
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    severity = models.CharField(max_length=8, choices=Decision.choices)
    score = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution_note = models.TextField(blank=True, default="")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(severity__in=["review", "block"]), name="fraud_alert_severity_valid"),
            models.CheckConstraint(
                condition=Q(state="open", resolved_at__isnull=True) | (~Q(state="open") & Q(resolved_at__isnull=False)),
                name="fraud_alert_resolution_consistent",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "created_at"], name="fraud_alert_queue_idx"),
            # the admin's default ordering and filters (its lists of this table)
            models.Index(fields=["-created_at", "-id"], name="fraud_alert_time_idx"),
            # the admin list's filters, each with the list's ordering
            models.Index(fields=["severity", "-created_at"], name="fraud_fraudalert_severity_idx"),
        ]
        ordering = ["-created_at", "-id"]
        permissions = [("resolve_fraudalert", "Can resolve fraud alerts (confirmed fraud / false positive)")]

    def __str__(self) -> str:
        return f"fraud alert {self.pk} ({self.state})"


class SeniorHold(models.Model):
    """A temporary hold under FINRA Rule 2165 on money leaving the account of a specified adult."""

    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        RELEASED = "released", "Released (disbursement may proceed)"
        REFUSED = "refused", "Ended: fraud confirmed"
        EXPIRED = "expired", "Expired"

    alert = models.OneToOneField(FraudAlert, on_delete=models.PROTECT, related_name="senior_hold")
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    customer_age = models.PositiveSmallIntegerField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.ACTIVE)
    placed_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    notice_due_at = models.DateTimeField()
    extensions = models.PositiveSmallIntegerField(default=0)
    extension_reason = models.TextField(blank=True, default="")
    trusted_contact_notified_at = models.DateTimeField(null=True, blank=True)
    trusted_contact_missing = models.BooleanField(default=False)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("placed_at")), name="fraud_hold_expiry_after"),
        ]
        indexes = [models.Index(fields=["state", "expires_at"], name="fraud_hold_due_idx")]
        ordering = ["-placed_at", "-id"]
        permissions = [("extend_seniorhold", "Can extend a FINRA 2165 hold")]

    def __str__(self) -> str:
        return f"FINRA 2165 hold {self.pk} ({self.state})"


class FraudRuleOverride(models.Model):
    """An audited run-time override of one `FRAUD_THRESHOLDS` setting. Rows are never edited: a new
    value deactivates the previous one (one active row per key)."""

    key = models.CharField(max_length=64)
    value = models.CharField(max_length=32)
    reason = models.CharField(max_length=500)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key"], condition=Q(active=True), name="fraud_override_one_active_per_key"),
        ]
        ordering = ["key", "-created_at"]

    def __str__(self) -> str:
        return f"{self.key} = {self.value}{'' if self.active else ' (ended)'}"
