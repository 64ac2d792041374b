"""Users (email login, UUID key) and what accounts owns about a customer: profile, sessions, second
factors, KYC/CIP records, data-rights requests.

No `__str__` here shows personal data: object representations reach the audit log.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_otp.models import Device, ThrottlingMixin, TimestampMixin

from .countries import COUNTRY_CHOICES


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

    def get_by_natural_key(self, username):
        # Emails are stored lower-case; a login typed with capitals finds the same account.
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


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
    restriction_changed_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    # Every JWT carries the version it was issued under; bumping it revokes them all at once
    # (password reset or change, erasure).
    token_version = models.PositiveIntegerField(default=0)
    erased_at = models.DateTimeField(null=True, blank=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]
        permissions = [
            ("set_restriction", "Can set a customer's restriction"),
            ("lift_block", "Can lift a sanctions block"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(restriction__in=[choice.value for choice in Restriction]),
                name="user_restriction_valid",
            ),
        ]

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
        indexes = [
            models.Index(fields=["user", "kind", "created_at"], name="security_event_user_kind_idx"),
            # the admin list's filters, each with the list's ordering
            models.Index(fields=["kind", "-created_at"], name="accou_securityev_kind_idx"),
            models.Index(fields=["outcome", "-created_at"], name="accou_securityev_outcome_idx"),
        ]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.outcome} at {self.created_at:%Y-%m-%d %H:%M}"


class CustomerProfile(models.Model):
    """Personal details beyond the login, and the FINRA Rule 4512 trusted contact person."""

    user = models.OneToOneField(User, primary_key=True, on_delete=models.CASCADE, related_name="profile")
    phone_number = models.CharField(max_length=32, blank=True, default="")
    trusted_contact_name = models.CharField(max_length=200, blank=True, default="")
    trusted_contact_email = models.EmailField(blank=True, default="")
    trusted_contact_phone = models.CharField(max_length=32, blank=True, default="")
    trusted_contact_updated_at = models.DateTimeField(null=True, blank=True)
    # The customer's id in the legacy system they were imported from (import_customers).
    external_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"profile of user {self.user_id}"


class TokenFamily(models.Model):
    """One login session: every refresh token rotated from one login shares its family, and so do
    their access tokens. Revoking the family (logout, reuse of a rotated refresh token) ends them all."""

    class RevokeReason(models.TextChoices):
        LOGOUT = "logout", "Logout"
        REUSE = "reuse", "Refresh token reused"
        PASSWORD = "password", "Password changed or reset"
        ERASURE = "erasure", "Erasure requested"
        ADMIN = "admin", "Revoked by staff"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="token_families")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=16, choices=RevokeReason.choices, blank=True, default="")

    class Meta:
        verbose_name_plural = "token families"
        indexes = [models.Index(fields=["user", "revoked_at"], name="token_family_user_idx")]

    def __str__(self) -> str:
        return f"session {self.pk}"


class MfaChallenge(models.Model):
    """The short-lived second step of a login: the password was right, a code is due."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="mfa_challenges")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    resend_count = models.PositiveSmallIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"MFA challenge {self.pk}"

    @property
    def is_open(self) -> bool:
        return (
            self.completed_at is None
            and self.expires_at > timezone.now()
            and self.attempts < settings.MFA_CHALLENGE_MAX_ATTEMPTS
        )


class MessageDevice(TimestampMixin, ThrottlingMixin, Device):
    """A second factor whose codes are sent by text message or email through the message gateway.

    The destination is encrypted; the code is kept only as a keyed hash until it expires or is used.
    """

    class Channel(models.TextChoices):
        SMS = "sms", "Text message"
        EMAIL = "email", "Email"

    channel = models.CharField(max_length=8, choices=Channel.choices)
    destination_encrypted = models.TextField()
    destination_hint = models.CharField(max_length=64, blank=True, default="")
    code_hash = models.CharField(max_length=64, blank=True, default="")
    code_expires_at = models.DateTimeField(null=True, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta(Device.Meta):
        verbose_name = "text message or email device"

    def __str__(self) -> str:
        return f"{self.get_channel_display()} device {self.pk}"

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_MESSAGE_THROTTLE_FACTOR", 1)

    def generate_challenge(self):
        """django-otp's interface (the admin login form's "get challenge" button): send a code."""
        from .services.mfa import message_device_send_code

        message_device_send_code(device=self)
        return f"A code was sent to {self.destination_hint}."

    def verify_token(self, token) -> bool:
        from .services.mfa import message_device_verify

        return message_device_verify(device=self, code=str(token))


class BackupCodeDevice(TimestampMixin, ThrottlingMixin, Device):
    """One-time backup codes, stored as keyed hashes; each code works once."""

    class Meta(Device.Meta):
        verbose_name = "backup code set"

    def __str__(self) -> str:
        return f"backup codes {self.pk}"

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1)

    def verify_token(self, token) -> bool:
        from .services.mfa import backup_code_verify

        return backup_code_verify(device=self, code=str(token))


