"""Every write of the credit app: scores, the repayment record, training and registering the
scorecard, nightly rescoring with its drift figure, and erasure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import structlog
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from blockguardian.audit.services import audit_bulk_created
from blockguardian.calendar import business_date
from blockguardian.chain.services import anchor_record_enqueue, anchor_records_enqueue
from blockguardian.legalhold import legal_hold_store
from blockguardian.models import ModelVersion
from blockguardian.money import quantize_cash, to_decimal
from blockguardian.registry import artefact_dumps, model_activate, model_active_version, model_register
from blockguardian.retention import RetentionClass, retain_until

from .engine import ScoreResult, active_scorecard, scaling_from_settings, score_attributes, score_attributes_with
from .errors import CreditEventInvalid, CreditEventReferenceReused, CreditModelRejected
from .mapping import Application, PlatformFacts, model_attributes
from .models import CreditEvent, CreditEventKind, CreditProfile, CreditScore, RescoreRun, ScoreMethod, ScoreSource
from .platform import platform_facts, platform_facts_many
from .selectors import SCORE_ANCHOR_KIND, score_anchor_payload, score_export_row
from .training import DEFAULT_DATA_PATH, TrainingResult, population_stability_index, scorecard_train, training_data_load

logger = structlog.get_logger(__name__)


def _usd_per_dm() -> Decimal:
    return Decimal(settings.CREDIT_USD_PER_DM)


def _json_safe(attributes: dict[str, Any]) -> dict[str, Any]:
    return {k: (round(v, 2) if isinstance(v, float) else v) for k, v in attributes.items()}


def _score_row(
    *, user_id: Any, inputs: dict, attributes: dict, result: ScoreResult, now: dt.datetime, **extra
) -> CreditScore:
    return CreditScore(
        user_id=user_id,
        scored_at=now,
        valid_until=now + dt.timedelta(days=settings.CREDIT_SCORE_VALID_DAYS),
        score=result.score,
        band=result.band,
        probability_of_default=result.probability_of_default,
        method=result.method,
        model_version=result.model_version,
        inputs=inputs,
        features=_json_safe(attributes),
        points=result.points,
        reasons=result.reasons,
        retain_until=retain_until(RetentionClass.CREDIT_APPLICATION, now),
        **extra,
    )


# --- scores --------------------------------------------------------------------------------------


def credit_score_calculate(*, user: Any, application: Application, now: dt.datetime | None = None) -> CreditScore:
    """Score an application against the customer's platform data and keep the record (inputs,
    attributes, points, reasons). The application becomes the one the nightly rescoring uses."""
    now = now or timezone.now()
    # Reads of other apps happen before the transaction: a failed read is "unknown", never a
    # poisoned transaction.
    facts: PlatformFacts = platform_facts(user=user, on=business_date(now))
    attributes = model_attributes(application, facts, usd_per_dm=_usd_per_dm())
    result = score_attributes([attributes])[0]
    return _score_store(user=user, application=application, attributes=attributes, result=result, now=now)


@transaction.atomic
def _score_store(
    *, user: Any, application: Application, attributes: dict, result: ScoreResult, now: dt.datetime
) -> CreditScore:
    inputs = application.to_inputs()
    score = _score_row(user_id=user.pk, inputs=inputs, attributes=attributes, result=result, now=now)
    score.save()
    _score_anchor(score)
    # The application on file (its history is the scores themselves, so it is not audited).
    if not CreditProfile.objects.filter(user=user).update(inputs=inputs, updated_at=now):
        try:
            with transaction.atomic():
                CreditProfile.objects.create(user=user, inputs=inputs, updated_at=now)
        except IntegrityError:  # a concurrent first application created it
            CreditProfile.objects.filter(user=user).update(inputs=inputs, updated_at=now)
    logger.info("credit_scored", score_id=str(score.public_id), method=score.method, source=score.source)
    return score


def _score_anchor(score: CreditScore) -> None:
    """Commit to the score on chain (batched, after commit, through the outbox)."""
    anchor_record_enqueue(kind=SCORE_ANCHOR_KIND, record_id=score.public_id, payload=score_anchor_payload(score=score))


# --- the repayment record ------------------------------------------------------------------------


def credit_event_record(
    *, user: Any, kind: str, amount: Decimal | str | int, occurred_at: dt.datetime, reference: str
) -> CreditEvent:
    """Record a fact of the customer's repayment record (lending sends these). Idempotent on
    (customer, kind, reference): a repeat returns the first record; the same reference with other
    details is a conflict."""
    if kind not in CreditEventKind.values:
        raise CreditEventInvalid(f"kind must be one of {', '.join(CreditEventKind.values)}", errors={"kind": [kind]})
    try:
        amount = quantize_cash(to_decimal(amount))
    except (TypeError, ValueError) as exc:
        raise CreditEventInvalid("amount must be a decimal number", errors={"amount": [str(exc)]}) from exc
    if amount < 0:
        raise CreditEventInvalid("amount cannot be negative", errors={"amount": ["must be zero or more"]})
    if timezone.is_naive(occurred_at):
        raise CreditEventInvalid("occurred_at must be timezone-aware", errors={"occurred_at": ["naive datetime"]})
    reference = (reference or "").strip()
    if not reference or len(reference) > 100:
        raise CreditEventInvalid("reference must be 1 to 100 characters", errors={"reference": ["1-100 characters"]})
    try:
        with transaction.atomic():
            return CreditEvent.objects.create(
                user=user, kind=kind, amount=amount, occurred_at=occurred_at, reference=reference
            )
    except IntegrityError:
        existing = CreditEvent.objects.get(user=user, kind=kind, reference=reference)
        if existing.amount != amount or existing.occurred_at != occurred_at:
            raise CreditEventReferenceReused(
                f"{kind} {reference} was recorded with amount {existing.amount} at {existing.occurred_at.isoformat()}"
            ) from None
        return existing


# --- training and the registry --------------------------------------------------------------------


def credit_model_train(
    *, path: str | Path = DEFAULT_DATA_PATH, progress: Callable[[Iterable], Iterable] = lambda it: it, **overrides: Any
) -> TrainingResult:
    """Cross-validate and fit the scorecard with the settings (or `overrides`); stores nothing."""
    params = {
        "scaling": scaling_from_settings(),
        "min_iv": settings.CREDIT_MIN_INFORMATION_VALUE,
        "min_bin_share": settings.CREDIT_MIN_BIN_SHARE,
        "max_bins": settings.CREDIT_MAX_BINS,
        "regularisation_c": settings.CREDIT_REGULARISATION_C,
        "folds": settings.CREDIT_CV_FOLDS,
        "repeats": settings.CREDIT_CV_REPEATS,
        "seed": settings.CREDIT_CV_SEED,
        "cutoff": settings.CREDIT_APPROVAL_CUTOFF,
        "air_warning": settings.CREDIT_AIR_WARNING,
        "psi_bins": settings.CREDIT_PSI_BINS,
    }
    params.update(overrides)
    return scorecard_train(training_data_load(path), progress=progress, **params)


def credit_model_register(*, result: TrainingResult, activate: bool = False, acting_user: Any = None) -> ModelVersion:
    """Register a trained scorecard as the next version (and activate it when asked). Refused
    below the minimum cross-validated AUC."""
    auc = result.cross_validation["auc"]["mean"]
    if auc < settings.CREDIT_MIN_CV_AUC:
        raise CreditModelRejected(f"cross-validated mean AUC {auc:.3f} is below {settings.CREDIT_MIN_CV_AUC:.3f}")
    with transaction.atomic():
        version = model_register(
            name=settings.CREDIT_MODEL_NAME,
            artefact=artefact_dumps(result.scorecard),
            training_data_hash=result.data.sha256,
            metrics=result.metrics,
            params=result.params,
            fairness=result.fairness,
        )
        if activate:
            version = model_activate(version=version, acting_user=acting_user)
    return version


def credit_model_ensure_active() -> tuple[ModelVersion, bool]:
    """The active scorecard; when there is none, train the default on the bundled data and
    activate it. Returns (version, whether it was trained now)."""
    version = model_active_version(name=settings.CREDIT_MODEL_NAME)
    if version is not None:
        return version, False
    result = credit_model_train()
    return credit_model_register(result=result, activate=True), True


# --- nightly rescoring and drift ------------------------------------------------------------------


def credit_rescore_batch(
    *, profiles: list[CreditProfile], run_date: dt.date, active: Any, now: dt.datetime | None = None
) -> int:
    """Score one batch of customers again (one vectorised evaluation) and store the scores.
    Customers already rescored for `run_date` are skipped; returns how many were stored."""
    now = now or timezone.now()
    done = set(
        CreditScore.objects.filter(
            source=ScoreSource.RESCORE, rescore_date=run_date, user_id__in=[p.user_id for p in profiles]
        ).values_list("user_id", flat=True)
    )
    todo = [p for p in profiles if p.user_id not in done]
    if not todo:
        return 0
    facts = platform_facts_many(users=[p.user for p in todo], on=run_date)
    usd_per_dm = _usd_per_dm()
    rows = [model_attributes(Application.from_inputs(p.inputs), facts[p.user_id], usd_per_dm=usd_per_dm) for p in todo]
    results = score_attributes_with(rows, active=active)
    scores = [
        _score_row(
            user_id=p.user_id,
            inputs=p.inputs,
            attributes=row,
            result=result,
            now=now,
            source=ScoreSource.RESCORE,
            rescore_date=run_date,
        )
        for p, row, result in zip(todo, rows, results, strict=True)
    ]
    with transaction.atomic():
        # A concurrent run of the same night may have stored some: the unique constraint keeps one.
        CreditScore.objects.bulk_create(scores, ignore_conflicts=True, batch_size=1000)
        # The rows with this batch's public ids are the ones it wrote (a conflicting row keeps its own).
        stored = list(
            CreditScore.objects.filter(public_id__in=[s.public_id for s in scores]).select_related("model_version")
        )
        audit_bulk_created(instances=stored)
        anchor_records_enqueue(
            kind=SCORE_ANCHOR_KIND,
            records=[(score.public_id, score_anchor_payload(score=score)) for score in stored],
        )
    return len(scores)


def _drift(run: RescoreRun) -> None:
    version = run.model_version
    baseline = (version.params or {}).get("score_distribution") if version else None
    scores = np.fromiter(
        CreditScore.objects.filter(
            source=ScoreSource.RESCORE, rescore_date=run.run_date, method=ScoreMethod.MODEL, model_version=version
        ).values_list("score", flat=True),
        dtype=float,
    )
    if not baseline or scores.size == 0:
        run.psi, run.drift, run.distribution = None, RescoreRun.Drift.NOT_MEASURED, {}
        return
    edges = np.asarray(baseline["edges"], dtype=float)
    actual = np.bincount(np.searchsorted(edges, scores, side="right"), minlength=len(edges) + 1) / scores.size
    psi = population_stability_index(baseline["shares"], actual)
    if psi >= settings.CREDIT_PSI_SIGNIFICANT:
        drift = RescoreRun.Drift.SIGNIFICANT
    elif psi >= settings.CREDIT_PSI_MODERATE:
        drift = RescoreRun.Drift.MODERATE
    else:
        drift = RescoreRun.Drift.STABLE
    run.psi, run.drift = round(psi, 6), drift
    run.distribution = {
        "edges": baseline["edges"],
        "expected": baseline["shares"],
        "actual": [round(float(s), 6) for s in actual],
    }


def credit_rescore_all(
    *,
    run_date: dt.date | None = None,
    batch_size: int | None = None,
    progress: Callable[[int], None] = lambda n: None,
) -> RescoreRun:
    """Rescore every customer with an application on file, in batches (keyset order), then store
    the night's drift. Idempotent: a second run of the same night stores nothing new and
    recomputes the same figures; a run interrupted half-way continues where it stopped."""
    run_date = run_date or business_date()
    batch_size = batch_size or settings.CREDIT_RESCORE_BATCH_SIZE
    active = active_scorecard()
    run, _ = RescoreRun.objects.get_or_create(run_date=run_date, defaults={"started_at": timezone.now()})
    if active is not None and run.model_version_id is None:
        run.model_version = active[0]
    last_pk = 0
    while True:
        profiles = list(CreditProfile.objects.filter(pk__gt=last_pk).select_related("user").order_by("pk")[:batch_size])
        if not profiles:
            break
        last_pk = profiles[-1].pk
        credit_rescore_batch(profiles=profiles, run_date=run_date, active=active)
        progress(len(profiles))
    night = CreditScore.objects.filter(source=ScoreSource.RESCORE, rescore_date=run_date)
    run.customers = CreditProfile.objects.count()
    run.scored = night.count()
    run.scored_by_rules = night.filter(method=ScoreMethod.RULES).count()
    _drift(run)
    run.finished_at = timezone.now()
    run.save()  # audited (auditlog): the explicit record of tonight's bulk write
    logger.info("credit_rescored", run_date=str(run_date), scored=run.scored, psi=run.psi, drift=run.drift)
    return run


# --- data rights ----------------------------------------------------------------------------------


@transaction.atomic
def credit_data_erase(user: Any) -> None:
    """Erasure: each score's personal content moves to the legal-hold store (credit applications
    are kept 25 months after the decision) and is masked on the record; the application on file
    is deleted. The score value stays, for portfolio figures, on a customer accounts anonymises."""
    now = timezone.now()
    scores = (
        CreditScore.objects.select_for_update(of=("self",))
        .filter(user=user, erased_at__isnull=True)
        .select_related("model_version")
        .order_by("pk")
    )
    for score in scores:
        legal_hold_store(
            subject_id=str(user.pk),
            source_app="credit",
            record_class=RetentionClass.CREDIT_APPLICATION,
            description=f"credit score {score.public_id}",
            payload=score_export_row(score),
            retention_starts_on=score.scored_at.date(),
        )
        score.inputs, score.features, score.points, score.reasons = {}, {}, {}, []
        score.erased_at = now
        score.save(update_fields=["inputs", "features", "points", "reasons", "erased_at"])
    CreditProfile.objects.filter(user=user).delete()
