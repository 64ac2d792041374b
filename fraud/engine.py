"""The decision engine: reads the state one decision needs and scores the event. Writes nothing.

State read per event, in one query: the customer's aggregate row by primary key, with — for money
leaving or a new funding source — the destination's first sighting and the customer's recent
security events (accounts' selector) as scalar subqueries on their indexes. The effective thresholds and the
active anomaly model are cached per process and re-checked every `FRAUD_OVERRIDE_REFRESH_SECONDS`
and `FRAUD_MODEL_REFRESH_SECONDS`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field

import numpy as np
import structlog
from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Subquery

from accounts import selectors as accounts_selectors
from blockguardian import registry
from blockguardian.calendar import business_tz
from blockguardian.crypto import blind_index

from .aggregates import Snapshot, device_hash, network_hash
from .events import SOURCE, MoneyMovementEvent
from .forest import FORMAT, ForestArrays
from .models import CustomerAggregate, Decision, FraudRuleOverride, KnownDestination
from .rules import (
    SECURITY_KINDS,
    SECURITY_RULES,
    Context,
    Reason,
    SecuritySignal,
    feature_vector,
    rule_reasons,
    sensitive,
)

logger = structlog.get_logger(__name__)

_lock = threading.Lock()
_overrides: dict = {"loaded_at": -1e18, "values": {}}
_model: dict = {"checked_at": -1e18, "version_pk": None, "version": None, "forest": None}


# --- thresholds ---------------------------------------------------------------------------------


def _parse(key: str, raw: str) -> int | float:
    default = settings.FRAUD_THRESHOLDS[key]
    return float(raw) if isinstance(default, float) else int(raw)


def _override_values() -> dict:
    now = time.monotonic()
    if now - _overrides["loaded_at"] > settings.FRAUD_OVERRIDE_REFRESH_SECONDS:
        values = {}
        for key, raw in FraudRuleOverride.objects.filter(active=True).values_list("key", "value"):
            if key in settings.FRAUD_THRESHOLDS:
                try:
                    values[key] = _parse(key, raw)
                except ValueError:
                    logger.error("fraud_override_unreadable", key=key)
        with _lock:
            _overrides.update(loaded_at=now, values=values)
    return _overrides["values"]


def thresholds() -> dict:
    """The settings' thresholds with the active overrides on top."""
    return {**settings.FRAUD_THRESHOLDS, **_override_values()}


def thresholds_digest(t: dict) -> str:
    return hashlib.sha256(json.dumps(t, sort_keys=True).encode()).hexdigest()[:16]


def caches_clear() -> None:
    """Forget the cached overrides and model (after a change in this process; tests)."""
    with _lock:
        _overrides.update(loaded_at=-1e18, values={})
        _model.update(checked_at=-1e18, version_pk=None, version=None, forest=None)


# --- the anomaly model ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ActiveModel:
    version: int
    forest: ForestArrays


def active_model() -> ActiveModel | None:
    """The active fraud model, loaded once per process (re-checked every FRAUD_MODEL_REFRESH_SECONDS)."""
    now = time.monotonic()
    if now - _model["checked_at"] > settings.FRAUD_MODEL_REFRESH_SECONDS:
        version = registry.model_active_version(name=settings.FRAUD_MODEL_NAME)
        if version is None:
            with _lock:
                _model.update(checked_at=now, version_pk=None, version=None, forest=None)
        elif version.pk != _model["version_pk"]:
            try:
                forest = registry.model_load(version=version)
            except Exception as exc:  # noqa: BLE001 - a broken artefact degrades to rules only
                logger.error("fraud_model_load_failed", version=version.version, error=str(exc))
                forest = None
            if not isinstance(forest, ForestArrays) or forest.format != FORMAT:
                logger.error("fraud_model_unusable", version=version.version)
                forest = None
            with _lock:
                _model.update(
                    checked_at=now,
                    version_pk=version.pk,
                    version=version.version if forest else None,
                    forest=forest,
                )
        else:
            _model["checked_at"] = now
    if _model["forest"] is None:
        return None
    return ActiveModel(version=_model["version"], forest=_model["forest"])


def model_points(forest: ForestArrays, features: list[float], t: dict) -> tuple[float, int]:
    """(anomaly score, points) for one event's features."""
    anomaly = forest.anomaly(np.asarray(features, dtype=np.float64))
    threshold = float(forest.calibration.get("threshold", 1.0))
    top = float(forest.calibration.get("top", 1.0))
    if top <= threshold:
        return anomaly, 0
    share = min(1.0, max(0.0, (anomaly - threshold) / (top - threshold)))
    return anomaly, int(round(share * t["model_max_points"]))


# --- one decision ------------------------------------------------------------------------------


def destination_hash(destination: str | None) -> str:
    return blind_index(destination, purpose="fraud_destination") if destination else ""


@dataclass
class Evaluation:
    score: int
    decision: str
    reasons: list[Reason]
    features: list[float]
    thresholds: dict
    aggregate_version: int
    destination_hash: str
    model_version: int | None = None
    model_score: float | None = None
    extra: dict = field(default_factory=dict)

    @property
    def flagged(self) -> bool:
        return self.decision != Decision.ALLOW


def _security_windows(t: dict) -> dict[str, int]:
    """Look-back hours per security-event kind (failed logins under "login")."""
    return {"login": int(t["failed_logins_hours"]), **{kind: int(t[f"{p}_hours"]) for _, kind, p in SECURITY_RULES}}


