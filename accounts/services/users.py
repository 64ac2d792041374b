"""Registration, email verification, passwords and the customer's profile."""

from __future__ import annotations

import re

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from blockguardian.errors import InvalidInput

from ..audit import audit_actor
from ..errors import EmailUnavailable, PasswordInvalid, ResetTokenInvalid, VerificationTokenInvalid
from ..models import CustomerProfile, SecurityEvent, TokenFamily, User
from .common import NO_CLIENT, ClientInfo, security_event_record
from .tokens import TokenPair, token_pair_issue, user_tokens_revoke_all

CUSTOMER_GROUP = "customer"
_EMAIL_VERIFICATION_SALT = "accounts.email-verification"
_PHONE = re.compile(r"^\+?[0-9 ()\-.]{7,20}$")


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def password_validate(*, password: str, user: User) -> None:
    """Django's validators (minimum length 12 in settings, similarity, common and numeric)."""
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(
            " ".join(exc.messages), code="password_too_weak", errors={"password": list(exc.messages)}
        ) from exc


def _send_on_commit(*, subject: str, body: str, to: str) -> None:
    transaction.on_commit(lambda: send_mail(subject, body, None, [to]))


def _link(path: str, **params: str) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{settings.ACCOUNTS_LINK_BASE_URL.rstrip('/')}/{path}?{query}"


@transaction.atomic
def customer_create(
    *,
    email: str,
    first_name: str,
    last_name: str,
    password: str | None,
    email_verified: bool = False,
    external_id: str | None = None,
    phone_number: str = "",
    acting_user: User | None = None,
) -> User:
    """A customer account with its profile, in the `customer` role. No password: unusable until a
    password reset (imported customers)."""
    with audit_actor(acting_user):
        user = User.objects.create_user(
            email=normalise_email(email),
            password=password,
            first_name=first_name.strip()[:150],
            last_name=last_name.strip()[:150],
            email_verified=email_verified,
        )
        CustomerProfile.objects.create(user=user, external_id=external_id or None, phone_number=phone_number[:32])
        group, _ = Group.objects.get_or_create(name=CUSTOMER_GROUP)
        user.groups.add(group)
    return user


def user_register(
    *, email: str, password: str, first_name: str, last_name: str, client: ClientInfo = NO_CLIENT
) -> None:
    """Register and send the verification link. The caller learns nothing about whether the address
    already had an account: its owner gets a notice instead of a second account."""
    email = normalise_email(email)
    password_validate(password=password, user=User(email=email, first_name=first_name, last_name=last_name))
    with transaction.atomic():
        existing = User.objects.filter(email__iexact=email).first()
        if existing is None:
            try:
                with transaction.atomic():
                    user = customer_create(email=email, first_name=first_name, last_name=last_name, password=password)
            except IntegrityError:
                existing = User.objects.filter(email__iexact=email).first()
            else:
                email_verification_send(user=user)
                return
        # The same work as a registration, so the answer takes as long.
        make_password(password)
        if existing is not None and existing.is_active:
            _send_on_commit(
                subject="Someone tried to register with your email address",
                body="An account already exists for this address. If it was you, log in or reset your "
                "password. If not, you can ignore this message.",
                to=existing.email,
            )


def email_verification_send(*, user: User) -> None:
    token = signing.dumps({"u": str(user.pk), "e": user.email}, salt=_EMAIL_VERIFICATION_SALT)
    _send_on_commit(
        subject="Confirm your email address",
        body=f"Confirm your email address for BlockGuardian: {_link('verify-email', token=token)}\n"
        f"The link expires in {settings.EMAIL_VERIFICATION_MAX_AGE_HOURS} hours.",
        to=user.email,
    )


@transaction.atomic
def email_verify(*, token: str) -> User:
    try:
        data = signing.loads(
            token, salt=_EMAIL_VERIFICATION_SALT, max_age=settings.EMAIL_VERIFICATION_MAX_AGE_HOURS * 3600
        )
    except signing.BadSignature as exc:
        raise VerificationTokenInvalid() from exc
    if not isinstance(data, dict):
        raise VerificationTokenInvalid()
    user = User.objects.select_for_update().filter(pk=data.get("u"), is_active=True).first()
    # A link for an address the account no longer has (changed since) does not verify anything.
    if user is None or user.email != data.get("e"):
        raise VerificationTokenInvalid()
    if not user.email_verified:
        user.email_verified = True
        with audit_actor(user):
            user.save(update_fields=["email_verified"])
    return user


def password_change(
    *, user: User, current_password: str, new_password: str, amr: list[str], client: ClientInfo = NO_CLIENT
) -> TokenPair:
    """Change the password; every earlier token stops working and the caller gets a new pair."""
    if not user.check_password(current_password or ""):
        security_event_record(
            user=user, kind=SecurityEvent.Kind.PASSWORD_CHANGED, outcome=SecurityEvent.Outcome.FAILURE, client=client
        )
        raise PasswordInvalid()
    password_validate(password=new_password, user=user)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.set_password(new_password)
        with audit_actor(user):
            locked.save(update_fields=["password"])
        user_tokens_revoke_all(user=locked, reason=TokenFamily.RevokeReason.PASSWORD, acting_user=user)
        security_event_record(user=locked, kind=SecurityEvent.Kind.PASSWORD_CHANGED, client=client)
        return token_pair_issue(user=locked, amr=amr)


