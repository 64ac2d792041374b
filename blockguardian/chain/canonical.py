"""The canonical form of an anchored record and its leaf hash.

Canonical JSON (the same value always gives the same bytes, whichever process or database built it):

* objects with string keys, sorted; no whitespace (`,` and `:` separators); UTF-8, not ASCII-escaped;
* `Decimal` as a string in plain notation without trailing zeros (`Decimal("700.00")` → `"700"`,
  `Decimal("12.50")` → `"12.5"`), so a value read back from a `DecimalField` of any scale matches;
* `int` as a JSON number, `bool`, `None`, `str`; a `str`-valued enum (Django choices) as its value;
* aware `datetime` as ISO 8601 in UTC with microseconds (`2026-01-02T03:04:05.000000Z`); `date` as
  `YYYY-MM-DD`; `UUID` as its lower-case string; `bytes` as `0x`-hex; tuples and lists as arrays;
* refused (`CanonicalFormError`): `float` (use `Decimal`), NaN and infinite decimals, naive datetimes,
  non-string keys, any other type, and keys that name personal data (`CHAIN_FORBIDDEN_PAYLOAD_KEYS`).

Leaf: `keccak256(0x00 || salt || canonical_json)`, where `salt` is 32 random bytes kept with the record,
so that a record with few possible values cannot be found by hashing the candidates.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import secrets
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from eth_utils import keccak

from .conf import setting
from .errors import CanonicalFormError

LEAF_PREFIX = b"\x00"
SALT_BYTES = 32


def _decimal(value: Decimal) -> str:
    if not value.is_finite():
        raise CanonicalFormError(f"a non-finite decimal has no canonical form: {value}")
    if value.is_zero():
        return "0"
    return format(value.normalize(), "f")


def _convert(value: Any, *, path: str, forbidden: frozenset[str]) -> Any:
    # Order matters: bool is an int, enums may be str or int subclasses, datetime is a date.
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, enum.Enum):
        return _convert(value.value, path=path, forbidden=forbidden)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        raise CanonicalFormError(f"{path}: floats have no canonical form; pass a Decimal or a string")
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise CanonicalFormError(f"{path}: a naive datetime has no canonical form; pass an aware one")
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return "0x" + bytes(value).hex()
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalFormError(f"{path}: keys must be strings, not {type(key).__name__}")
            if key.lower() in forbidden:
                raise CanonicalFormError(f"{path}.{key}: personal data is never anchored")
            out[str.__str__(key)] = _convert(item, path=f"{path}.{key}", forbidden=forbidden)
        return out
    if isinstance(value, list | tuple):
        return [_convert(item, path=f"{path}[{i}]", forbidden=forbidden) for i, item in enumerate(value)]
    raise CanonicalFormError(f"{path}: {type(value).__name__} has no canonical form")


def canonical_json(payload: Mapping[str, Any]) -> bytes:
    """The canonical bytes of a payload (a mapping); see the module docstring for the rules."""
    if not isinstance(payload, Mapping):
        raise CanonicalFormError("a payload is a mapping of string keys")
    forbidden = frozenset(k.lower() for k in setting("CHAIN_FORBIDDEN_PAYLOAD_KEYS"))
    plain = _convert(payload, path="$", forbidden=forbidden)
    text = json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8")


def new_salt() -> bytes:
    return secrets.token_bytes(SALT_BYTES)


def leaf_hash(*, salt: bytes, canonical: bytes) -> bytes:
    if len(salt) != SALT_BYTES:
        raise CanonicalFormError("the salt is 32 bytes")
    return keccak(LEAF_PREFIX + salt + canonical)