def _security_subqueries(event: MoneyMovementEvent, t: dict) -> dict:
    """Scalar subqueries over the customer's security events (accounts' selector), answered in
    the same round trip as the aggregate: the latest event of each kind within its window, and the
    failed logins within theirs."""
    at, user = event.occurred_at, event.customer
    annotations = {}
    for kind, hours in _security_windows(t).items():
        events = accounts_selectors.security_event_list(
            user=user, since=at - dt.timedelta(hours=hours), kinds=[kind]
        ).filter(created_at__lte=at)
        if kind == "login":
            failures = events.filter(outcome="failure").order_by()
            annotations["sec_failures"] = Subquery(
                failures.values("user").annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()
            )
            annotations["sec_last_failure"] = Subquery(failures.order_by("-created_at").values("created_at")[:1])
        else:
            annotations[f"sec_{kind}"] = Subquery(events.order_by("-created_at").values("created_at")[:1])
    return annotations


def _signals(latest: dict[str, dt.datetime | None], failures: int, last_failure: dt.datetime | None) -> list:
    """The security events a decision sees: the latest of each kind, and the failed logins."""
    out = [SecuritySignal(kind, "success", at) for kind, at in sorted(latest.items()) if at is not None]
    if failures and last_failure is not None:
        out += [SecuritySignal("login", "failure", last_failure)] * failures
    return out


def _security_read(event: MoneyMovementEvent, t: dict) -> list:
    """The same as the subqueries, in a query of its own (a customer without an aggregate)."""
    windows = _security_windows(t)
    at = event.occurred_at
    rows = (
        accounts_selectors.security_event_list(
            user=event.customer, since=at - dt.timedelta(hours=max(windows.values())), kinds=SECURITY_KINDS
        )
        .filter(created_at__lte=at)
        .exclude(kind="login", outcome="success")
        .values_list("kind", "outcome", "created_at")
    )
    latest: dict[str, dt.datetime | None] = {kind: None for kind in windows if kind != "login"}
    failures, last_failure = 0, None
    for kind, outcome, created in rows:
        if created < at - dt.timedelta(hours=windows[kind]):
            continue
        if kind == "login":
            failures += outcome == "failure"
            last_failure = created if last_failure is None else max(last_failure, created)
        elif latest[kind] is None or created > latest[kind]:
            latest[kind] = created
    return _signals(latest, failures, last_failure)


def read_context(event: MoneyMovementEvent, t: dict) -> Context:
    """Everything the rules read about this event's customer, in one query: the aggregate row,
    with (for money leaving) the destination's first sighting and the recent security events as
    scalar subqueries. A customer without an aggregate costs one more query for security events."""
    user = event.customer
    rows = CustomerAggregate.objects.filter(pk=user.pk)
    is_sensitive = sensitive(event)
    check_destination = is_sensitive and bool(event.destination) and event.direction != SOURCE
    if check_destination:
        rows = rows.annotate(
            destination_first_seen=Subquery(
                KnownDestination.objects.filter(
                    customer_id=OuterRef("pk"), destination_hash=destination_hash(event.destination)
                ).values("first_seen_at")[:1]
            )
        )
    if is_sensitive:
        rows = rows.annotate(**_security_subqueries(event, t))
    row = next(iter(rows), None)
    snap = Snapshot.from_row(row) if row is not None else Snapshot()
    ctx = Context(
        event=event,
        snap=snap,
        t=t,
        hour=event.occurred_at.astimezone(business_tz()).hour,
        device=device_hash(event.user_agent),
        network=network_hash(event.ip),
    )
    if check_destination and row is not None:
        # a customer without an aggregate has recorded nothing, so no destination either
        ctx.destination_first_seen = row.destination_first_seen
        ctx.destination_known = row.destination_first_seen is not None
    if is_sensitive:
        if row is None:
            ctx.security = _security_read(event, t)
        else:
            latest = {kind: getattr(row, f"sec_{kind}") for _, kind, _ in SECURITY_RULES}
            ctx.security = _signals(latest, row.sec_failures or 0, row.sec_last_failure)
    return ctx


def evaluate(
    event: MoneyMovementEvent,
    *,
    t: dict | None = None,
    model: ActiveModel | None | bool = True,
) -> Evaluation:
    """Score one event against the current state. `model=True` uses the active model; pass an
    `ActiveModel` (evaluation) or None (rules only)."""
    t = t if t is not None else thresholds()
    if model is True:
        model = active_model()
    ctx = read_context(event, t)
    reasons = rule_reasons(ctx)
    features = feature_vector(ctx)
    evaluation = Evaluation(
        score=0,
        decision=Decision.ALLOW,
        reasons=reasons,
        features=features,
        thresholds=t,
        aggregate_version=ctx.snap.version,
        destination_hash=destination_hash(event.destination),
    )
    if model:
        anomaly, points = model_points(model.forest, features, t)
        evaluation.model_version, evaluation.model_score = model.version, round(anomaly, 6)
        if points:
            reasons.append(Reason("anomaly_model", points, f"anomaly score {anomaly:.3f} (model v{model.version})"))
    score = min(1000, sum(r.points for r in reasons))
    evaluation.score = score
    if score >= t["block_score"]:
        evaluation.decision = Decision.BLOCK
    elif score >= t["review_score"]:
        evaluation.decision = Decision.REVIEW
    return evaluation
