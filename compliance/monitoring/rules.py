"""The monitoring rules.

Over trading's transactions (each one set-based query per batch, read through trading's
selectors): large cash, structuring, rapid movement in and out, loan proceeds moved out, volume far
above the customer's own history, high-risk jurisdictions. Over other sources: confirmed fraud
(fraud's selectors) and chain-record mismatches (the chain's signal, stored here).

A detection's key names what it is about (a customer's day, episode, loan or transaction), never
the run that found it, so a re-run or an overlapping by-hand run finds the same key and raises
nothing new.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from blockguardian.money import to_decimal

from ..models import ChainMismatchEvent
from ..services.cases import Detection
from .base import Batch, Rule, TransactionRule, Window

TX = "trading.transaction"


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


def _refs(ids: str) -> tuple[str, ...]:
    """Evidence references from a comma-separated list of transaction ids (sorted, unique)."""
    return tuple(f"{TX}:{n}" for n in sorted({int(x) for x in ids.split(",") if x}))


def _dates(window: Window) -> dict:
    return {"since": window.since, "until": window.until}


def _batch(window: Window, bounds: dict) -> dict:
    return {"after_id": window.after_id, "last_id": bounds["last_id"], **_dates(window)}


def _wide(bounds: dict) -> bool:
    """A batch this large touches most customers: read its look-back window by time, once, not
    customer by customer (each rule's selector says how)."""
    return bounds["rows"] >= settings.MONITORING_SQL_WIDE_BATCH_ROWS


class LargeCashRule(TransactionRule):
    """A person's physical cash in (or out) on one CTR business day, across all their portfolios,
    above the CTR threshold (the CTR itself is drafted by the daily CTR job)."""

    name = "large_cash"
    version = "1"
    description = "Cash in or out above the CTR threshold on one business day"
    source = "branch_cash"
    setting_names = ("CTR_THRESHOLD", "MONITORING_LARGE_CASH_SCORE")

    def detect(self, *, window: Window, bounds: dict) -> list[Detection]:
        from trading import selectors as trading_selectors

        rows = trading_selectors.cash_days_over_threshold_rows(
            threshold=to_decimal(settings.CTR_THRESHOLD),
            first_day=bounds["first_day"],
            last_day=bounds["last_day"],
            wide=_wide(bounds),
            **_batch(window, bounds),
        )
        return [
            Detection(
                dedup_key=f"{r['customer_id']}:{r['direction']}:{r['day'].isoformat()}",
                customer_id=r["customer_id"],
                evidence=_refs(r["ids"]),
                score=settings.MONITORING_LARGE_CASH_SCORE,
                amount=r["total"],
                activity_start=r["day"],
                activity_end=r["day"],
                details={"direction": r["direction"], "transactions": r["n"], "ctr_business_day": r["day"].isoformat()},
            )
            for r in rows
        ]


def _business_days_back(first: dt.date, last: dt.date, lookback: int) -> list[dt.date]:
    """The Fed business days from `lookback` business days before `first` through `last`."""
    from blockguardian.calendar import is_fed_business_day

    start = first
    for _ in range(lookback):
        start -= dt.timedelta(days=1)
        while not is_fed_business_day(start):
            start -= dt.timedelta(days=1)
    days, current = [], start
    while current <= last:
        if is_fed_business_day(current):
            days.append(current)
        current += dt.timedelta(days=1)
    return days


class StructuringRule(TransactionRule):
    """Cash kept under the CTR threshold: amounts in the band on several business days within the
    window, or several on one day summing above the threshold. One alert per episode (the band days
    of a customer and direction less than the window apart), keyed by its first day: a later
    deposit in the same episode raises nothing new. Never suppresses a CTR."""

    name = "structuring"
    version = "1"
    description = "Cash amounts just under the CTR threshold on several days or split on one day"
    source = "branch_cash"
    setting_names = (
        "STRUCTURING_BAND_MIN",
        "STRUCTURING_BAND_MAX",
        "STRUCTURING_MIN_DAYS",
        "STRUCTURING_WINDOW_BUSINESS_DAYS",
        "STRUCTURING_SAME_DAY_COUNT",
        "STRUCTURING_LOOKBACK_BUSINESS_DAYS",
        "CTR_THRESHOLD",
        "MONITORING_STRUCTURING_SCORE",
    )

    def detect(self, *, window: Window, bounds: dict) -> list[Detection]:
        from trading import selectors as trading_selectors

        rows = trading_selectors.cash_band_episode_rows(
            band=(to_decimal(settings.STRUCTURING_BAND_MIN), to_decimal(settings.STRUCTURING_BAND_MAX)),
            business_days=_business_days_back(
                bounds["first_day"], bounds["last_day"], settings.STRUCTURING_LOOKBACK_BUSINESS_DAYS
            ),
            window=settings.STRUCTURING_WINDOW_BUSINESS_DAYS,
            min_days=settings.STRUCTURING_MIN_DAYS,
            same_day_count=settings.STRUCTURING_SAME_DAY_COUNT,
            threshold=to_decimal(settings.CTR_THRESHOLD),
            wide=_wide(bounds),
            **_batch(window, bounds),
        )
        return [
            Detection(
                dedup_key=f"{r['customer_id']}:{r['direction']}:{r['first_day'].isoformat()}",
                customer_id=r["customer_id"],
                evidence=_refs(r["ids"]),
                score=settings.MONITORING_STRUCTURING_SCORE,
                amount=r["total"],
                activity_start=r["first_day"],
                activity_end=r["last_day"],
                details={
                    "direction": r["direction"],
                    "transactions": r["n"],
                    "business_days": r["days"],
                    "most_days_in_window": r["max_days_in_window"],
                    "most_on_one_day": r["max_same_day"],
                },
            )
            for r in rows
        ]


class RapidMovementRule(TransactionRule):
    """Money in and out again within a few days (deposits and withdrawals of any method but
    internal ones), keyed by the customer and the first day money came in."""

    name = "rapid_movement"
    version = "1"
    description = "Funds deposited and withdrawn again within days"
    source = "transfers"
    setting_names = (
        "RAPID_MOVEMENT_DAYS",
        "RAPID_MOVEMENT_MIN_AMOUNT",
        "RAPID_MOVEMENT_OUT_RATIO",
        "MONITORING_RAPID_MOVEMENT_SCORE",
    )

    def detect(self, *, window: Window, bounds: dict) -> list[Detection]:
        from trading import selectors as trading_selectors

        rows = trading_selectors.rapid_movement_rows(
            first_day=bounds["first_day"],
            last_day=bounds["last_day"],
            days=settings.RAPID_MOVEMENT_DAYS,
            min_amount=to_decimal(settings.RAPID_MOVEMENT_MIN_AMOUNT),
            out_ratio=to_decimal(settings.RAPID_MOVEMENT_OUT_RATIO),
            wide=_wide(bounds),
            **_batch(window, bounds),
        )
        return [
            Detection(
                dedup_key=f"{r['customer_id']}:{r['first_in_day'].isoformat()}",
                customer_id=r["customer_id"],
                evidence=_refs(r["ids"]),
                score=settings.MONITORING_RAPID_MOVEMENT_SCORE,
                amount=r["amount_out"],
                activity_start=r["window_start"],
                activity_end=r["day"],
                details={"amount_in": str(r["amount_in"]), "amount_out": str(r["amount_out"])},
            )
            for r in rows
        ]


class LoanProceedsOutRule(TransactionRule):
    """Loan proceeds paid into a portfolio and withdrawn within days (lending's disbursements,
    trading's withdrawals), one alert per loan."""

    name = "loan_proceeds_out"
    version = "1"
    description = "Loan proceeds withdrawn soon after disbursement"
    source = "withdrawals"
    setting_names = ("LOAN_PROCEEDS_OUT_DAYS", "LOAN_PROCEEDS_OUT_RATIO", "MONITORING_LOAN_PROCEEDS_SCORE")

    def detect(self, *, window: Window, bounds: dict) -> list[Detection]:
        from lending import selectors as lending_selectors
        from trading import selectors as trading_selectors

        rows = trading_selectors.outflows_after_events_rows(
            events=lending_selectors.loan_disbursement_events(),
            first_day=bounds["first_day"],
            last_day=bounds["last_day"],
            days=settings.LOAN_PROCEEDS_OUT_DAYS,
            ratio=to_decimal(settings.LOAN_PROCEEDS_OUT_RATIO),
            wide=_wide(bounds),
            **_batch(window, bounds),
        )
        return [
            Detection(
                dedup_key=f"lending.loan:{r['event_id']}",
                customer_id=r["customer_id"],
                evidence=(f"lending.loan:{r['event_id']}", *_refs(r["ids"])),
                score=settings.MONITORING_LOAN_PROCEEDS_SCORE,
                amount=r["moved_out"],
                activity_start=_day(r["occurred_at"]),
                activity_end=_day(r["last_out_at"]),
                details={"proceeds": str(r["amount"]), "moved_out": str(r["moved_out"])},
            )
            for r in rows
        ]


class VolumeSpikeRule(TransactionRule):
    """One business day's volume far above the customer's own average active day."""

    name = "volume_spike"
    version = "1"
    description = "Volume far above the customer's own history"
    source = "volume"
    setting_names = (
        "VOLUME_SPIKE_HISTORY_DAYS",
        "VOLUME_SPIKE_MULTIPLE",
        "VOLUME_SPIKE_MIN_AMOUNT",
        "VOLUME_SPIKE_MIN_HISTORY_DAYS",
        "MONITORING_VOLUME_SPIKE_SCORE",
    )

    def detect(self, *, window: Window, bounds: dict) -> list[Detection]:
        from trading import selectors as trading_selectors

        rows = trading_selectors.volume_spike_rows(
            first_day=bounds["first_day"],
            last_day=bounds["last_day"],
            history_days=settings.VOLUME_SPIKE_HISTORY_DAYS,
            multiple=to_decimal(settings.VOLUME_SPIKE_MULTIPLE),
            min_amount=to_decimal(settings.VOLUME_SPIKE_MIN_AMOUNT),
            min_history_days=settings.VOLUME_SPIKE_MIN_HISTORY_DAYS,
            wide=_wide(bounds),
            **_batch(window, bounds),
        )
        return [
            Detection(
                dedup_key=f"{r['customer_id']}:{r['day'].isoformat()}",
                customer_id=r["customer_id"],
                evidence=_refs(r["ids"]),
                score=settings.MONITORING_VOLUME_SPIKE_SCORE,
                amount=r["volume"],
                activity_start=r["day"],
                activity_end=r["day"],
                details={
                    "volume": str(r["volume"]),
                    "average_active_day": str(round(r["history_volume"] / r["history_days"], 2)),
                    "active_days": r["history_days"],
                },
            )
            for r in rows
        ]


class HighRiskJurisdictionRule(TransactionRule):
    """A wire whose recorded parties (beneficiary, originator, their institutions) are in a
    sanctioned or high-risk country (`HIGH_RISK_COUNTRIES`)."""

    name = "high_risk_jurisdiction"
    version = "1"
    description = "Wire with a party in a sanctioned or high-risk jurisdiction"
    source = "wires"
    setting_names = ("HIGH_RISK_COUNTRIES", "MONITORING_HIGH_RISK_JURISDICTION_SCORE")

    def fetch(self, window: Window) -> Batch:
        """The wires after the watermark are read once, bounds and detections together, when they
        fit in one batch (no look-back: the batch's own rows are all the rule reads)."""
        from trading import selectors as trading_selectors

        if self._backlog_over_limit or not settings.HIGH_RISK_COUNTRIES:
            return super().fetch(window)
        found = trading_selectors.wires_to_countries_backlog(
            after_id=window.after_id,
            limit=window.limit,
            countries=list(settings.HIGH_RISK_COUNTRIES),
            lag_seconds=settings.MONITORING_SOURCE_LAG_SECONDS,
            **_dates(window),
        )
        if found is None:
            self._backlog_over_limit = True
            return super().fetch(window)
        return Batch(tuple(self._detections(found["detections"])), found["rows"], last_id=found["last_id"])

    def detect(self, *, window: Window, bounds: dict) -> list[Detection]:
        from trading import selectors as trading_selectors

        if not settings.HIGH_RISK_COUNTRIES:
            return []
        rows = trading_selectors.wires_to_countries_rows(
            countries=list(settings.HIGH_RISK_COUNTRIES), **_batch(window, bounds)
        )
        return self._detections(rows)

    def _detections(self, rows: list[dict]) -> list[Detection]:
        return [
            Detection(
                dedup_key=f"{TX}:{r['id']}",
                customer_id=r["customer_id"],
                evidence=(f"{TX}:{r['id']}",),
                score=settings.MONITORING_HIGH_RISK_JURISDICTION_SCORE,
                amount=r["amount"],
                activity_start=r["day"],
                activity_end=r["day"],
                details={"type": r["type"], "countries": sorted(set(r["countries"]))},
            )
            for r in rows
        ]


RULES: tuple[type[Rule], ...] = (
    LargeCashRule,
    StructuringRule,
    RapidMovementRule,
    LoanProceedsOutRule,
    VolumeSpikeRule,
    HighRiskJurisdictionRule,
    ConfirmedFraudRule,
    ChainMismatchRule,
)


def rule_classes() -> dict[str, type[Rule]]:
    return {rule.name: rule for rule in RULES}
