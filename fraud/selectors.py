"""Reads other apps may use (compliance, the callers). Nothing here is ever shown to a customer."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from .models import FraudAlert, SeniorHold, StoredDecision


def decision_for_reference(*, reference: str) -> StoredDecision | None:
    """The decision a caller linked to what it stored (`decision_attach_reference`)."""
    return StoredDecision.objects.filter(reference=reference).order_by("-id").first()


def confirmed_fraud_list(*, since: dt.datetime) -> QuerySet[FraudAlert]:
    """Alerts confirmed as fraud since `since`, oldest first (compliance's monitoring input)."""
    return (
        FraudAlert.objects.filter(state=FraudAlert.State.CONFIRMED_FRAUD, resolved_at__gte=since)
        .select_related("decision")
        .order_by("resolved_at", "id")
    )


def customer_has_open_alert(*, customer) -> bool:
    return FraudAlert.objects.filter(customer=customer, state=FraudAlert.State.OPEN).exists()


def senior_hold_active_list(*, customer=None) -> QuerySet[SeniorHold]:
    holds = SeniorHold.objects.filter(state=SeniorHold.State.ACTIVE)
    return holds.filter(customer=customer) if customer is not None else holds


def alert_dashboard_counts(*, since: dt.datetime) -> dict[str, int]:
    """The risk analysts' dashboard: alerts raised since `since` by severity, and every open
    alert (one query)."""
    from django.db.models import Count, Q

    return FraudAlert.objects.aggregate(
        today_review=Count("id", filter=Q(created_at__gte=since, severity="review")),
        today_block=Count("id", filter=Q(created_at__gte=since, severity="block")),
        open=Count("id", filter=Q(state=FraudAlert.State.OPEN)),
        confirmed_today=Count("id", filter=Q(resolved_at__gte=since, state=FraudAlert.State.CONFIRMED_FRAUD)),
    )
