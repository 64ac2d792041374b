"""Users (email login, UUID key) and what accounts owns about a customer."""

from __future__ import annotations

import uuid

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("an email address is required")
        email = self.normalize_email(email).lower()
        user = self.model(email=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        if not extra["is_staff"] or not extra["is_superuser"]:
            raise ValueError("a superuser needs is_staff and is_superuser")
        return self._create_user(email, password, **extra)


class Restriction(models.TextChoices):
    NONE = "none", "None"
    REVIEW = "review", "Under review"
    FROZEN = "frozen", "Frozen (pending a decision)"
    BLOCKED = "blocked", "Blocked (confirmed sanctions match)"


class User(AbstractUser):
    """A person who logs in: a customer, or staff (by role)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    username = None
    email = models.EmailField("email address", unique=True)
    email_verified = models.BooleanField(default=False)
    # A customer's restriction (DESIGN.md); changed only through accounts.services.
    restriction = models.CharField(max_length=16, choices=Restriction.choices, default=Restriction.NONE)
    restriction_reason = models.CharField(max_length=500, blank=True, default="")
    restriction_changed_at = models.DateTimeField(null=True, blank=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        # Never the email: object representations reach the audit log (no personal data there).
        return f"user {self.pk}"


class SecurityEvent(models.Model):
    """A login attempt, MFA change, password change or reset: kept for the customer's security
    history and as a fraud signal."""

    class Kind(models.TextChoices):
        LOGIN = "login", "Login"
        LOGOUT = "logout", "Logout"
        MFA_CHALLENGE = "mfa_challenge", "MFA challenge"
        MFA_ENABLED = "mfa_enabled", "MFA enabled"
        MFA_DISABLED = "mfa_disabled", "MFA disabled"
        PASSWORD_CHANGED = "password_changed", "Password changed"
        PASSWORD_RESET_REQUESTED = "password_reset_requested", "Password reset requested"
        PASSWORD_RESET = "password_reset", "Password reset completed"
        EMAIL_CHANGED = "email_changed", "Email changed"
        TOKEN_REUSE = "token_reuse", "Refresh token reused"
        LOCKOUT = "lockout", "Locked out"

    class Outcome(models.TextChoices):
        SUCCESS = "success", "Success"
        FAILURE = "failure", "Failure"

    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="security_events")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.SUCCESS)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True, default="")
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["user", "kind", "created_at"], name="security_event_user_kind_idx")]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.outcome} at {self.created_at:%Y-%m-%d %H:%M}"
