"""Replaying generated activity through the real decision path, and measuring it.

`materialise` writes a dataset's customers and security events; `replay` feeds its events in time
order through the same engine `assess()` uses (history events are only recorded, like imported
activity; a blocked event is not recorded, as a refused request never is); `measure` compares the
decisions with the labels, which the engine never sees.

Per pattern, an *instance* (one takeover, one burst, one mule) is detected when one of its events
is flagged (review or block) no later than its key movement: the movement the pattern exists for
is then held or refused. Recall is over instances; event-level recall is reported beside it.
The false-positive rate is the share of normal customers' assessed events that are flagged.
Precision per pattern is flagged events of the pattern over those plus all flagged normal events.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Case, DateTimeField, Value, When
from tqdm import tqdm

from accounts.models import SecurityEvent, User

from . import engine, services
from .events import MoneyMovementEvent
from .models import Decision
from .simulation import NORMAL, PATTERNS, ActivityParams, Dataset, generate, jittered
from .training import forest_fit

EMAIL_DOMAIN = "activity.example"


def email_prefix(seed: int, tag: str = "act") -> str:
    return f"{tag}{seed}-"


def materialise(dataset: Dataset, *, tag: str = "act") -> dict[int, User]:
    """Create the dataset's customers and security events (idempotent per seed and tag): the
    customers keep their opening dates, the security events their times."""
    prefix = email_prefix(dataset.seed, tag)
    existing = {u.email: u for u in User.objects.filter(email__startswith=prefix, email__endswith=EMAIL_DOMAIN)}
    unusable = make_password(None)
    new = []
    for c in dataset.customers:
        email = f"{prefix}{c.key}@{EMAIL_DOMAIN}"
        if email not in existing:
            new.append(
                User(
                    email=email,
                    password=unusable,
                    first_name="Sim",
                    last_name=f"{tag}{dataset.seed}-{c.key}",
                    email_verified=True,
                    date_joined=c.joined,
                )
            )
    User.objects.bulk_create(new, batch_size=500)
    users = {u.email: u for u in User.objects.filter(email__startswith=prefix, email__endswith=EMAIL_DOMAIN)}
    by_key = {c.key: users[f"{prefix}{c.key}@{EMAIL_DOMAIN}"] for c in dataset.customers}
    new_emails = {u.email for u in new}
    fresh = [s for s in dataset.security if by_key[s.customer].email in new_emails]
    if fresh:
        created = SecurityEvent.objects.bulk_create(
            [
                SecurityEvent(
                    user=by_key[s.customer],
                    kind=s.kind,
                    outcome=s.outcome,
                    ip_address=s.ip or None,
                    user_agent=s.user_agent[:300],
                    detail={"source": "generate_activity"},
                )
                for s in fresh
            ],
            batch_size=500,
        )
        # auto_now_add stamps "now": put the events back at their own times
        pairs = [(row.pk, s.at) for row, s in zip(created, fresh, strict=True)]
        for i in range(0, len(pairs), 500):
            chunk = pairs[i : i + 500]
            SecurityEvent.objects.filter(pk__in=[pk for pk, _ in chunk]).update(
                created_at=Case(*[When(pk=pk, then=Value(at)) for pk, at in chunk], output_field=DateTimeField())
            )
    return by_key


@dataclass
class Outcome:
    seq: int
    pattern: str
    instance: int
    key: bool
    type: str
    decision: str
    score: int
    reasons: tuple[str, ...]
    features: list[float]

    @property
    def flagged(self) -> bool:
        return self.decision != Decision.ALLOW


def to_event(dataset: Dataset, e, users: dict[int, User], tag: str) -> MoneyMovementEvent:
    return MoneyMovementEvent(
        customer=users[e.customer],
        portfolio_id=None,
        type=e.type,
        method=e.method,
        amount=e.amount,
        asset=e.asset,
        destination=e.destination,
        occurred_at=e.at,
        ip=e.ip or None,
        user_agent=e.user_agent or None,
        reference=f"sim:{tag}{dataset.seed}:{e.seq}",
    )


def replay(
    dataset: Dataset,
    users: dict[int, User],
    *,
    model: engine.ActiveModel | None = None,
    thresholds: dict | None = None,
    store: bool = True,
    tag: str = "act",
    progress: bool = False,
) -> list[Outcome]:
    """Feed the events in time order; returns one outcome per assessed event."""
    t = thresholds if thresholds is not None else engine.thresholds()
    start = dataset.params.start_at
    outcomes: list[Outcome] = []
    for e in tqdm(dataset.events, desc=f"replay seed {dataset.seed}", unit="event", disable=not progress):
        event = to_event(dataset, e, users, tag)
        if e.at < start or not e.assessed:
            services.record(event)
            continue
        evaluation = engine.evaluate(event, t=t, model=model)
        if store:
            services.decision_store(event=event, evaluation=evaluation)
        outcomes.append(
            Outcome(
                seq=e.seq,
                pattern=e.pattern,
                instance=e.instance,
                key=e.key,
                type=e.type,
                decision=evaluation.decision,
                score=evaluation.score,
                reasons=tuple(r.code for r in evaluation.reasons),
                features=evaluation.features,
            )
        )
        if evaluation.decision != Decision.BLOCK:
            services.record(event)
    return outcomes


def measure(outcomes: list[Outcome]) -> dict:
    """Precision, recall and false-positive rate per pattern (see the module's docstring)."""
    normal = [o for o in outcomes if o.pattern == NORMAL]
    false_positives = sum(o.flagged for o in normal)
    result: dict = {
        "normal_events": len(normal),
        "false_positives": false_positives,
        "fpr": round(false_positives / len(normal), 4) if normal else 0.0,
        "patterns": {},
    }
    fp_reasons: dict[str, int] = defaultdict(int)
    for o in normal:
        if o.flagged:
            for code in o.reasons:
                fp_reasons[code] += 1
    result["false_positive_reasons"] = dict(sorted(fp_reasons.items(), key=lambda kv: -kv[1]))
    for pattern in PATTERNS:
        events = [o for o in outcomes if o.pattern == pattern]
        instances: dict[int, list[Outcome]] = defaultdict(list)
        for o in events:
            instances[o.instance].append(o)
        detected = 0
        for items in instances.values():
            key_seq = max((o.seq for o in items if o.key), default=max(o.seq for o in items))
            if any(o.flagged and o.seq <= key_seq for o in items):
                detected += 1
        flagged_events = sum(o.flagged for o in events)
        result["patterns"][pattern] = {
            "instances": len(instances),
            "detected": detected,
            "recall": round(detected / len(instances), 4) if instances else None,
            "events": len(events),
            "event_recall": round(flagged_events / len(events), 4) if events else None,
            "key_blocked": sum(o.key and o.decision == Decision.BLOCK for o in events),
            "precision": round(flagged_events / (flagged_events + false_positives), 4)
            if flagged_events + false_positives
            else None,
        }
    return result


@dataclass
class Run:
    train_seed: int
    seed: int
    jitter: bool
    model: engine.ActiveModel | None
    training: dict
    metrics: dict


def train_on(dataset: Dataset, *, tag: str = "train", progress: bool = False, trees: int = 100, seed: int = 0):
    """Replay a training set (rules only) and fit the model on its assessed events' features.
    Returns (forest, features, labels-is-normal mask)."""
    users = materialise(dataset, tag=tag)
    outcomes = replay(dataset, users, model=None, store=False, tag=tag, progress=progress)
    features = np.asarray([o.features for o in outcomes], dtype=np.float64)
    normal = np.asarray([o.pattern == NORMAL for o in outcomes])
    forest, _ = forest_fit(features, normal=normal, trees=trees, seed=seed)
    return forest, features, normal, measure(outcomes)


def evaluate_run(
    *,
    seed: int,
    train_seed: int = 1,
    jitter: bool = False,
    params: ActivityParams | None = None,
    train_params: ActivityParams | None = None,
    progress: bool = False,
    store: bool = True,
) -> Run:
    """Train on `train_seed`'s activity, evaluate on `seed`'s (jittered ±30% when asked). Runs in a
    transaction that is rolled back: nothing it writes is kept."""
    if seed == train_seed:
        raise ValueError("the evaluation seed must differ from the training seed")
    params = params or ActivityParams()
    train_params = train_params or params
    with transaction.atomic():
        forest, _, _, training = train_on(generate(train_params, train_seed), progress=progress)
        model = engine.ActiveModel(version=0, forest=forest)
        eval_params = jittered(params, seed) if jitter else params
        dataset = generate(eval_params, seed)
        users = materialise(dataset, tag="eval")
        outcomes = replay(dataset, users, model=model, store=store, tag="eval", progress=progress)
        metrics = measure(outcomes)
        transaction.set_rollback(True)
    return Run(train_seed=train_seed, seed=seed, jitter=jitter, model=model, training=training, metrics=metrics)


def activity_load(dataset: Dataset, *, tag: str = "act", assess: bool = True, progress: bool = False) -> dict:
    """Write a dataset for good (demo data, benchmarks): customers, security events, and its events
    recorded — window events first assessed with the active model when `assess`. Idempotent: a
    dataset already loaded under this seed and tag is left as it is."""
    from .models import MovementRecord

    users = materialise(dataset, tag=tag)
    loaded = MovementRecord.objects.filter(reference__startswith=f"sim:{tag}{dataset.seed}:").exists()
    if loaded:
        return {"customers": len(users), "events": 0, "flagged": 0, "already_loaded": True}
    outcomes = []
    if assess:
        outcomes = replay(dataset, users, model=engine.active_model(), store=True, tag=tag, progress=progress)
    else:
        for e in tqdm(dataset.events, desc=f"record seed {dataset.seed}", unit="event", disable=not progress):
            services.record(to_event(dataset, e, users, tag))
    return {
        "customers": len(users),
        "events": len(dataset.events),
        "flagged": sum(o.flagged for o in outcomes),
        "already_loaded": False,
    }


def train_generated(
    *, seed: int, params: ActivityParams | None = None, trees: int = 100, progress: bool = False
) -> tuple:
    """Fit the model on generated activity in a rolled-back transaction (nothing is kept).
    Returns (forest, features, normal mask, rules-only training metrics)."""
    with transaction.atomic():
        result = train_on(generate(params or ActivityParams(), seed), progress=progress, trees=trees)
        transaction.set_rollback(True)
    return result
