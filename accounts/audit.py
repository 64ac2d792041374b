"""accounts in the audit log (django-auditlog): which models and fields, with personal data redacted.

Audit entries never hold personal data in clear (DESIGN.md): personal fields are logged as changed
but their values are redacted, encrypted values and hashes are left out, object representations
carry ids only, and the acting user is recorded by id (auditlog would also copy the actor's email
address into each entry; that copy is removed).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from auditlog.context import auditlog_value, set_extra_data
from auditlog.registry import auditlog
from django.db.models.signals import post_save, pre_save

from blockguardian.audit.masking import REDACTED, entry_scrub, redact

__all__ = ["REDACTED", "audit_actor", "audit_context_set_actor", "redact", "register_models"]

_MASK = "blockguardian.audit.masking.redact"

USER_PERSONAL_FIELDS = ["email", "first_name", "last_name"]
PROFILE_PERSONAL_FIELDS = [
    "phone_number",
    "trusted_contact_name",
    "trusted_contact_email",
    "trusted_contact_phone",
    "external_id",
]
KYC_PERSONAL_FIELDS = [
    "legal_first_name",
    "legal_middle_name",
    "legal_last_name",
    "date_of_birth",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postal_code",
    "identifier_last4",
    "id_document_last4",
    "customer_message",
]
KYC_SECRET_FIELDS = [
    "identifier_encrypted",
    "identifier_index",
    "id_document_number_encrypted",
    "id_document_index",
]
# Bookkeeping django-otp writes on every verification: not a change to the device.
_DEVICE_NOISE = ["throttling_failure_timestamp", "throttling_failure_count", "last_used_at"]


def register_models() -> None:
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from .models import (
        BackupCodeDevice,
        CipNoticeAcceptance,
        CustomerProfile,
        ErasureRequest,
        KycDocument,
        KycEvent,
        KycRecord,
        KycVerification,
        MessageDevice,
        User,
    )

    auditlog.register(
        User,
        exclude_fields=["password", "last_login"],
        # The restriction's reason is an officer's free text: it may name people.
        mask_fields=[*USER_PERSONAL_FIELDS, "restriction_reason"],
        mask_callable=_MASK,
        m2m_fields={"groups", "user_permissions"},
    )
    auditlog.register(CustomerProfile, mask_fields=PROFILE_PERSONAL_FIELDS, mask_callable=_MASK)
    auditlog.register(KycRecord, exclude_fields=KYC_SECRET_FIELDS, mask_fields=KYC_PERSONAL_FIELDS, mask_callable=_MASK)
    auditlog.register(KycDocument, exclude_fields=["storage_name"])
    auditlog.register(KycVerification, mask_fields=["discrepancy", "resolution"], mask_callable=_MASK)
    # The record's history: who moved it where; reasons are free text, details hold what was submitted.
    auditlog.register(KycEvent, exclude_fields=["detail"], mask_fields=["reason"], mask_callable=_MASK)
    auditlog.register(CipNoticeAcceptance, exclude_fields=["ip_address", "user_agent"])
    auditlog.register(ErasureRequest, exclude_fields=["veto_reasons", "last_checked_at"])
    auditlog.register(TOTPDevice, exclude_fields=["key", "last_t", "drift", *_DEVICE_NOISE])
    auditlog.register(StaticDevice, exclude_fields=_DEVICE_NOISE)
    auditlog.register(
        MessageDevice,
        exclude_fields=["destination_encrypted", "code_hash", "code_expires_at", "last_sent_at", *_DEVICE_NOISE],
        mask_fields=["destination_hint"],
        mask_callable=_MASK,
    )
    auditlog.register(BackupCodeDevice, exclude_fields=_DEVICE_NOISE)


def _drop_actor_email(sender, instance, created: bool, **kwargs) -> None:
    """auditlog copies the acting user's email into each entry; the actor's id is kept instead.
    `entry_scrub` (pre_save) already keeps it out; this is the safety net should a receiver connected
    later still set it."""
    if created and instance.actor_email:
        type(instance).objects.filter(pk=instance.pk).update(actor_email=None)
        instance.actor_email = None


def connect_signals() -> None:
    from auditlog import get_logentry_model

    # Connected at start-up, so before auditlog's per-context receivers: see `entry_scrub`.
    pre_save.connect(entry_scrub, sender=get_logentry_model(), dispatch_uid="blockguardian.audit.entry_scrub")
    post_save.connect(_drop_actor_email, sender=get_logentry_model(), dispatch_uid="accounts.audit.drop_actor_email")


def audit_context_set_actor(user) -> None:
    """Inside a request, name `user` (authenticated by token, after the audit middleware ran) as
    the actor of the entries written from now on."""
    try:
        context = auditlog_value.get()
    except LookupError:
        return
    context["actor"] = None
    context["actor_id"] = user.pk


@contextmanager
def audit_actor(user) -> Iterator[None]:
    """Entries written inside the block name `user` as the actor (services called from tasks,
    commands or the admin, where the request's actor may be someone else or no one). The
    surrounding context (a request's) is restored afterwards."""
    if user is None:
        yield
        return
    try:
        outer = auditlog_value.get()
    except LookupError:
        outer = None
    data = {k: v for k, v in (outer or {}).items() if k not in ("actor", "actor_id", "signal_duid")}
    data["actor_id"] = user.pk
    try:
        with set_extra_data(context_data=data):
            yield
    finally:
        if outer is not None:
            auditlog_value.set(outer)
