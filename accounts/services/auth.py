"""Login: the password through Django's authenticate (so django-axes counts failures and enforces
the lockout, exactly as for the admin), then a second factor when the user has one."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest

from ..errors import AccountLocked, EmailNotVerified, InvalidCredentials, MfaEnrolmentRequired
from ..lockout import lockout_retry_after
from ..models import SecurityEvent, User
from .common import NO_CLIENT, ClientInfo, security_event_record
from .mfa import ChallengeIssued, mfa_challenge_create, mfa_challenge_verify, mfa_is_enabled
from .tokens import TokenPair, token_pair_issue
from .users import normalise_email


@dataclass(frozen=True)
class LoginResult:
    tokens: TokenPair | None = None
    challenge: ChallengeIssued | None = None


def _failed(*, user: User | None, kind: str, reason: str, client: ClientInfo) -> None:
    security_event_record(
        user=user, kind=kind, outcome=SecurityEvent.Outcome.FAILURE, client=client, detail={"reason": reason}
    )


def login_start(*, request: HttpRequest, email: str, password: str, client: ClientInfo = NO_CLIENT) -> LoginResult:
    """Check the password (the Django request is needed: axes reads the client from it). Returns
    tokens, or a challenge when a second factor is due. Staff always need one."""
    email = normalise_email(email)
    user = authenticate(request=request, username=email, password=password)
    if user is None:
        known = User.objects.filter(email__iexact=email).first()
        if getattr(request, "axes_locked_out", False):
            _failed(user=known, kind=SecurityEvent.Kind.LOCKOUT, reason="locked_out", client=client)
            raise AccountLocked(
                retry_after=lockout_retry_after(request=request, username=email, ip_address=client.ip_address)
            )
        _failed(user=known, kind=SecurityEvent.Kind.LOGIN, reason="bad_credentials", client=client)
        raise InvalidCredentials()
    if not user.email_verified:
        _failed(user=user, kind=SecurityEvent.Kind.LOGIN, reason="email_not_verified", client=client)
        raise EmailNotVerified()
    if mfa_is_enabled(user=user):
        return LoginResult(challenge=mfa_challenge_create(user=user, client=client))
    if user.is_staff:
        _failed(user=user, kind=SecurityEvent.Kind.LOGIN, reason="mfa_enrolment_required", client=client)
        raise MfaEnrolmentRequired()
    return LoginResult(tokens=login_complete(request=request, user=user, amr=["pwd"], client=client))


def login_verify_mfa(
    *, request: HttpRequest, challenge_token: str, code: str, device_id: str | None, client: ClientInfo = NO_CLIENT
) -> TokenPair:
    """The second step: a code for the challenge; completes the login."""
    user, _device = mfa_challenge_verify(raw_token=challenge_token, code=code, device_id=device_id, client=client)
    return login_complete(request=request, user=user, amr=["pwd", "otp"], client=client)


def login_complete(*, request: HttpRequest, user: User, amr: list[str], client: ClientInfo = NO_CLIENT) -> TokenPair:
    # Django's login signal: axes clears the account's failures, last_login moves on.
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    security_event_record(user=user, kind=SecurityEvent.Kind.LOGIN, client=client, detail={"amr": amr})
    return token_pair_issue(user=user, amr=amr)
