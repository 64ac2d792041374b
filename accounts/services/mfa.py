"""Second factors: TOTP (django-otp), codes by text message or email (through the message gateway),
one-time backup codes (stored as keyed hashes), and the login challenge that asks for one of them."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import secrets
from dataclasses import dataclass

import qrcode
import structlog
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_number_token

from blockguardian.crypto import decrypt_str, encrypt_str
from blockguardian.errors import InvalidInput

from ..audit import audit_actor
from ..errors import (
    MfaChallengeInvalid,
    MfaCodeInvalid,
    MfaResendLimited,
    MfaStateError,
)
from ..gateways import GatewayError, Message, get_gateway
from ..models import BackupCode, BackupCodeDevice, MessageDevice, MfaChallenge, SecurityEvent, User
from ..selectors import mfa_is_enabled
from .common import NO_CLIENT, ClientInfo, secret_hash, security_event_record

logger = structlog.get_logger(__name__)

TOTP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
BACKUP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
BACKUP_CODE_LENGTH = 10
_NUMERIC_CODE = re.compile(r"^[0-9]{6,8}$")
_PHONE = re.compile(r"^\+[1-9][0-9]{7,14}$")


# --- what a device is, for the API ---------------------------------------------------------------
def device_type(device: Device) -> str:
    if isinstance(device, TOTPDevice):
        return "totp"
    if isinstance(device, MessageDevice):
        return device.channel
    return "backup_codes"


def device_summary(device: Device) -> dict:
    return {
        "id": device.persistent_id,
        "type": device_type(device),
        "name": device.name,
        "hint": getattr(device, "destination_hint", ""),
    }


def mfa_devices(*, user: User, confirmed: bool | None = True) -> list[Device]:
    return list(devices_for_user(user, confirmed=confirmed))


# --- codes by text message or email -----------------------------------------------------------------
def _code_hash(device: MessageDevice, code: str) -> str:
    return secret_hash(f"{device.pk}:{code}", purpose="mfa-message-code")


def _deliver(message: Message) -> None:
    try:
        get_gateway().send(message)
    except GatewayError as exc:
        logger.warning("mfa_message_not_delivered", channel=message.channel, error=str(exc))


def message_device_send_code(*, device: MessageDevice) -> dt.datetime:
    """A fresh code for `device` (the previous one stops working), delivered after commit.
    Returns when the code expires."""
    code = random_number_token(settings.MFA_CODE_DIGITS)
    now = timezone.now()
    device.code_hash = _code_hash(device, code)
    device.code_expires_at = now + dt.timedelta(seconds=settings.MFA_CODE_TTL_SECONDS)
    device.last_sent_at = now
    device.save(update_fields=["code_hash", "code_expires_at", "last_sent_at"])
    minutes = max(settings.MFA_CODE_TTL_SECONDS // 60, 1)
    message = Message(
        channel=device.channel,
        destination=decrypt_str(device.destination_encrypted),
        subject="Your BlockGuardian security code",
        body=f"Your BlockGuardian security code is {code}. It expires in {minutes} minutes. "
        "We will never ask you for it.",
    )
    transaction.on_commit(lambda: _deliver(message))
    return device.code_expires_at


def message_device_verify(*, device: MessageDevice, code: str) -> bool:
    """django-otp's verify_token for text-message and email devices: the current, unexpired code,
    once."""
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        return False
    now = timezone.now()
    matches = bool(
        device.code_hash
        and device.code_expires_at is not None
        and now < device.code_expires_at
        and constant_time_compare(device.code_hash, _code_hash(device, code.strip()))
    )
    if matches:
        device.code_hash = ""
        device.code_expires_at = None
        device.throttle_reset(commit=False)
        device.set_last_used_timestamp(commit=False)
        device.save()
    else:
        device.throttle_increment(commit=True)
    return matches


def _destination_hint(channel: str, destination: str) -> str:
    if channel == MessageDevice.Channel.SMS:
        return f"phone ending {destination[-2:]}"
    local, _, domain = destination.partition("@")
    return f"{local[:1]}***@{domain}"


# --- backup codes -----------------------------------------------------------------------------------
def _normalise_backup_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _backup_hash(device: BackupCodeDevice, code: str) -> str:
    return secret_hash(f"{device.pk}:{_normalise_backup_code(code)}", purpose="backup-code")


def _new_backup_code() -> str:
    raw = "".join(secrets.choice(BACKUP_ALPHABET) for _ in range(BACKUP_CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


@transaction.atomic
def backup_codes_generate(*, user: User, codes: list[str] | None = None) -> list[str]:
    """A new set of one-time backup codes (the old set stops working). Only hashes are stored; the
    codes are returned once."""
    with audit_actor(user):
        BackupCodeDevice.objects.filter(user=user).delete()
        device = BackupCodeDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = codes or [_new_backup_code() for _ in range(settings.MFA_BACKUP_CODE_COUNT)]
    BackupCode.objects.bulk_create([BackupCode(device=device, code_hash=_backup_hash(device, code)) for code in codes])
    return codes


def backup_code_verify(*, device: BackupCodeDevice, code: str) -> bool:
    """django-otp's verify_token for backup codes: a code works once."""
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        return False
    used = BackupCode.objects.filter(device=device, code_hash=_backup_hash(device, code), used_at__isnull=True).update(
        used_at=timezone.now()
    )
    if used:
        device.throttle_reset(commit=False)
        device.set_last_used_timestamp(commit=False)
        device.save()
        return True
    device.throttle_increment(commit=True)
    return False


