"""Field encryption and blind indexes for personal identifiers (SSN/TIN, ID and account numbers).

Values are encrypted with Fernet under `FIELD_ENCRYPTION_KEYS` (newest first: the first encrypts,
every key decrypts, so keys rotate without a flag day; `reencrypt` moves a value to the newest key).
A blind index is an HMAC-SHA256 of the normalised value under `BLIND_INDEX_KEY`, per purpose, so
equal identifiers can be found without decrypting either.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise RuntimeError("FIELD_ENCRYPTION_KEYS is empty")
    return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt_str(value: str) -> str:
    return _current().encrypt(value.encode()).decode()


def decrypt_str(token: str) -> str:
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("cannot decrypt: unknown key or tampered value") from exc


def encrypt_bytes(value: bytes) -> bytes:
    return _current().encrypt(value)


def decrypt_bytes(token: bytes) -> bytes:
    try:
        return _current().decrypt(token)
    except InvalidToken as exc:
        raise ValueError("cannot decrypt: unknown key or tampered value") from exc


def reencrypt(token: str) -> str:
    """The same plaintext under the newest key."""
    return _current().rotate(token.encode()).decode()


def normalise_identifier(value: str) -> str:
    """Digits and letters only, upper case: '123-45-6789' and '123456789' index alike."""
    return "".join(ch for ch in value.upper() if ch.isalnum())


def blind_index(value: str, *, purpose: str) -> str:
    key = settings.BLIND_INDEX_KEY.encode()
    message = f"{purpose}:{normalise_identifier(value)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def last_four(value: str) -> str:
    digits = normalise_identifier(value)
    return digits[-4:]
