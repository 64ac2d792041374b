"""Credit scores, the latest application per customer, the platform repayment record, and the
nightly rescoring runs with their drift figures.

Scores are credit application records (retention class `credit_application`): append-only,
written only by `credit.services`. Each is anchored on chain in its canonical form (see
`credit.selectors.score_anchor_payload`), with a random salt kept by `blockguardian.chain` so that
its hash cannot be guessed.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from blockguardian.money import MoneyField
from blockguardian.retention import RetentionClass

SCORE_MIN, SCORE_MAX = 300, 850


class ScoreBand(models.TextChoices):
    POOR = "poor", "Poor"
    FAIR = "fair", "Fair"
    GOOD = "good", "Good"
    VERY_GOOD = "very_good", "Very good"
    EXCEPTIONAL = "exceptional", "Exceptional"


class ScoreMethod(models.TextChoices):
    MODEL = "model", "Scorecard model"
    RULES = "rules", "Rule-based fallback"


class ScoreSource(models.TextChoices):
    APPLICATION = "application", "Application (API)"
    RESCORE = "rescore", "Nightly rescoring"


class CreditScore(models.Model):
    """One score of one customer: the value, how it was reached (per-feature points) and why it is
    not higher (up to four principal reasons)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="credit_scores")
    scored_at = models.DateTimeField()
    valid_until = models.DateTimeField()
    score = models.PositiveSmallIntegerField()
    band = models.CharField(max_length=16, choices=ScoreBand.choices)
    probability_of_default = models.DecimalField(max_digits=7, decimal_places=6)
    method = models.CharField(max_length=8, choices=ScoreMethod.choices)
    model_version = models.ForeignKey(
        "blockguardian.ModelVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(max_length=16, choices=ScoreSource.choices, default=ScoreSource.APPLICATION)
    # The night a rescoring produced this score (one per customer per night).
    rescore_date = models.DateField(null=True, blank=True)
    # What the customer declared, the model attributes derived from it and the platform data, the
    # points each feature scored, and the principal reasons.
    inputs = models.JSONField(default=dict, blank=True)
    features = models.JSONField(default=dict, blank=True)
    points = models.JSONField(default=dict, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    retention_class = models.CharField(
        max_length=32, choices=RetentionClass.choices, default=RetentionClass.CREDIT_APPLICATION, editable=False
    )
    retain_until = models.DateField()
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-scored_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-scored_at"], name="credit_score_user_time_idx"),
            # the admin's default ordering and filters (its lists of this table)
            models.Index(fields=["-scored_at", "-id"], name="credit_score_time_idx"),
            # the admin list's filters, each with the list's ordering
            models.Index(fields=["band", "-scored_at"], name="credi_creditscor_band_idx"),
            models.Index(fields=["method", "-scored_at"], name="credi_creditscor_method_idx"),
            models.Index(fields=["source", "-scored_at"], name="credi_creditscor_source_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=SCORE_MIN) & Q(score__lte=SCORE_MAX), name="credit_score_in_scale"
            ),
            models.CheckConstraint(
                condition=Q(probability_of_default__gte=0) & Q(probability_of_default__lte=1),
                name="credit_score_pd_is_probability",
            ),
            models.CheckConstraint(
                condition=Q(method="rules") | Q(model_version__isnull=False), name="credit_score_model_has_version"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("scored_at")), name="credit_score_valid_after"
            ),
            models.CheckConstraint(
                condition=Q(source="rescore", rescore_date__isnull=False) | Q(~Q(source="rescore"), rescore_date=None),
                name="credit_score_rescore_has_date",
            ),
            models.UniqueConstraint(
                fields=["user", "rescore_date"],
                condition=Q(source="rescore"),
                name="credit_score_one_rescore_per_night",
            ),
        ]

    def __str__(self) -> str:
        # No personal data: representations reach the audit log.
        return f"credit score {self.public_id}"


class CreditProfile(models.Model):
    """The customer's latest application data, which the nightly rescoring scores again against
    fresh platform data."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="credit_profile")
    inputs = models.JSONField(default=dict)
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"credit profile {self.pk}"


class CreditEventKind(models.TextChoices):
    REPAYMENT = "repayment", "Repayment"
    LATE_PAYMENT = "late_payment", "Late payment"
    DELINQUENCY = "delinquency", "Delinquency"
    CHARGE_OFF = "charge_off", "Charge-off"
    RECOVERY = "recovery", "Recovery"


class CreditEvent(models.Model):
    """A fact of the customer's repayment record with us, sent by lending. Append-only."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="credit_events")
    kind = models.CharField(max_length=16, choices=CreditEventKind.choices)
    amount = MoneyField()
    occurred_at = models.DateTimeField()
    # Lending's stable reference for the event (e.g. its installment or delinquency id).
    reference = models.CharField(max_length=100)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["user", "kind", "occurred_at"], name="credit_event_user_kind_idx"),
            # the admin's default ordering and filters (its lists of this table)
            models.Index(fields=["-occurred_at", "-id"], name="credit_event_time_idx"),
            # the admin list's filters, each with the list's ordering
            models.Index(fields=["kind", "-occurred_at"], name="credi_crediteven_kind_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="credit_event_amount_not_negative"),
            models.UniqueConstraint(fields=["user", "kind", "reference"], name="credit_event_reference_unique"),
        ]

    def __str__(self) -> str:
        return f"credit event {self.pk} ({self.kind})"


class RescoreRun(models.Model):
    """One night's rescoring of every customer with an application on file, and the drift of
    the night's score distribution against the model's training distribution."""

    class Drift(models.TextChoices):
        STABLE = "stable", "Stable (PSI below the moderate level)"
        MODERATE = "moderate", "Moderate shift"
        SIGNIFICANT = "significant", "Significant shift: review the model"
        NOT_MEASURED = "not_measured", "Not measured (no model scores)"

    run_date = models.DateField(unique=True)
    model_version = models.ForeignKey(
        "blockguardian.ModelVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    customers = models.PositiveIntegerField(default=0)
    scored = models.PositiveIntegerField(default=0)
    scored_by_rules = models.PositiveIntegerField(default=0)
    psi = models.FloatField(null=True, blank=True)
    drift = models.CharField(max_length=16, choices=Drift.choices, default=Drift.NOT_MEASURED)
    # Expected (training) and actual (tonight) shares per score bin, with the bin edges.
    distribution = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-run_date"]

    def __str__(self) -> str:
        return f"rescore run {self.run_date}"
