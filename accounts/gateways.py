"""Delivery of one-time codes by text message or email, behind one pluggable interface.

`settings.MFA_MESSAGE_GATEWAY` picks the gateway: `console` (development: the message is printed),
`file` (JSON lines appended to MFA_GATEWAY_FILE_PATH), `locmem` (tests: kept in `outbox`),
`provider` (production: email through Django's EMAIL_BACKEND, text messages through a
Twilio-compatible HTTP API configured by the MFA_SMS_PROVIDER_* settings), or the dotted path of a
class with the same `send` method.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

import requests
import structlog
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.module_loading import import_string

logger = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Message:
    channel: str  # "sms" | "email"
    destination: str
    subject: str
    body: str
    sent_at: str = field(default_factory=lambda: timezone.now().isoformat())


class GatewayError(Exception):
    """The message could not be handed to the provider."""


class MessageGateway(Protocol):
    def send(self, message: Message) -> None: ...


class ConsoleGateway:
    def send(self, message: Message) -> None:
        sys.stdout.write(f"[{message.channel} to {message.destination}] {message.subject}: {message.body}\n")


class FileGateway:
    def send(self, message: Message) -> None:
        path = Path(settings.MFA_GATEWAY_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(asdict(message)) + "\n")


# Messages the locmem gateway "sent", newest last (tests read and clear it).
outbox: list[Message] = []


class LocmemGateway:
    def send(self, message: Message) -> None:
        outbox.append(message)


class ProviderGateway:
    """Production delivery: email through the configured email backend, text messages through a
    Twilio-compatible Messages API."""

    def send(self, message: Message) -> None:
        if message.channel == "email":
            send_mail(message.subject, message.body, None, [message.destination])
            return
        account = settings.MFA_SMS_PROVIDER_ACCOUNT
        if not (account and settings.MFA_SMS_PROVIDER_TOKEN and settings.MFA_SMS_PROVIDER_SENDER):
            raise GatewayError("the text-message provider is not configured")
        try:
            response = requests.post(
                settings.MFA_SMS_PROVIDER_URL.format(account=account),
                data={"To": message.destination, "From": settings.MFA_SMS_PROVIDER_SENDER, "Body": message.body},
                auth=(account, settings.MFA_SMS_PROVIDER_TOKEN),
                timeout=settings.MFA_SMS_PROVIDER_TIMEOUT_SECONDS,
            )
        except requests.RequestException as exc:
            raise GatewayError(f"the text-message provider is unreachable: {type(exc).__name__}") from exc
        if response.status_code >= 300:
            raise GatewayError(f"the text-message provider refused the message ({response.status_code})")


_ALIASES = {
    "console": ConsoleGateway,
    "file": FileGateway,
    "locmem": LocmemGateway,
    "provider": ProviderGateway,
}


def get_gateway() -> MessageGateway:
    name = settings.MFA_MESSAGE_GATEWAY
    klass = _ALIASES.get(name) or import_string(name)
    return klass()
