"""The canonical form of an audit-log entry and the hash that seals it.

Canonical form (version 1): a JSON object of the entry's fields below, sorted keys, no whitespace,
UTF-8 (not ASCII-escaped); the time as `YYYY-MM-DDTHH:MM:SS.ffffffZ` in UTC; JSON columns as the
values the database returns (key order does not matter: keys are sorted at every level). The field
list is fixed here rather than read from the model, so that a new column in a later auditlog
version cannot change the hash of entries sealed before it.

Seal hash: `sha256(prev_hash || "\\n" || canonical)` as lower-case hex; the first seal's `prev_hash`
is 64 zeros.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

CANONICAL_VERSION = 1
GENESIS_HASH = "0" * 64

ENTRY_FIELDS = (
    "id",
    "content_type_id",
    "object_pk",
    "object_id",
    "object_repr",
    "serialized_data",
    "action",
    "changes_text",
    "changes",
    "actor_id",
    "actor_email",
    "cid",
    "remote_addr",
    "remote_port",
    "timestamp",
    "additional_data",
)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def entry_canonical(entry: Mapping[str, Any]) -> bytes:
    """`entry`: the entry's fields as `LogEntry.objects.values(*ENTRY_FIELDS)` returns them."""
    data = {name: _plain(entry[name]) for name in ENTRY_FIELDS}
    data["v"] = CANONICAL_VERSION
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=str)
    return text.encode("utf-8")


def seal_hash(*, prev_hash: str, entry: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + entry_canonical(entry)).hexdigest()