# --- verifying a code against a user's devices ------------------------------------------------------
def _may_accept(device: Device, code: str) -> bool:
    if _NUMERIC_CODE.match(code):
        if isinstance(device, TOTPDevice):
            return True
        return isinstance(device, MessageDevice) and bool(device.code_hash)
    return isinstance(device, (BackupCodeDevice, StaticDevice))


def _verify_code(*, user: User, code: str, device_id: str | None, confirmed: bool) -> Device | None:
    """The device (locked for update: call inside a transaction) that accepts `code`, if any."""
    code = (code or "").strip()
    if not code or len(code) > 32:
        return None
    devices = list(devices_for_user(user, confirmed=confirmed, for_verify=True))
    if device_id:
        devices = [device for device in devices if device.persistent_id == device_id]
    else:
        devices = [device for device in devices if _may_accept(device, code)]
    for device in devices:
        if device.verify_token(code):
            return device
    return None


# --- setting a device up ----------------------------------------------------------------------------
@dataclass(frozen=True)
class TotpSetup:
    device: TOTPDevice
    otpauth_uri: str
    qr_png_base64: str


def mfa_assert_current_factor(*, user: User, code: str | None) -> None:
    """Adding a factor to an account that already has one needs a current code (or a backup code):
    a stolen access token alone cannot plant the thief's own device."""
    if not mfa_is_enabled(user=user):
        return
    if not code:
        raise MfaStateError(
            "A second factor is already set up: give a current code to add another.",
            code="mfa_current_code_required",
        )
    if _verify_current(user=user, code=code) is None:
        raise MfaCodeInvalid()


@transaction.atomic
def _verify_current(*, user: User, code: str) -> Device | None:
    return _verify_code(user=user, code=code, device_id=None, confirmed=True)


def mfa_setup_totp(*, user: User, current_code: str | None = None) -> TotpSetup:
    """An unconfirmed TOTP device; it counts once a code from it is confirmed (mfa_confirm_device)."""
    mfa_assert_current_factor(user=user, code=current_code)
    return _setup_totp(user=user)


@transaction.atomic
def _setup_totp(*, user: User) -> TotpSetup:
    with audit_actor(user):
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    uri = device.config_url
    buffer = io.BytesIO()
    qrcode.make(uri).save(buffer, format="PNG")
    return TotpSetup(device=device, otpauth_uri=uri, qr_png_base64=base64.b64encode(buffer.getvalue()).decode())


def mfa_setup_message_device(
    *, user: User, channel: str, destination: str, current_code: str | None = None
) -> tuple[MessageDevice, dt.datetime]:
    """An unconfirmed phone or email device; a code is sent to it at once."""
    mfa_assert_current_factor(user=user, code=current_code)
    return _setup_message_device(user=user, channel=channel, destination=destination)


@transaction.atomic
def _setup_message_device(*, user: User, channel: str, destination: str) -> tuple[MessageDevice, dt.datetime]:
    destination = destination.strip()
    if channel == MessageDevice.Channel.SMS:
        if not _PHONE.match(destination):
            raise InvalidInput(
                "Give the phone number in international format, e.g. +15551234567.",
                code="mfa_destination_invalid",
                errors={"phone_number": ["Use international format, e.g. +15551234567."]},
            )
    elif channel == MessageDevice.Channel.EMAIL:
        try:
            validate_email(destination)
        except ValidationError as exc:
            raise InvalidInput(
                "Give a valid email address.",
                code="mfa_destination_invalid",
                errors={"email": ["Enter a valid email address."]},
            ) from exc
        destination = destination.lower()
    else:
        raise MfaStateError(f"unknown device type {channel!r}")
    with audit_actor(user):
        MessageDevice.objects.filter(user=user, confirmed=False).delete()
        device = MessageDevice.objects.create(
            user=user,
            name=MessageDevice.Channel(channel).label,
            channel=channel,
            destination_encrypted=encrypt_str(destination),
            destination_hint=_destination_hint(channel, destination),
            confirmed=False,
        )
    expires_at = message_device_send_code(device=device)
    return device, expires_at


