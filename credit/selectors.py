"""Reads of the credit app, scoped to the customer they are about."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from blockguardian.chain.errors import AnchoredRecordNotFound
from blockguardian.chain.selectors import AnchorStatus, anchor_status_map
from blockguardian.chain.services import PENDING, anchor_verify

from .errors import ScoreNotFound
from .mapping import RepaymentRecord
from .models import CreditEvent, CreditEventKind, CreditProfile, CreditScore

# The record kind of a score in the chain's anchor registry.
SCORE_ANCHOR_KIND = "credit_score"


def latest_valid_score(*, user: Any, at: dt.datetime | None = None) -> CreditScore | None:
    """The customer's most recent score that is still valid at `at` (now), or None: lending then
    asks for a new one."""
    at = at or timezone.now()
    return (
        CreditScore.objects.filter(user=user, scored_at__lte=at, valid_until__gt=at)
        .select_related("model_version")
        .order_by("-scored_at", "-id")
        .first()
    )


def score_history_list(*, user: Any) -> QuerySet[CreditScore]:
    """The customer's own scores, newest first."""
    return CreditScore.objects.filter(user=user).select_related("model_version").order_by("-scored_at", "-id")


def repayment_records(*, user_ids: Sequence[Any], since: dt.datetime) -> dict[Any, RepaymentRecord]:
    """The repayment record of each customer with events, in one query. Late payments and
    delinquencies count from `since`; charge-offs whenever they happened."""
    if not user_ids:
        return {}
    recent = Q(occurred_at__gte=since)
    rows = (
        CreditEvent.objects.filter(user_id__in=list(user_ids))
        .values("user_id")
        .annotate(
            repayments=Count("id", filter=Q(kind=CreditEventKind.REPAYMENT)),
            late_payments=Count("id", filter=Q(kind=CreditEventKind.LATE_PAYMENT) & recent),
            delinquencies=Count("id", filter=Q(kind=CreditEventKind.DELINQUENCY) & recent),
            charge_offs=Count("id", filter=Q(kind=CreditEventKind.CHARGE_OFF)),
            recoveries=Count("id", filter=Q(kind=CreditEventKind.RECOVERY)),
        )
        .order_by()
    )
    return {
        row["user_id"]: RepaymentRecord(
            repayments=row["repayments"],
            late_payments=row["late_payments"],
            delinquencies=row["delinquencies"],
            charge_offs=row["charge_offs"],
            recoveries=row["recoveries"],
        )
        for row in rows
    }


def score_anchor_payload(*, score: CreditScore) -> dict:
    """The record of a score that is anchored on chain (`blockguardian.chain` canonicalises it and
    adds its own random salt): ids, the score, the model version, the reasons' codes and the time;
    no personal data (no customer id, no inputs or attributes). Rebuilt from the database by the
    verify endpoint, so it must only read fields that never change after the score is stored."""
    return {
        "kind": "credit_score",
        "id": score.public_id,
        "score": score.score,
        "band": score.band,
        "probability_of_default": score.probability_of_default,
        "method": score.method,
        "model": None
        if score.model_version_id is None
        else {"name": score.model_version.name, "version": score.model_version.version},
        "reason_codes": [reason["code"] for reason in score.reasons],
        "scored_at": score.scored_at,
    }


def score_get(*, user: Any, public_id: Any) -> CreditScore:
    """One of the customer's own scores; another customer's is not found."""
    try:
        return CreditScore.objects.select_related("model_version").get(user=user, public_id=public_id)
    except (CreditScore.DoesNotExist, ValueError, ValidationError) as exc:
        raise ScoreNotFound() from exc


def score_export_row(score: CreditScore) -> dict:
    return {
        "id": str(score.public_id),
        "scored_at": score.scored_at.isoformat(),
        "valid_until": score.valid_until.isoformat(),
        "score": score.score,
        "band": score.band,
        "probability_of_default": str(score.probability_of_default),
        "method": score.method,
        "model_version": None if score.model_version_id is None else score.model_version.version,
        "source": score.source,
        "application": score.inputs,
        "attributes": score.features,
        "points": score.points,
        "reasons": score.reasons,
    }


def credit_data_export(user: Any) -> dict:
    """The customer's own credit data for `GET /api/me/export`: scores, the application on file
    and the repayment record."""
    profile = CreditProfile.objects.filter(user=user).first()
    return {
        "scores": [score_export_row(s) for s in score_history_list(user=user)],
        "application_on_file": profile.inputs if profile else None,
        "repayment_record": [
            {
                "kind": e.kind,
                "amount": str(e.amount),
                "occurred_at": e.occurred_at.isoformat(),
                "reference": e.reference,
            }
            for e in CreditEvent.objects.filter(user=user).order_by("occurred_at", "id")
        ],
    }


def score_anchoring(*, scores: Sequence[CreditScore]) -> dict[str, AnchorStatus]:
    """Where each score stands in anchoring, keyed by `str(public_id)` (one query)."""
    return anchor_status_map(kind=SCORE_ANCHOR_KIND, record_ids=[s.public_id for s in scores])


def score_verify(*, score: CreditScore) -> str:
    """`verified`, `mismatch`, `pending` or `unavailable`: the score as the database holds it now,
    compared with what was anchored (a mismatch sends `blockguardian.chain.signals.anchor_mismatch`)."""
    try:
        return anchor_verify(
            kind=SCORE_ANCHOR_KIND, record_id=score.public_id, payload=score_anchor_payload(score=score)
        )
    except AnchoredRecordNotFound:
        return PENDING  # stored before anchoring existed: nothing to compare with yet


def model_drift_latest() -> dict | None:
    """The latest nightly rescoring's drift of the active model (PSI), for the dashboard; None
    before the first run."""
    from .models import RescoreRun

    run = RescoreRun.objects.select_related("model_version").order_by("-run_date").first()
    if run is None:
        return None
    version = run.model_version
    return {
        "run_date": run.run_date,
        "model": f"{version.name} v{version.version}" if version else "rules",
        "psi": run.psi,
        "drift": run.drift,
        "drift_label": run.get_drift_display(),
        "scored": run.scored,
        "scored_by_rules": run.scored_by_rules,
    }
