"""Checks on identity data (CIP): identification numbers, addresses, countries, ages, documents."""

from __future__ import annotations

import datetime as dt
import re

from dateutil.relativedelta import relativedelta

from blockguardian.crypto import normalise_identifier

from .countries import COUNTRIES

_PO_BOX = re.compile(
    r"\b(p\.?\s*o\.?\s*box|post\s*office\s*box|p\.?\s*o\.?\s*b\.?\b|postal\s*box|box\s*#?\s*\d+|pmb\s*\d+|apartado)",
    re.IGNORECASE,
)
_DOCUMENT_NUMBER = re.compile(r"^[0-9A-Z]{5,20}$")

# File signatures of the document types we accept.
_SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}


def is_po_box(line: str) -> bool:
    return bool(_PO_BOX.search(line or ""))


def is_country(code: str) -> bool:
    return code in COUNTRIES


def ssn_is_valid(value: str) -> bool:
    digits = normalise_identifier(value)
    if not re.fullmatch(r"[0-9]{9}", digits):
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return area not in {"000", "666"} and not area.startswith("9") and group != "00" and serial != "0000"


def itin_is_valid(value: str) -> bool:
    digits = normalise_identifier(value)
    if not re.fullmatch(r"9[0-9]{8}", digits):
        return False
    middle = int(digits[3:5])
    return 50 <= middle <= 65 or 70 <= middle <= 88 or 90 <= middle <= 92 or 94 <= middle <= 99


def document_number_is_valid(value: str) -> bool:
    return bool(_DOCUMENT_NUMBER.match(normalise_identifier(value)))


def age_on(date_of_birth: dt.date, on: dt.date) -> int:
    return relativedelta(on, date_of_birth).years


def sniff_content_type(head: bytes) -> str | None:
    """The document type from its first bytes, whatever the upload claims."""
    for content_type, signatures in _SIGNATURES.items():
        if any(head.startswith(signature) for signature in signatures):
            return content_type
    return None