@dataclass(frozen=True)
class DeviceConfirmed:
    device: Device
    backup_codes: list[str]


def mfa_confirm_device(
    *, user: User, code: str, device_id: str | None = None, client: ClientInfo = NO_CLIENT
) -> DeviceConfirmed:
    """Confirm the device being set up with a code from it; returns a fresh set of backup codes."""
    outcome = _confirm_locked(user=user, code=code, device_id=device_id, client=client)
    if outcome == "nothing_to_confirm":
        raise MfaStateError("No second factor is being set up.", code="mfa_nothing_to_confirm")
    if outcome == "bad_code":
        raise MfaCodeInvalid()
    return outcome


@transaction.atomic
def _confirm_locked(*, user: User, code: str, device_id: str | None, client: ClientInfo):
    pending = [
        device for device in devices_for_user(user, confirmed=False) if isinstance(device, (TOTPDevice, MessageDevice))
    ]
    if not pending:
        return "nothing_to_confirm"
    device = _verify_code(user=user, code=code, device_id=device_id, confirmed=False)
    if device is None or not isinstance(device, (TOTPDevice, MessageDevice)):
        security_event_record(
            user=user,
            kind=SecurityEvent.Kind.MFA_ENABLED,
            outcome=SecurityEvent.Outcome.FAILURE,
            client=client,
            detail={"reason": "bad_code"},
        )
        return "bad_code"
    device.confirmed = True
    with audit_actor(user):
        device.save(update_fields=["confirmed"])
    codes = backup_codes_generate(user=user)
    security_event_record(
        user=user, kind=SecurityEvent.Kind.MFA_ENABLED, client=client, detail={"device": device_type(device)}
    )
    return DeviceConfirmed(device=device, backup_codes=codes)


def mfa_disable(*, user: User, code: str, client: ClientInfo = NO_CLIENT) -> None:
    """Remove every second factor, with a current code or a backup code. Staff keep theirs."""
    if user.is_staff:
        raise MfaStateError("Staff accounts always need a second factor.", code="mfa_required_for_staff")
    outcome = _disable_locked(user=user, code=code, client=client)
    if outcome == "not_enabled":
        raise MfaStateError("No second factor is set up.", code="mfa_not_enabled")
    if outcome == "bad_code":
        raise MfaCodeInvalid()


@transaction.atomic
def _disable_locked(*, user: User, code: str, client: ClientInfo) -> str:
    if not mfa_is_enabled(user=user):
        return "not_enabled"
    if _verify_code(user=user, code=code, device_id=None, confirmed=True) is None:
        security_event_record(
            user=user,
            kind=SecurityEvent.Kind.MFA_DISABLED,
            outcome=SecurityEvent.Outcome.FAILURE,
            client=client,
            detail={"reason": "bad_code"},
        )
        return "bad_code"
    mfa_devices_delete(user=user, acting_user=user)
    security_event_record(user=user, kind=SecurityEvent.Kind.MFA_DISABLED, client=client)
    return "ok"


def mfa_devices_delete(*, user: User, acting_user: User | None) -> None:
    with audit_actor(acting_user):
        for device in list(devices_for_user(user, confirmed=None)):
            device.delete()


# --- the login challenge -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChallengeIssued:
    challenge: MfaChallenge
    token: str
    devices: list[dict]
    code_sent_to: str | None


def _challenge_hash(raw: str) -> str:
    return secret_hash(raw, purpose="mfa-challenge")


