"""The restricted legal-hold store: records erased from view but kept because the law says so, until
their retention date (blockguardian.retention), then purged (`legal_hold_purge`, a daily job)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import structlog
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from . import datarights
from .calendar import business_date
from .crypto import decrypt_str, encrypt_str
from .models import LegalHoldRecord
from .retention import retain_until

logger = structlog.get_logger(__name__)


@transaction.atomic
def legal_hold_store(
    *,
    subject_id: str,
    source_app: str,
    record_class: str,
    description: str,
    payload: dict,
    retention_starts_on: dt.date | None,
) -> LegalHoldRecord:
    """Keep `payload` encrypted until its class's retention runs out. A record whose retention has
    not started yet (an account still open) has no date until it starts."""
    return LegalHoldRecord.objects.create(
        subject_id=str(subject_id),
        source_app=source_app,
        record_class=record_class,
        description=description[:200],
        payload_encrypted=encrypt_str(json.dumps(payload, cls=DjangoJSONEncoder, sort_keys=True)),
        retention_starts_on=retention_starts_on,
        retain_until=retain_until(record_class, retention_starts_on) if retention_starts_on else None,
    )


def legal_hold_read(*, record: LegalHoldRecord, user) -> dict:
    """The decrypted payload, for holders of `blockguardian.read_legal_hold` only."""
    if not user.has_perm("blockguardian.read_legal_hold"):
        raise PermissionDenied("legal-hold records are restricted to compliance")
    return json.loads(decrypt_str(record.payload_encrypted))


@transaction.atomic
def legal_hold_retention_start(*, subject_id: str, record_class: str, starts_on: dt.date) -> int:
    """The event a class's retention counts from has happened (the account closed, the loan ended):
    records of `subject_id` still without a date get one. Returns how many."""
    records = LegalHoldRecord.objects.select_for_update().filter(
        subject_id=str(subject_id), record_class=record_class, retention_starts_on__isnull=True
    )
    count = 0
    for record in records.order_by("pk"):
        record.retention_starts_on = starts_on
        record.retain_until = retain_until(record_class, starts_on)
        record.save(update_fields=["retention_starts_on", "retain_until"])
        count += 1
    return count


@dataclass
class PurgeResult:
    """What a purge removed (or, in a dry run, would remove): counts per class, never contents."""

    as_of: dt.date
    dry_run: bool
    purged: dict[str, int] = field(default_factory=dict)
    vetoed: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.purged.values())


def _purge_veto(subject_id: str, cache: dict[str, bool]) -> bool:
    """A record's subject with an open case, SAR, 314(a) match or blocked property (the apps' data-rights
    vetoes) keeps everything held for them: it is evidence for what is still open."""
    if subject_id not in cache:
        from django.contrib.auth import get_user_model

        try:
            user = get_user_model().objects.filter(pk=subject_id).first()
        except (ValueError, ValidationError):  # not a customer's id (another kind of subject)
            user = None
        cache[subject_id] = bool(user is not None and datarights.vetoes_for(user))
    return cache[subject_id]


def legal_hold_purge(
    *, today: dt.date | None = None, dry_run: bool = False, chunk: int = 1000, acting_user=None
) -> PurgeResult:
    """Remove the legal-hold records whose retention ran out before `today` (business date) unless
    vetoed: a legal order on the record (`hold_order`), or an open matter about its subject. Each
    chunk is deleted with an audit entry of its counts per class (never contents) in one transaction,
    so a crash half-way leaves nothing purged without its entry; running it again goes on."""
    from .audit.services import audit_event

    as_of = today or business_date()
    result = PurgeResult(as_of=as_of, dry_run=dry_run)
    vetoes: dict[str, bool] = {}
    last_pk = 0
    while True:
        with transaction.atomic():
            due = list(
                LegalHoldRecord.objects.select_for_update(skip_locked=True)
                .filter(pk__gt=last_pk, retain_until__lt=as_of)
                .order_by("pk")
                .values_list("pk", "subject_id", "record_class", "hold_order")[:chunk]
            )
            if not due:
                break
            last_pk = due[-1][0]
            purged: dict[str, int] = {}
            doomed = []
            for pk, subject_id, record_class, hold_order in due:
                if hold_order or _purge_veto(subject_id, vetoes):
                    result.vetoed[record_class] = result.vetoed.get(record_class, 0) + 1
                    continue
                doomed.append(pk)
                purged[record_class] = purged.get(record_class, 0) + 1
            for record_class, count in purged.items():
                result.purged[record_class] = result.purged.get(record_class, 0) + count
            if dry_run or not doomed:
                continue
            LegalHoldRecord.objects.filter(pk__in=doomed).delete()
            audit_event(
                model=LegalHoldRecord,
                event="retention_purge",
                action="delete",
                object_pk=f"purge-{as_of.isoformat()}",
                data={"as_of": as_of.isoformat(), **{f"purged.{k}": v for k, v in sorted(purged.items())}},
                acting_user=acting_user,
            )
    if result.total or result.vetoed:
        logger.info(
            "legal_hold_purged", as_of=as_of.isoformat(), purged=result.purged, vetoed=result.vetoed, dry_run=dry_run
        )
    return result
