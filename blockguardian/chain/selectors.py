"""Reads: where a record stands in anchoring, and the backlog (for /health and operators)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from django.db.models import Count, Min, Q
from django.utils import timezone

from .models import AnchorBatch, AnchoredRecord


@dataclass(frozen=True)
class AnchorStatus:
    """A record's anchoring, as another app shows it (see `api.serializers.AnchorStatusSerializer`)."""

    anchor_status: str  # pending | anchored | failed
    batch_id: UUID | None = None
    tx_hash: str | None = None
    block_number: int | None = None
    anchored_at: dt.datetime | None = None
    chain_id: int | None = None
    registry_address: str | None = None


def _status(record: AnchoredRecord) -> AnchorStatus:
    batch = record.batch
    if record.status != AnchoredRecord.Status.ANCHORED or batch is None:
        return AnchorStatus(anchor_status=record.status)
    return AnchorStatus(
        anchor_status=record.status,
        batch_id=batch.batch_id,
        tx_hash=batch.tx_hash,
        block_number=batch.block_number,
        anchored_at=batch.block_time,
        chain_id=batch.deployment.chain_id,
        registry_address=batch.deployment.contract_address,
    )


def _records(kind: str):
    return AnchoredRecord.objects.filter(kind=kind).select_related("batch__deployment")


def anchor_status(*, kind: str, record_id: str | int | UUID) -> AnchorStatus | None:
    """The anchoring of one record, or None if it was never submitted."""
    record = _records(kind).filter(record_id=str(record_id)).first()
    return _status(record) if record is not None else None


def anchor_status_map(*, kind: str, record_ids: Iterable[str | int | UUID]) -> dict[str, AnchorStatus]:
    """The anchoring of many records of one kind in one query, keyed by `str(record_id)`."""
    ids = [str(rid) for rid in record_ids]
    return {record.record_id: _status(record) for record in _records(kind).filter(record_id__in=ids)}


@dataclass(frozen=True)
class AnchorBacklog:
    pending: int
    failed: int
    oldest_pending_at: dt.datetime | None
    batches_in_flight: int

    @property
    def oldest_pending_seconds(self) -> float | None:
        if self.oldest_pending_at is None:
            return None
        return max(0.0, (timezone.now() - self.oldest_pending_at).total_seconds())


def anchor_backlog() -> AnchorBacklog:
    totals = AnchoredRecord.objects.filter(
        status__in=[AnchoredRecord.Status.PENDING, AnchoredRecord.Status.FAILED]
    ).aggregate(
        pending=Count("id", filter=Q(status=AnchoredRecord.Status.PENDING)),
        failed=Count("id", filter=Q(status=AnchoredRecord.Status.FAILED)),
        oldest=Min("created_at", filter=Q(status=AnchoredRecord.Status.PENDING)),
    )
    in_flight = AnchorBatch.objects.filter(status__in=[AnchorBatch.Status.READY, AnchorBatch.Status.SUBMITTED]).count()
    return AnchorBacklog(
        pending=totals["pending"],
        failed=totals["failed"],
        oldest_pending_at=totals["oldest"],
        batches_in_flight=in_flight,
    )