@transaction.atomic
def mfa_challenge_create(*, user: User, client: ClientInfo = NO_CLIENT) -> ChallengeIssued:
    """The password was right and a second factor is due. A user without an authenticator app is
    sent a code at once (to their first phone or email device)."""
    raw = secrets.token_urlsafe(32)
    challenge = MfaChallenge.objects.create(
        user=user,
        token_hash=_challenge_hash(raw),
        expires_at=timezone.now() + dt.timedelta(seconds=settings.MFA_CHALLENGE_TTL_SECONDS),
    )
    devices = mfa_devices(user=user)
    sent_to = None
    if not any(isinstance(device, TOTPDevice) for device in devices):
        message_devices = sorted((d for d in devices if isinstance(d, MessageDevice)), key=lambda d: d.pk)
        if message_devices:
            message_device_send_code(device=message_devices[0])
            sent_to = message_devices[0].persistent_id
    security_event_record(
        user=user, kind=SecurityEvent.Kind.MFA_CHALLENGE, client=client, detail={"challenge": str(challenge.pk)}
    )
    return ChallengeIssued(
        challenge=challenge, token=raw, devices=[device_summary(d) for d in devices], code_sent_to=sent_to
    )


def challenge_user_id(raw_token: str) -> str | None:
    """Whose login a challenge token belongs to (for per-account rate limits)."""
    user_id = MfaChallenge.objects.filter(token_hash=_challenge_hash(raw_token or "")).values_list("user_id", flat=True)
    first = user_id.first()
    return str(first) if first else None


def mfa_challenge_verify(
    *, raw_token: str, code: str, device_id: str | None = None, client: ClientInfo = NO_CLIENT
) -> tuple[User, Device]:
    """Check a code against the challenge's user's devices; the challenge works once, expires, and
    dies after MFA_CHALLENGE_MAX_ATTEMPTS wrong codes."""
    outcome = _challenge_verify_locked(raw_token=raw_token, code=code, device_id=device_id, client=client)
    if outcome == "invalid":
        raise MfaChallengeInvalid()
    if outcome == "bad_code":
        raise MfaCodeInvalid()
    return outcome


@transaction.atomic
def _challenge_verify_locked(*, raw_token: str, code: str, device_id: str | None, client: ClientInfo):
    challenge = (
        MfaChallenge.objects.select_for_update()
        .select_related("user")
        .filter(token_hash=_challenge_hash(raw_token))
        .first()
    )
    if challenge is None or not challenge.is_open or not challenge.user.is_active:
        return "invalid"
    device = _verify_code(user=challenge.user, code=code, device_id=device_id, confirmed=True)
    if device is None:
        challenge.attempts += 1
        challenge.save(update_fields=["attempts"])
        security_event_record(
            user=challenge.user,
            kind=SecurityEvent.Kind.MFA_CHALLENGE,
            outcome=SecurityEvent.Outcome.FAILURE,
            client=client,
            detail={"challenge": str(challenge.pk), "reason": "bad_code"},
        )
        return "bad_code"
    challenge.completed_at = timezone.now()
    challenge.save(update_fields=["completed_at"])
    return challenge.user, device


def mfa_challenge_resend(*, raw_token: str, device_id: str | None = None) -> tuple[MessageDevice, dt.datetime]:
    """Send a new code for a login challenge: at most MFA_RESEND_LIMIT times per challenge, and not
    twice to one device within MFA_RESEND_COOLDOWN_SECONDS."""
    outcome = _resend_locked(raw_token=raw_token, device_id=device_id)
    if outcome == "invalid":
        raise MfaChallengeInvalid()
    if outcome == "no_device":
        raise MfaStateError("No phone or email device can receive a code.", code="mfa_no_message_device")
    if isinstance(outcome, tuple) and outcome[0] == "limited":
        raise MfaResendLimited(retry_after=outcome[1])
    return outcome


@transaction.atomic
def _resend_locked(*, raw_token: str, device_id: str | None):
    challenge = MfaChallenge.objects.select_for_update().filter(token_hash=_challenge_hash(raw_token)).first()
    if challenge is None or not challenge.is_open:
        return "invalid"
    now = timezone.now()
    if challenge.resend_count >= settings.MFA_RESEND_LIMIT:
        return ("limited", int((challenge.expires_at - now).total_seconds()))
    devices = MessageDevice.objects.select_for_update().filter(user_id=challenge.user_id, confirmed=True).order_by("pk")
    device = next((d for d in devices if not device_id or d.persistent_id == device_id), None)
    if device is None:
        return "no_device"
    if device.last_sent_at is not None:
        wait = settings.MFA_RESEND_COOLDOWN_SECONDS - (now - device.last_sent_at).total_seconds()
        if wait > 0:
            return ("limited", int(wait) + 1)
    expires_at = message_device_send_code(device=device)
    challenge.resend_count += 1
    challenge.save(update_fields=["resend_count"])
    return device, expires_at


def mfa_challenges_purge(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Delete login challenges that expired more than `older_than` ago."""
    deleted, _ = MfaChallenge.objects.filter(expires_at__lt=timezone.now() - older_than).delete()
    return deleted