class BackupCode(models.Model):
    device = models.ForeignKey(BackupCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device", "code_hash"], name="backup_code_unique")]

    def __str__(self) -> str:
        return f"backup code {self.pk}"


class CipNoticeAcceptance(models.Model):
    """The customer saw and accepted the CIP notice (31 CFR 1023.220(a)(5)) before opening the account."""

    class Source(models.TextChoices):
        API = "api", "Customer, through the API"
        IMPORT = "import", "Legacy import"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="cip_notice_acceptances")
    version = models.CharField(max_length=32)
    accepted_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.API)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "version"], name="cip_notice_once_per_version")]

    def __str__(self) -> str:
        return f"CIP notice {self.version} acceptance {self.pk}"


class KycStatus(models.TextChoices):
    UNVERIFIED = "unverified", "Unverified"
    PENDING = "pending", "Pending review"
    VERIFIED = "verified", "Verified"
    REJECTED = "rejected", "Rejected"
    INFO_REQUESTED = "info_requested", "More information requested"


class RiskRating(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class IdentifierType(models.TextChoices):
    SSN = "ssn", "Social Security number"
    ITIN = "itin", "Individual taxpayer identification number"
    PASSPORT = "passport", "Passport number"
    ALIEN_ID = "alien_id", "Alien identification card number"


class IdDocumentType(models.TextChoices):
    DRIVERS_LICENSE = "drivers_license", "Driver's license"
    STATE_ID = "state_id", "State ID card"
    PASSPORT = "passport", "Passport"
    PERMANENT_RESIDENT_CARD = "permanent_resident_card", "Permanent resident card"
    NATIONAL_ID = "national_id", "National ID card"


class KycRecord(models.Model):
    """A customer's CIP/KYC record (31 CFR 1023.220). Identifiers are encrypted; their blind indexes
    find duplicate identities without decrypting; only their last four characters are ever shown."""

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="kyc_record")
    status = models.CharField(max_length=16, choices=KycStatus.choices, default=KycStatus.UNVERIFIED)

    legal_first_name = models.CharField(max_length=150, blank=True, default="")
    legal_middle_name = models.CharField(max_length=150, blank=True, default="")
    legal_last_name = models.CharField(max_length=150, blank=True, default="")
    date_of_birth = models.DateField(null=True, blank=True)
    address_line1 = models.CharField(max_length=200, blank=True, default="")
    address_line2 = models.CharField(max_length=200, blank=True, default="")
    city = models.CharField(max_length=100, blank=True, default="")
    region = models.CharField(max_length=100, blank=True, default="")
    postal_code = models.CharField(max_length=20, blank=True, default="")
    country = models.CharField(max_length=2, choices=COUNTRY_CHOICES, blank=True, default="")
    citizenship = models.CharField(max_length=2, choices=COUNTRY_CHOICES, blank=True, default="")
    us_person = models.BooleanField(default=False)

    identifier_type = models.CharField(max_length=16, choices=IdentifierType.choices, blank=True, default="")
    identifier_encrypted = models.TextField(blank=True, default="")
    identifier_last4 = models.CharField(max_length=4, blank=True, default="")
    identifier_index = models.CharField(max_length=64, blank=True, default="", db_index=True)
    identifier_issuing_country = models.CharField(max_length=2, choices=COUNTRY_CHOICES, blank=True, default="")

    id_document_type = models.CharField(max_length=32, choices=IdDocumentType.choices, blank=True, default="")
    id_document_number_encrypted = models.TextField(blank=True, default="")
    id_document_last4 = models.CharField(max_length=4, blank=True, default="")
    id_document_index = models.CharField(max_length=64, blank=True, default="", db_index=True)
    id_document_issuing_country = models.CharField(max_length=2, choices=COUNTRY_CHOICES, blank=True, default="")

    risk_rating = models.CharField(max_length=8, choices=RiskRating.choices, blank=True, default="")
    next_review_on = models.DateField(null=True, blank=True, db_index=True)
    duplicate_identity = models.BooleanField(default=False, db_index=True)
    # What the customer is told about the last decision (never the internal reason).
    customer_message = models.CharField(max_length=500, blank=True, default="")

    submitted_at = models.DateTimeField(null=True, blank=True)
    submission_count = models.PositiveIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "KYC record"
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["status", "submitted_at"], name="kyc_status_submitted_idx")]
        permissions = [
            ("decide_kycrecord", "Can decide KYC records (verify, reject, request information, re-review)"),
            ("verify_kycrecord", "Can record how KYC items were verified"),
            ("rate_kycrecord", "Can set a customer's risk rating"),
            ("view_kyc_documents", "Can view customers' identity documents"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[choice.value for choice in KycStatus]), name="kyc_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(risk_rating__in=["", *[choice.value for choice in RiskRating]]),
                name="kyc_risk_rating_valid",
            ),
            models.CheckConstraint(
                condition=Q(identifier_last4="") | Q(identifier_last4__regex=r"^[0-9A-Z]{1,4}$"),
                name="kyc_identifier_last4_only",
            ),
        ]

    def __str__(self) -> str:
        return f"KYC record {self.pk} ({self.status})"


