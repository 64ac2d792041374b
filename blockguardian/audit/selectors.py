"""Reads of the sealed audit trail for the admin: the chain's status and the history of one object."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from auditlog.models import LogEntry
from django.conf import settings
from django.db.models import Max

from ..models import AuditSeal


@dataclass(frozen=True)
class SealStatus:
    head: AuditSeal | None
    unsealed: int
    oldest_unsealed_at: dt.datetime | None
    last_anchor: object | None  # chain.AnchoredRecord of the latest anchored head
    anchored_heads: int


def seal_status() -> SealStatus:
    """Where sealing and anchoring stand (a few indexed queries; no verification)."""
    from blockguardian.chain.models import AnchoredRecord

    head = AuditSeal.objects.order_by("-seq").first()
    waiting = LogEntry.objects.filter(id__gt=head.entry_id if head else 0)
    anchors = AnchoredRecord.objects.filter(kind=settings.AUDIT_HEAD_ANCHOR_KIND)
    last_anchor = anchors.order_by("-id").select_related("batch").first()
    return SealStatus(
        head=head,
        unsealed=waiting.count(),
        oldest_unsealed_at=waiting.order_by("id").values_list("timestamp", flat=True).first(),
        last_anchor=last_anchor,
        anchored_heads=anchors.count(),
    )


@dataclass(frozen=True)
class SealedEntry:
    entry: LogEntry
    seal: AuditSeal | None


def object_audit_history(*, content_type_id: int, object_pk: str) -> list[SealedEntry]:
    """Every audit entry of one object, oldest first, each with its seal (None: not sealed yet)."""
    entries = list(
        LogEntry.objects.filter(content_type_id=content_type_id, object_pk=object_pk)
        .select_related("actor", "content_type")
        .order_by("id")
    )
    seals = {s.entry_id: s for s in AuditSeal.objects.filter(entry_id__in=[e.pk for e in entries])}
    return [SealedEntry(entry=e, seal=seals.get(e.pk)) for e in entries]


def sealed_through() -> int:
    return AuditSeal.objects.aggregate(last=Max("entry_id"))["last"] or 0