def password_reset_request(*, email: str, client: ClientInfo = NO_CLIENT) -> None:
    """Send a single-use, expiring reset link if an active account has this address; the caller is
    told the same either way."""
    user = User.objects.filter(email__iexact=normalise_email(email), is_active=True).first()
    if user is None:
        return
    with transaction.atomic():
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        _send_on_commit(
            subject="Reset your BlockGuardian password",
            body=f"Choose a new password: {_link('reset-password', uid=uid, token=token)}\n"
            f"The link works once and expires in {settings.PASSWORD_RESET_TIMEOUT // 60} minutes. "
            "If you did not ask for it, ignore this message.",
            to=user.email,
        )
        security_event_record(user=user, kind=SecurityEvent.Kind.PASSWORD_RESET_REQUESTED, client=client)


def password_reset_confirm(*, uid: str, token: str, new_password: str, client: ClientInfo = NO_CLIENT) -> User:
    """Set the new password; every session of the user ends, and a lockout on the account lifts."""
    try:
        user_id = force_str(urlsafe_base64_decode(uid))
        user = User.objects.filter(pk=user_id, is_active=True).first()
    except (ValueError, TypeError, ValidationError, OverflowError):
        user = None
    if user is None or not default_token_generator.check_token(user, token):
        raise ResetTokenInvalid()
    password_validate(password=new_password, user=user)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.set_password(new_password)
        # Following the link proved the mailbox is theirs.
        locked.email_verified = True
        with audit_actor(locked):
            locked.save(update_fields=["password", "email_verified"])
        user_tokens_revoke_all(user=locked, reason=TokenFamily.RevokeReason.PASSWORD, acting_user=locked)
        security_event_record(user=locked, kind=SecurityEvent.Kind.PASSWORD_RESET, client=client)
    axes_reset(username=locked.email)
    return locked


def _clean_phone(value: str, *, field: str) -> str:
    value = (value or "").strip()
    if value and not _PHONE.match(value):
        raise InvalidInput(
            f"{field}: not a phone number.", code="profile_invalid", errors={field: ["Not a phone number."]}
        )
    return value


@transaction.atomic
def profile_update(
    *,
    user: User,
    first_name: str,
    last_name: str,
    phone_number: str = "",
    trusted_contact: dict | None = None,
    email: str | None = None,
    current_password: str | None = None,
    client: ClientInfo = NO_CLIENT,
) -> User:
    """Personal details and the trusted contact (FINRA Rule 4512). A new email address needs the
    password, and must be verified again."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    profile, _ = CustomerProfile.objects.select_for_update().get_or_create(user=locked)
    phone_number = _clean_phone(phone_number, field="phone_number")
    contact = trusted_contact or {}
    contact_name = (contact.get("name") or "").strip()
    contact_email = normalise_email(contact.get("email") or "")
    contact_phone = _clean_phone(contact.get("phone") or "", field="trusted_contact.phone")
    if (contact_email or contact_phone) and not contact_name:
        raise InvalidInput(
            "The trusted contact needs a name.",
            code="profile_invalid",
            errors={"trusted_contact.name": ["A trusted contact needs a name."]},
        )
    if contact_name and not (contact_email or contact_phone):
        raise InvalidInput(
            "The trusted contact needs an email address or a phone number.",
            code="profile_invalid",
            errors={"trusted_contact": ["Give an email address or a phone number."]},
        )

    new_email = normalise_email(email) if email else locked.email
    old_email = locked.email
    email_changes = new_email != locked.email
    if email_changes:
        if not locked.check_password(current_password or ""):
            raise PasswordInvalid("Changing the email address needs your current password.")
        if User.objects.filter(email__iexact=new_email).exclude(pk=locked.pk).exists():
            raise EmailUnavailable()
        locked.email = new_email
        locked.email_verified = False

    locked.first_name = first_name.strip()[:150]
    locked.last_name = last_name.strip()[:150]
    contact_changed = (contact_name, contact_email, contact_phone) != (
        profile.trusted_contact_name,
        profile.trusted_contact_email,
        profile.trusted_contact_phone,
    )
    profile.phone_number = phone_number
    profile.trusted_contact_name = contact_name[:200]
    profile.trusted_contact_email = contact_email
    profile.trusted_contact_phone = contact_phone
    if contact_changed:
        profile.trusted_contact_updated_at = timezone.now()
    with audit_actor(user):
        try:
            with transaction.atomic():
                locked.save(update_fields=["email", "email_verified", "first_name", "last_name"])
        except IntegrityError as exc:
            raise EmailUnavailable() from exc
        profile.save()
    if email_changes:
        email_verification_send(user=locked)
        _send_on_commit(
            subject="Your BlockGuardian email address was changed",
            body="The email address of your account was changed. If this was not you, contact support at once.",
            to=old_email,
        )
        security_event_record(user=locked, kind=SecurityEvent.Kind.EMAIL_CHANGED, client=client)
    return locked
