"""JWT sessions: access and refresh tokens in families, rotation with reuse detection, revocation.

Every token carries three claims of ours besides simplejwt's: `ver` (the user's token version when
it was issued: bumping the version revokes every token of the user), `fam` (the token family: one
login session; revoking it ends the session's refresh and access tokens) and `amr` (how the login
was authenticated: `pwd`, plus `otp` after a second factor).

A refresh rotates on every use; the used one is blacklisted. Presenting a blacklisted refresh token
again means it was copied: the whole family is revoked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenBackendError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from ..audit import audit_actor
from ..errors import InvalidToken
from ..models import SecurityEvent, TokenFamily, User
from .common import NO_CLIENT, ClientInfo, security_event_record

VERSION_CLAIM = "ver"
FAMILY_CLAIM = "fam"
AMR_CLAIM = "amr"


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    access_expires_at: dt.datetime
    refresh_expires_at: dt.datetime


def _fingerprint(raw: str) -> str:
    # simplejwt keeps the whole token of every outstanding refresh; a digest is enough to find it.
    return "sha256:" + hashlib.sha256(raw.encode()).hexdigest()


def _mint(*, user: User, family: TokenFamily, amr: list[str]) -> TokenPair:
    refresh = RefreshToken()
    refresh[api_settings.USER_ID_CLAIM] = str(user.pk)
    refresh[VERSION_CLAIM] = user.token_version
    refresh[FAMILY_CLAIM] = str(family.pk)
    refresh[AMR_CLAIM] = list(amr)
    raw_refresh = str(refresh)
    OutstandingToken.objects.create(
        user=user,
        jti=refresh[api_settings.JTI_CLAIM],
        token=_fingerprint(raw_refresh),
        created_at=refresh.current_time,
        expires_at=datetime_from_epoch(refresh["exp"]),
    )
    access = refresh.access_token
    return TokenPair(
        access=str(access),
        refresh=raw_refresh,
        access_expires_at=datetime_from_epoch(access["exp"]),
        refresh_expires_at=datetime_from_epoch(refresh["exp"]),
    )


@transaction.atomic
def token_pair_issue(*, user: User, amr: list[str] | tuple[str, ...] = ("pwd",)) -> TokenPair:
    """A new session (token family) for `user` and its first access and refresh tokens."""
    family = TokenFamily.objects.create(user=user)
    return _mint(user=user, family=family, amr=list(amr))


def _decode_refresh(raw: str) -> dict:
    try:
        payload = token_backend.decode(raw, verify=True)
    except TokenBackendError as exc:
        raise InvalidToken() from exc
    if payload.get(api_settings.TOKEN_TYPE_CLAIM) != RefreshToken.token_type:
        raise InvalidToken()
    for claim in (api_settings.JTI_CLAIM, api_settings.USER_ID_CLAIM, VERSION_CLAIM, FAMILY_CLAIM):
        if claim not in payload:
            raise InvalidToken()
    try:
        uuid.UUID(str(payload[FAMILY_CLAIM]))
        uuid.UUID(str(payload[api_settings.USER_ID_CLAIM]))
    except ValueError as exc:
        raise InvalidToken() from exc
    return payload


def refresh_token_user_id(raw: str) -> str | None:
    """The user a (signature-checked) refresh token belongs to, for per-account rate limits."""
    try:
        return str(_decode_refresh(raw)[api_settings.USER_ID_CLAIM])
    except InvalidToken:
        return None


def token_refresh(*, raw_refresh: str, client: ClientInfo = NO_CLIENT) -> TokenPair:
    """Rotate: a new pair in the same family; the presented refresh token is blacklisted.

    A refresh token that was already rotated (or logged out) revokes its family: whoever holds the
    other copy loses the session too."""
    payload = _decode_refresh(raw_refresh)
    result = _refresh_locked(payload=payload, client=client)
    if isinstance(result, TokenPair):
        return result
    raise InvalidToken()


@transaction.atomic
def _refresh_locked(*, payload: dict, client: ClientInfo) -> TokenPair | None:
    # The family row serialises every refresh of one session (two concurrent uses of one token:
    # the second finds it blacklisted and is treated as reuse).
    family = TokenFamily.objects.select_for_update().filter(pk=payload[FAMILY_CLAIM]).first()
    # simplejwt orders outstanding tokens by user: an outer join that FOR UPDATE cannot lock.
    outstanding = (
        OutstandingToken.objects.select_for_update().filter(jti=payload[api_settings.JTI_CLAIM]).order_by("pk").first()
    )
    if family is None or outstanding is None or str(family.user_id) != str(payload[api_settings.USER_ID_CLAIM]):
        return None
    if BlacklistedToken.objects.filter(token=outstanding).exists():
        if family.revoked_at is None:
            _family_revoke(family=family, reason=TokenFamily.RevokeReason.REUSE)
            security_event_record(
                user=family.user,
                kind=SecurityEvent.Kind.TOKEN_REUSE,
                outcome=SecurityEvent.Outcome.FAILURE,
                client=client,
                detail={"session": str(family.pk)},
            )
        return None
    if family.revoked_at is not None:
        return None
    user = User.objects.filter(pk=family.user_id).first()
    if user is None or not user.is_active or user.token_version != payload[VERSION_CLAIM]:
        return None
    BlacklistedToken.objects.create(token=outstanding)
    return _mint(user=user, family=family, amr=list(payload.get(AMR_CLAIM, ["pwd"])))


def _family_revoke(*, family: TokenFamily, reason: str) -> None:
    family.revoked_at = timezone.now()
    family.revoke_reason = reason
    family.save(update_fields=["revoked_at", "revoke_reason"])


def _blacklist_outstanding(*, user: User) -> None:
    now = timezone.now()
    live = OutstandingToken.objects.filter(user=user, expires_at__gt=now, blacklistedtoken__isnull=True)
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token=token) for token in live], ignore_conflicts=True)


@transaction.atomic
def token_logout(
    *, user: User, family_id: str | None, raw_refresh: str | None = None, client: ClientInfo = NO_CLIENT
) -> None:
    """End the session the caller's access token belongs to (its access tokens stop working at
    once) and blacklist the refresh token handed in, if it is the caller's."""
    family_ids = {str(family_id)} if family_id else set()
    if raw_refresh:
        payload = _decode_refresh(raw_refresh)
        if str(payload[api_settings.USER_ID_CLAIM]) != str(user.pk):
            raise InvalidToken()
        family_ids.add(str(payload[FAMILY_CLAIM]))
        outstanding = OutstandingToken.objects.filter(jti=payload[api_settings.JTI_CLAIM], user=user).first()
        if outstanding is not None:
            BlacklistedToken.objects.get_or_create(token=outstanding)
    for family in TokenFamily.objects.select_for_update().filter(
        pk__in=sorted(family_ids), user=user, revoked_at__isnull=True
    ):
        _family_revoke(family=family, reason=TokenFamily.RevokeReason.LOGOUT)
    security_event_record(user=user, kind=SecurityEvent.Kind.LOGOUT, client=client)


@transaction.atomic
def user_tokens_revoke_all(*, user: User, reason: str, acting_user: User | None = None) -> User:
    """Every token the user holds stops working: the token version moves on, every session is
    revoked and every outstanding refresh token blacklisted."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    locked.token_version += 1
    with audit_actor(acting_user or user):
        locked.save(update_fields=["token_version"])
    user.token_version = locked.token_version
    TokenFamily.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoke_reason=reason
    )
    _blacklist_outstanding(user=user)
    return user


def session_is_live(*, user_id, family_id) -> bool:
    return TokenFamily.objects.filter(pk=family_id, user_id=user_id, revoked_at__isnull=True).exists()