class KycEvent(models.Model):
    """The record's history: every state move, duplicate flag and rating change, with who and why."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        DECIDED = "decided", "Decided"
        REVIEW_STARTED = "review_started", "Re-review started"
        DUPLICATE_IDENTITY = "duplicate_identity", "Duplicate identity detected"
        RISK_RATING = "risk_rating", "Risk rating set"
        IMPORTED = "imported", "Imported"

    record = models.ForeignKey(KycRecord, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    from_status = models.CharField(max_length=16, choices=KycStatus.choices, blank=True, default="")
    to_status = models.CharField(max_length=16, choices=KycStatus.choices, blank=True, default="")
    reason = models.TextField(blank=True, default="")
    detail = models.JSONField(default=dict, blank=True)
    acting_user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"KYC event {self.pk} ({self.kind})"


class KycVerification(models.Model):
    """How one CIP item was verified, and how a discrepancy was resolved (1023.220(a)(3))."""

    class Item(models.TextChoices):
        NAME = "name", "Name"
        DATE_OF_BIRTH = "date_of_birth", "Date of birth"
        ADDRESS = "address", "Address"
        IDENTIFIER = "identifier", "Identification number"
        ID_DOCUMENT = "id_document", "Identity document"

    class Method(models.TextChoices):
        DOCUMENTARY = "documentary", "Documentary (document inspected)"
        NON_DOCUMENTARY = "non_documentary", "Non-documentary (independent source)"
        DATABASE = "database", "Consumer reporting agency or database"
        MANUAL = "manual", "Manual review by an officer"

    class Result(models.TextChoices):
        VERIFIED = "verified", "Verified"
        DISCREPANCY = "discrepancy", "Discrepancy"
        FAILED = "failed", "Could not be verified"

    record = models.ForeignKey(KycRecord, on_delete=models.CASCADE, related_name="verifications")
    item = models.CharField(max_length=16, choices=Item.choices)
    method = models.CharField(max_length=16, choices=Method.choices)
    result = models.CharField(max_length=16, choices=Result.choices)
    discrepancy = models.TextField(blank=True, default="")
    resolution = models.TextField(blank=True, default="")
    acting_user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"KYC verification {self.pk} ({self.item}: {self.result})"


class KycDocument(models.Model):
    """An uploaded identity document: encrypted under PRIVATE_STORAGE_ROOT, never on a public URL."""

    class Kind(models.TextChoices):
        ID_DOCUMENT = "id_document", "Identity document"
        PROOF_OF_ADDRESS = "proof_of_address", "Proof of address"
        OTHER = "other", "Other"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    record = models.ForeignKey(KycRecord, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.ID_DOCUMENT)
    content_type = models.CharField(max_length=64)
    size_bytes = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=200, blank=True, default="")
    uploaded_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return f"KYC document {self.pk}"


class ErasureRequest(models.Model):
    """A customer's request to be erased; deferred while any app vetoes it (reasons internal)."""

    class Status(models.TextChoices):
        DEFERRED = "deferred", "Deferred"
        COMPLETED = "completed", "Completed"

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="erasure_requests")
    status = models.CharField(max_length=16, choices=Status.choices)
    requested_at = models.DateTimeField(default=timezone.now)
    last_checked_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    veto_reasons = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["status", "last_checked_at"], name="erasure_status_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(status="deferred"), name="erasure_one_deferred_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"erasure request {self.pk} ({self.status})"
