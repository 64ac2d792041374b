"""The restricted legal-hold store: records erased from view but kept because the law says so."""

from __future__ import annotations

import datetime as dt
import json

from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from .crypto import decrypt_str, encrypt_str
from .models import LegalHoldRecord
from .retention import retain_until


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
