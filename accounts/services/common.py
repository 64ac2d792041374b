"""What the account services share: the caller's client, security events, hashing of secrets."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings

from ..models import SecurityEvent, User


@dataclass(frozen=True)
class ClientInfo:
    """Where a request came from (stored on security events; a fraud signal)."""

    ip_address: str | None = None
    user_agent: str = ""


NO_CLIENT = ClientInfo()


def security_event_record(
    *,
    user: User | None,
    kind: str,
    outcome: str = SecurityEvent.Outcome.SUCCESS,
    client: ClientInfo = NO_CLIENT,
    detail: dict | None = None,
) -> SecurityEvent:
    return SecurityEvent.objects.create(
        user=user,
        kind=kind,
        outcome=outcome,
        ip_address=client.ip_address,
        user_agent=(client.user_agent or "")[:300],
        detail=detail or {},
    )


def secret_hash(value: str, *, purpose: str) -> str:
    """A keyed hash of a short-lived or one-time secret (challenge tokens, codes): the database
    alone cannot give the secret back or test guesses against it."""
    key = f"{settings.SECRET_KEY}:accounts:{purpose}".encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
