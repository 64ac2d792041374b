"""Anchored records made the way other apps make them: through `anchor_record_enqueue`."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import factory
from django.db import transaction

from blockguardian.chain.models import AnchoredRecord
from blockguardian.chain.services import anchor_record_enqueue

SCORED_AT = dt.datetime(2026, 3, 2, 14, 30, 5, 123456, tzinfo=dt.UTC)


def score_payload(record_id: int | str, **overrides) -> dict:
    """A credit-score-like canonical payload (ids, score, model version, amounts, times; no personal data)."""
    number = int(str(record_id).rsplit("-", 1)[-1]) if str(record_id).rsplit("-", 1)[-1].isdigit() else 0
    payload = {
        "score_id": str(record_id),
        "customer_id": str(uuid.UUID(int=number + 1)),
        "score": 300 + number % 551,
        "model_version": "credit-scorecard v3",
        "probability_of_default": Decimal("0.0421"),
        "requested_amount": Decimal("2500.00"),
        "reason_codes": ["R01", "R07"],
        "scored_at": SCORED_AT,
    }
    payload.update(overrides)
    return payload


class AnchoredRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnchoredRecord

    kind = "credit_score"
    record_id = factory.Sequence(lambda n: f"score-{n}")
    payload = factory.LazyAttribute(lambda o: score_payload(o.record_id))

    @classmethod
    def _create(cls, model_class, *, kind: str, record_id: str, payload: dict) -> AnchoredRecord:
        with transaction.atomic():
            return anchor_record_enqueue(kind=kind, record_id=record_id, payload=payload)
