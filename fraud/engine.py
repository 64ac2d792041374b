"""The decision engine: reads the state one decision needs and scores the event. Writes nothing.

State read per event, in one statement on PostgreSQL: the customer's aggregate row by primary key,
for money leaving the destination's first sighting, and for sensitive events the customer's recent
security events through accounts' selector (compiled once per process). The effective thresholds and
the active anomaly model are cached per process and re-checked every `FRAUD_OVERRIDE_REFRESH_SECONDS`
and `FRAUD_MODEL_REFRESH_SECONDS`; the model's trees are walked as flat numpy arrays (`forest`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import time
import uuid
from dataclasses import dataclass, field

import numpy as np
import structlog
from django.conf import settings
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.utils.dateparse import parse_datetime

from accounts import selectors as accounts_selectors
from accounts.models import SecurityEvent, User
from blockguardian import registry
from blockguardian.calendar import business_tz
from blockguardian.crypto import blind_index
from blockguardian.db import prepared_cursor

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
            else:
                forest.prepare()  # the flat copy the hot path walks, built once per process
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


def _security_queryset(user, since: dt.datetime, at: dt.datetime):
    """The customer's security events a decision reads, through accounts' selector."""
    return (
        accounts_selectors.security_event_list(user=user, since=since, kinds=SECURITY_KINDS)
        .filter(created_at__lte=at)
        .exclude(kind="login", outcome="success")
        .values_list("kind", "outcome", "created_at")
    )


# The selector's query is compiled once per process with sentinel values, then bound to each
# customer's: building and compiling it with the ORM costs more than running it.
_SENTINELS = {
    "user": uuid.UUID("00000000-0000-4000-8000-00000000f00d"),
    "since": dt.datetime(1901, 2, 3, 4, 5, 6, tzinfo=dt.UTC),
    "at": dt.datetime(1902, 3, 4, 5, 6, 7, tzinfo=dt.UTC),
}
_compiled: dict = {}


def _prepared(name: str, value) -> object:
    field = User._meta.pk if name == "user" else SecurityEvent._meta.get_field("created_at")
    return field.get_db_prep_value(value, connection)


def _compiled_security_sql() -> tuple[str, list] | None:
    key = (connection.vendor, connection.alias)
    if key not in _compiled:
        qs = _security_queryset(User(pk=_SENTINELS["user"]), _SENTINELS["since"], _SENTINELS["at"])
        sql, params = qs.query.sql_with_params()
        prepared = {name: _prepared(name, value) for name, value in _SENTINELS.items()}
        slots: list = []
        for param in params:
            names = [name for name, value in prepared.items() if value == param]
            slots.append(("bind", names[0]) if len(names) == 1 else ("literal", param))
        bound = {slot[1] for slot in slots if slot[0] == "bind"}
        _compiled[key] = (sql, slots) if bound == set(_SENTINELS) else None
    return _compiled[key]


def _bind(slots: list, values: dict) -> list:
    return [values[value] if kind == "bind" else value for kind, value in slots]


def _security_rows(user, since: dt.datetime, at: dt.datetime) -> list[tuple[str, str, dt.datetime]]:
    compiled = _compiled_security_sql()
    if compiled is None:  # an unexpected query shape: the ORM, as written
        return list(_security_queryset(user, since, at))
    sql, slots = compiled
    values = {"user": _prepared("user", user.pk), "since": _prepared("since", since), "at": _prepared("at", at)}
    with connection.cursor() as cursor:
        cursor.execute(sql, _bind(slots, values))
        rows = cursor.fetchall()
    return [(kind, outcome, _aware(created)) for kind, outcome, created in rows]


def _aware(created) -> dt.datetime | None:
    if isinstance(created, str):  # SQLite
        created = parse_datetime(created)
    if created is not None and created.tzinfo is None:
        created = created.replace(tzinfo=dt.UTC)
    return created


def _security_since(event: MoneyMovementEvent, t: dict) -> dt.datetime:
    return event.occurred_at - dt.timedelta(hours=max(_security_windows(t).values()))


def _security_signals(event: MoneyMovementEvent, t: dict, rows: list | None = None) -> list[SecuritySignal]:
    """The customer's recent security events (read here unless `rows` are given): for each kind
    the latest within its window, and the failed logins within theirs."""
    windows = _security_windows(t)
    at = event.occurred_at
    if rows is None:
        rows = _security_rows(event.customer, _security_since(event, t), at)
    latest: dict[str, dt.datetime] = {}
    failures, last_failure = 0, None
    for kind, outcome, created in rows:
        if kind not in windows or created < at - dt.timedelta(hours=windows[kind]):
            continue
        if kind == "login":
            failures += outcome == "failure"
            last_failure = created if last_failure is None else max(last_failure, created)
        elif kind not in latest or created > latest[kind]:
            latest[kind] = created
    signals = [SecuritySignal(kind, "success", latest[kind]) for kind in sorted(latest)]
    if failures:
        signals += [SecuritySignal("login", "failure", last_failure)] * failures
    return signals


# --- the read, in one statement (PostgreSQL) ----------------------------------------------------
#
# Everything a decision reads is one round trip: the aggregate row by primary key (LEFT JOINed to a
# one-row table, so a customer without an aggregate still gets a row), the destination's first
# sighting as a scalar subquery, and the security events (accounts' selector, compiled above) as
# three arrays from a LATERAL aggregate. Built once per process and shape; other databases read
# through the ORM (`_read_context_orm`), which the tests hold the statement to.

_reads: dict = {}


@dataclass(frozen=True)
class _Read:
    sql: str
    slots: list
    fields: list  # the aggregate's fields, in Snapshot.FIELDS order
    converters: list


def _one_statement_read(*, destination: bool, security: bool) -> _Read | None:
    if connection.vendor != "postgresql":
        return None
    key = (connection.alias, destination, security)
    if key not in _reads:
        _reads[key] = _build_read(destination=destination, security=security)
    return _reads[key]


def _build_read(*, destination: bool, security: bool) -> _Read | None:
    qn = connection.ops.quote_name
    aggregate = CustomerAggregate._meta
    fields = [aggregate.get_field(name) for name in Snapshot.FIELDS]
    key = qn(aggregate.pk.column)
    columns = [f"a.{qn(f.column)}" for f in fields] + [f"a.{key}"]
    slots: list = []
    if destination:
        known = KnownDestination._meta
        first_seen, owner, hashed = (
            qn(known.get_field(name).column) for name in ("first_seen_at", "customer", "destination_hash")
        )
        columns.append(
            f"(SELECT d.{first_seen} FROM {qn(known.db_table)} d WHERE d.{owner} = %s AND d.{hashed} = %s LIMIT 1)"  # noqa: S608 - identifiers from the models, values bound as parameters
        )
        slots += [("bind", "user"), ("bind", "destination")]
    tables = f"(SELECT 1) AS one LEFT JOIN {qn(aggregate.db_table)} a ON a.{key} = %s"
    slots.append(("bind", "user"))
    if security:
        compiled = _compiled_security_sql()
        if compiled is None:
            return None
        security_sql, security_slots = compiled
        columns += ["s.kinds", "s.outcomes", "s.created"]
        tables += (
            " CROSS JOIN LATERAL (SELECT array_agg(q.kind), array_agg(q.outcome), array_agg(q.created_at) FROM ("  # noqa: S608 - identifiers from the models, values bound as parameters
            + security_sql
            + ") AS q(kind, outcome, created_at)) AS s(kinds, outcomes, created)"
        )
        slots += security_slots
    sql = "SELECT " + ", ".join(columns) + " FROM " + tables  # noqa: S608 - identifiers from the models, values bound as parameters
    return _Read(sql=sql, slots=slots, fields=fields, converters=[f.get_db_converters(connection) for f in fields])


def _new_context(event: MoneyMovementEvent, t: dict, snap: Snapshot) -> Context:
    return Context(
        event=event,
        snap=snap,
        t=t,
        hour=event.occurred_at.astimezone(business_tz()).hour,
        device=device_hash(event.user_agent),
        network=network_hash(event.ip),
    )


def _checks(event: MoneyMovementEvent) -> tuple[bool, bool]:
    """(the destination's first sighting is read, the security events are read)."""
    is_sensitive = sensitive(event)
    return is_sensitive and bool(event.destination) and event.direction != SOURCE, is_sensitive


def read_context(event: MoneyMovementEvent, t: dict, *, dest_hash: str | None = None) -> Context:
    """Everything the rules read about this event's customer: the aggregate row by primary key,
    with (for money leaving) the destination's first sighting; and, for sensitive events, the recent
    security events (accounts' selector). One statement on PostgreSQL."""
    check_destination, is_sensitive = _checks(event)
    read = _one_statement_read(destination=check_destination, security=is_sensitive)
    if read is None:
        return _read_context_orm(event, t)
    user = event.customer
    since = _security_since(event, t) if is_sensitive else None
    values = {
        "user": _prepared("user", user.pk),
        "destination": dest_hash if dest_hash is not None else destination_hash(event.destination),
        "since": _prepared("since", since) if since is not None else None,
        "at": _prepared("at", event.occurred_at),
    }
    with prepared_cursor(connection.alias) as cursor:
        cursor.execute(read.sql, _bind(read.slots, values))
        row = cursor.fetchone()
    n = len(read.fields)
    exists = row[n] is not None
    if exists:
        snapshot_values = {}
        for f, converters, value in zip(read.fields, read.converters, row[:n], strict=True):
            for converter in converters:
                value = converter(value, None, connection)
            snapshot_values[f.name] = value
        snap = Snapshot.from_values(snapshot_values)
    else:
        snap = Snapshot()
    ctx = _new_context(event, t, snap)
    rest = list(row[n + 1 :])
    if check_destination:
        first_seen = rest.pop(0)
        if exists:  # a customer without an aggregate has recorded nothing, so no destination either
            ctx.destination_first_seen = first_seen
            ctx.destination_known = first_seen is not None
    if is_sensitive:
        kinds, outcomes, created = (column or [] for column in rest)
        rows = [(k, o, _aware(c)) for k, o, c in zip(kinds, outcomes, created, strict=True)]
        ctx.security = _security_signals(event, t, rows)
    return ctx


def _read_context_orm(event: MoneyMovementEvent, t: dict) -> Context:
    """`read_context` through the ORM: the aggregate row (with the destination's first sighting as
    a scalar subquery), then the security events in a second query."""
    user = event.customer
    check_destination, is_sensitive = _checks(event)
    rows = CustomerAggregate.objects.filter(pk=user.pk)
    if check_destination:
        rows = rows.annotate(
            destination_first_seen=Subquery(
                KnownDestination.objects.filter(
                    customer_id=OuterRef("pk"), destination_hash=destination_hash(event.destination)
                ).values("first_seen_at")[:1]
            )
        )
    row = next(iter(rows), None)
    ctx = _new_context(event, t, Snapshot.from_row(row) if row is not None else Snapshot())
    if check_destination and row is not None:
        # a customer without an aggregate has recorded nothing, so no destination either
        ctx.destination_first_seen = row.destination_first_seen
        ctx.destination_known = row.destination_first_seen is not None
    if is_sensitive:
        ctx.security = _security_signals(event, t)
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
    dest = destination_hash(event.destination)
    ctx = read_context(event, t, dest_hash=dest)
    reasons = rule_reasons(ctx)
    features = feature_vector(ctx)
    evaluation = Evaluation(
        score=0,
        decision=Decision.ALLOW,
        reasons=reasons,
        features=features,
        thresholds=t,
        aggregate_version=ctx.snap.version,
        destination_hash=dest,
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
