"""The monitoring rules whose sources exist.

Rules over trading's transactions (large cash, structuring, rapid movement, loan proceeds moved
out, volume far above the customer's history, high-risk jurisdictions) plug in here once trading
offers the selectors they read.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from ..models import ChainMismatchEvent
from ..services.cases import Detection
from .base import Batch, Rule, Window


def _day(moment: dt.datetime) -> dt.date:
    from blockguardian.calendar import business_date

    return business_date(moment)


class ConfirmedFraudRule(Rule):
    """A fraud alert confirmed by a risk analyst (fraud's `confirmed_fraud_list` selector)."""

    name = "confirmed_fraud"
    version = "1"
    description = "Fraud confirmed by a risk analyst"
    watermark = "time"
    setting_names = ("MONITORING_CONFIRMED_FRAUD_SCORE",)

    def fetch(self, window: Window) -> Batch:
        from fraud import selectors as fraud_selectors

        since = window.after_at or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        alerts = fraud_selectors.confirmed_fraud_list(since=since)
        if window.after_at is not None:
            alerts = alerts.exclude(resolved_at=window.after_at, id__lte=window.after_id)
        if window.since:
            alerts = alerts.filter(resolved_at__date__gte=window.since)
        if window.until:
            alerts = alerts.filter(resolved_at__date__lte=window.until)
        rows = list(alerts[: window.limit])
        detections = [
            Detection(
                dedup_key=f"fraud.fraudalert:{a.pk}",
                customer_id=a.customer_id,
                evidence=tuple(
                    ref for ref in (f"fraud.fraudalert:{a.pk}", a.decision.reference if a.decision_id else "") if ref
                ),
                score=settings.MONITORING_CONFIRMED_FRAUD_SCORE,
                amount=a.decision.amount if a.decision_id else None,
                activity_start=_day(a.created_at),
                activity_end=_day(a.resolved_at),
                details={"fraud_score": a.score, "severity": a.severity},
            )
            for a in rows
        ]
        last = rows[-1] if rows else None
        return Batch(detections, len(rows), last_id=last.pk if last else 0, last_at=last.resolved_at if last else None)


class ChainMismatchRule(Rule):
    """An anchored record that no longer matches its root on chain (the chain's mismatch signal,
    stored as it arrives)."""

    name = "chain_mismatch"
    version = "1"
    description = "A record differs from what was anchored on chain"
    setting_names = ("MONITORING_CHAIN_MISMATCH_SCORE",)

    def fetch(self, window: Window) -> Batch:
        events = ChainMismatchEvent.objects.filter(pk__gt=window.after_id).order_by("pk")
        if window.since:
            events = events.filter(received_at__date__gte=window.since)
        if window.until:
            events = events.filter(received_at__date__lte=window.until)
        rows = list(events[: window.limit])
        detections = [
            Detection(
                dedup_key=f"{e.record_kind}:{e.record_id}:{e.reason}:{e.batch_id}",
                customer_id=None,
                evidence=(f"compliance.chainmismatchevent:{e.pk}", f"chain.{e.record_kind}:{e.record_id}"),
                score=settings.MONITORING_CHAIN_MISMATCH_SCORE,
                activity_start=_day(e.received_at),
                activity_end=_day(e.received_at),
                details={"reason": e.reason, "batch_id": e.batch_id},
            )
            for e in rows
        ]
        return Batch(
            detections, len(rows), last_id=rows[-1].pk if rows else 0, last_at=timezone.now() if rows else None
        )


RULES: tuple[type[Rule], ...] = (ConfirmedFraudRule, ChainMismatchRule)


def rule_classes() -> dict[str, type[Rule]]:
    return {rule.name: rule for rule in RULES}
