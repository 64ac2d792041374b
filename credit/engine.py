"""Scoring: the active scorecard when there is one that loads and evaluates, the rule-based score
otherwise. Never raises for want of a model."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import structlog
from django.conf import settings

from blockguardian.models import ModelVersion
from blockguardian.registry import model_load

from .models import ScoreBand, ScoreMethod
from .rules import rules_score
from .scorecard import Evaluation, Scaling, Scorecard

logger = structlog.get_logger(__name__)

PD_PLACES = Decimal("0.000001")


def scaling_from_settings() -> Scaling:
    return Scaling(
        pdo=settings.CREDIT_PDO,
        base_score=settings.CREDIT_BASE_SCORE,
        base_odds=settings.CREDIT_BASE_ODDS,
        min_score=settings.CREDIT_SCORE_MIN,
        max_score=settings.CREDIT_SCORE_MAX,
    )


def score_band(score: int) -> str:
    if score >= settings.CREDIT_BAND_EXCEPTIONAL_FROM:
        return ScoreBand.EXCEPTIONAL
    if score >= settings.CREDIT_BAND_VERY_GOOD_FROM:
        return ScoreBand.VERY_GOOD
    if score >= settings.CREDIT_BAND_GOOD_FROM:
        return ScoreBand.GOOD
    if score >= settings.CREDIT_BAND_FAIR_FROM:
        return ScoreBand.FAIR
    return ScoreBand.POOR


def pd_decimal(value: float) -> Decimal:
    value = min(max(float(value), 0.0), 1.0)
    return Decimal(repr(value)).quantize(PD_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ScoreResult:
    score: int
    band: str
    probability_of_default: Decimal
    method: str
    model_version: ModelVersion | None
    points: dict[str, float]
    reasons: list[dict]


def active_scorecard() -> tuple[ModelVersion, Scorecard] | None:
    """The active credit model and its loaded scorecard, or None (no active model, an artefact
    that fails its hash check or does not unpickle, or one that is not a scorecard)."""
    # The artefact column is read only when this process has not loaded the version yet.
    version = (
        ModelVersion.objects.filter(name=settings.CREDIT_MODEL_NAME, state=ModelVersion.State.ACTIVE)
        .defer("artefact")
        .first()
    )
    if version is None:
        return None
    try:
        model = model_load(version=version)
    except Exception as exc:  # noqa: BLE001 - a broken artefact degrades to rules, never a 500
        logger.error("credit_model_load_failed", version=version.version, error=f"{type(exc).__name__}: {exc}")
        return None
    if not isinstance(model, Scorecard):
        logger.error("credit_model_not_a_scorecard", version=version.version, type=type(model).__name__)
        return None
    return version, model


def _points_dict(features: Sequence[str], row: np.ndarray) -> dict[str, float]:
    return {name: round(float(value), 2) for name, value in zip(features, row, strict=True)}


def results_from_evaluation(
    scorecard: Scorecard, version: ModelVersion, evaluation: Evaluation, rows: Sequence[Mapping[str, Any]]
) -> list[ScoreResult]:
    reasons = scorecard.reasons(evaluation, rows)
    return [
        ScoreResult(
            score=int(evaluation.scores[i]),
            band=score_band(int(evaluation.scores[i])),
            probability_of_default=pd_decimal(evaluation.probability_of_default[i]),
            method=ScoreMethod.MODEL,
            model_version=version,
            points=_points_dict(scorecard.features, evaluation.points[i]),
            reasons=reasons[i],
        )
        for i in range(len(evaluation))
    ]


def score_with_rules(row: Mapping[str, Any]) -> ScoreResult:
    result = rules_score(
        row, rules=settings.CREDIT_RULES, scaling=scaling_from_settings(), protected_age=settings.CREDIT_PROTECTED_AGE
    )
    return ScoreResult(
        score=result.score,
        band=score_band(result.score),
        probability_of_default=pd_decimal(result.probability_of_default),
        method=ScoreMethod.RULES,
        model_version=None,
        points=result.points,
        reasons=result.reasons,
    )


def score_attributes(rows: Sequence[Mapping[str, Any]]) -> list[ScoreResult]:
    """Score model-attribute rows (`credit.mapping.model_attributes`) with the active scorecard,
    or by the rules when none is usable."""
    return score_attributes_with(rows, active=active_scorecard())


def score_attributes_with(
    rows: Sequence[Mapping[str, Any]], *, active: tuple[ModelVersion, Scorecard] | None
) -> list[ScoreResult]:
    """Score rows with an already loaded scorecard (one vectorised evaluation for all of them),
    falling back to the rules when there is none or it fails to evaluate."""
    if active is not None:
        version, scorecard = active
        try:
            evaluation = scorecard.evaluate(scorecard.encode(rows))
            return results_from_evaluation(scorecard, version, evaluation, rows)
        except Exception as exc:  # noqa: BLE001 - a model that cannot evaluate degrades to rules
            logger.error(
                "credit_model_evaluation_failed", version=version.version, error=f"{type(exc).__name__}: {exc}"
            )
    return [score_with_rules(row) for row in rows]
