"""Data rights: accounts' exporter and eraser (registered with blockguardian.datarights), and the
erasure request that runs every app's eraser, or defers while any app vetoes.

The customer is told the same ("request received") whether the erasure ran or was deferred: a veto
may come from a case, a SAR or a 314(a) match, which must never be disclosed.
"""

from __future__ import annotations

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.db import transaction
from django.utils import timezone

from blockguardian import datarights
from blockguardian.calendar import business_date
from blockguardian.crypto import decrypt_str
from blockguardian.legalhold import legal_hold_store
from blockguardian.retention import RetentionClass

from ..audit import audit_actor
from ..errors import PasswordInvalid
from ..models import (
    CipNoticeAcceptance,
    CustomerProfile,
    ErasureRequest,
    KycRecord,
    MfaChallenge,
    SecurityEvent,
    TokenFamily,
    User,
)
from ..selectors import kyc_customer_view, profile_view
from .common import NO_CLIENT, ClientInfo
from .kyc import _private_path
from .mfa import device_type, mfa_devices, mfa_devices_delete
from .tokens import user_tokens_revoke_all

ERASED_EMAIL_DOMAIN = "erased.invalid"


# --- export ------------------------------------------------------------------------------------------
def accounts_export(user: User) -> dict:
    """The customer's own data held by accounts (no risk rating, review notes or duplicate flags:
    those are compliance's)."""
    return {
        "account": {
            "id": str(user.pk),
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email_verified": user.email_verified,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "profile": profile_view(user=user),
        "kyc": kyc_customer_view(user=user),
        "cip_notice_acceptances": [
            {"version": a.version, "accepted_at": a.accepted_at.isoformat()}
            for a in CipNoticeAcceptance.objects.filter(user=user).order_by("accepted_at")
        ],
        "second_factors": [
            {"type": device_type(d), "name": d.name, "hint": getattr(d, "destination_hint", "")}
            for d in mfa_devices(user=user)
        ],
        "security_events": [
            {
                "kind": e.kind,
                "outcome": e.outcome,
                "ip_address": e.ip_address,
                "user_agent": e.user_agent,
                "created_at": e.created_at.isoformat(),
            }
            for e in SecurityEvent.objects.filter(user=user).order_by("created_at")
        ],
    }


# --- erasure -----------------------------------------------------------------------------------------
def _cip_payload(user: User, record: KycRecord | None) -> dict | None:
    acceptances = list(CipNoticeAcceptance.objects.filter(user=user).order_by("accepted_at"))
    if record is None and not acceptances:
        return None
    payload: dict = {
        "user_id": str(user.pk),
        "email": user.email,
        "name": {"first": user.first_name, "last": user.last_name},
        "restriction": {"state": user.restriction, "reason": user.restriction_reason},
        "cip_notice_acceptances": [
            {
                "version": a.version,
                "accepted_at": a.accepted_at,
                "source": a.source,
                "ip_address": a.ip_address,
                "user_agent": a.user_agent,
            }
            for a in acceptances
        ],
    }
    if record is not None:
        payload["kyc_record"] = {
            "id": record.pk,
            "status": record.status,
            "legal_name": [record.legal_first_name, record.legal_middle_name, record.legal_last_name],
            "date_of_birth": record.date_of_birth,
            "address": [
                record.address_line1,
                record.address_line2,
                record.city,
                record.region,
                record.postal_code,
                record.country,
            ],
            "citizenship": record.citizenship,
            "us_person": record.us_person,
            "identifier_type": record.identifier_type,
            "identifier": decrypt_str(record.identifier_encrypted) if record.identifier_encrypted else "",
            "identifier_issuing_country": record.identifier_issuing_country,
            "id_document_type": record.id_document_type,
            "id_document_number": (
                decrypt_str(record.id_document_number_encrypted) if record.id_document_number_encrypted else ""
            ),
            "id_document_issuing_country": record.id_document_issuing_country,
            "risk_rating": record.risk_rating,
            "submitted_at": record.submitted_at,
            "verified_at": record.verified_at,
            "decided_at": record.decided_at,
            "events": [
                {
                    "kind": e.kind,
                    "from": e.from_status,
                    "to": e.to_status,
                    "reason": e.reason,
                    "detail": e.detail,
                    "acting_user": str(e.acting_user_id) if e.acting_user_id else None,
                    "at": e.created_at,
                }
                for e in record.events.all()
            ],
            "verifications": [
                {
                    "item": v.item,
                    "method": v.method,
                    "result": v.result,
                    "discrepancy": v.discrepancy,
                    "resolution": v.resolution,
                    "acting_user": str(v.acting_user_id) if v.acting_user_id else None,
                    "at": v.created_at,
                }
                for v in record.verifications.all()
            ],
            # The rule asks for a description of the documents relied on; the files are deleted.
            "documents": [
                {"kind": d.kind, "content_type": d.content_type, "size_bytes": d.size_bytes, "sha256": d.sha256}
                for d in record.documents.all()
            ],
        }
    return payload


def accounts_erase(user: User) -> None:
    """Masks every personal field accounts holds (the account stays, closed, for the records that
    point at it); the CIP record goes to the legal-hold store first (kept 5 years from today, the
    day the account closes); every token is revoked. Registered with a high order: runs last."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    record = KycRecord.objects.select_for_update().filter(user=locked).first()
    payload = _cip_payload(locked, record)
    if payload is not None:
        legal_hold_store(
            subject_id=str(locked.pk),
            source_app="accounts",
            record_class=RetentionClass.CIP,
            description="CIP record of an erased customer",
            payload=payload,
            retention_starts_on=business_date(),
        )
    with audit_actor(locked):
        if record is not None:
            for document in record.documents.filter(deleted_at__isnull=True):
                if document.storage_name:
                    _private_path(document.storage_name).unlink(missing_ok=True)
                document.storage_name = ""
                document.deleted_at = timezone.now()
                document.save(update_fields=["storage_name", "deleted_at"])
            for field in (
                "legal_first_name",
                "legal_middle_name",
                "legal_last_name",
                "address_line1",
                "address_line2",
                "city",
                "region",
                "postal_code",
                "country",
                "citizenship",
                "identifier_encrypted",
                "identifier_last4",
                "identifier_index",
                "identifier_issuing_country",
                "id_document_number_encrypted",
                "id_document_last4",
                "id_document_index",
                "id_document_issuing_country",
                "customer_message",
            ):
                setattr(record, field, "")
            record.date_of_birth = None
            record.save()
            record.events.update(reason="", detail={})
            record.verifications.update(discrepancy="", resolution="")
        CipNoticeAcceptance.objects.filter(user=locked).update(ip_address=None, user_agent="")
        profile = CustomerProfile.objects.filter(user=locked).first()
        if profile is not None:
            profile.phone_number = ""
            profile.trusted_contact_name = ""
            profile.trusted_contact_email = ""
            profile.trusted_contact_phone = ""
            profile.external_id = None
            profile.save()
        mfa_devices_delete(user=locked, acting_user=locked)
        MfaChallenge.objects.filter(user=locked).delete()
        SecurityEvent.objects.filter(user=locked).update(ip_address=None, user_agent="", detail={})
        original_email = locked.email
        AccessAttempt.objects.filter(username__iexact=original_email).delete()
        AccessLog.objects.filter(username__iexact=original_email).delete()
        AccessFailureLog.objects.filter(username__iexact=original_email).delete()
        locked.email = f"erased-{locked.pk}@{ERASED_EMAIL_DOMAIN}"
        locked.first_name = ""
        locked.last_name = ""
        locked.email_verified = False
        # Free text from compliance may name the customer; it is in the legal-hold copy.
        if locked.restriction_reason:
            locked.restriction_reason = "Erased; see the legal-hold record."
        locked.is_active = False
        locked.erased_at = timezone.now()
        locked.set_unusable_password()
        locked.save()
    user_tokens_revoke_all(user=locked, reason=TokenFamily.RevokeReason.ERASURE, acting_user=locked)


def erasure_request(*, user: User, password: str, client: ClientInfo = NO_CLIENT) -> ErasureRequest:
    """The customer asks to be erased: every app's eraser runs now, or, if any app vetoes, the
    request is kept and retried (erasure_retry_deferred) until no veto remains. Sessions end either
    way."""
    if not user.check_password(password or ""):
        raise PasswordInvalid()
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        deferred = ErasureRequest.objects.filter(user=locked, status=ErasureRequest.Status.DEFERRED).first()
        if deferred is not None:
            user_tokens_revoke_all(user=locked, reason=TokenFamily.RevokeReason.ERASURE, acting_user=locked)
            return deferred
        reasons = datarights.vetoes_for(locked)
        if reasons:
            request = ErasureRequest.objects.create(
                user=locked, status=ErasureRequest.Status.DEFERRED, veto_reasons=reasons
            )
            user_tokens_revoke_all(user=locked, reason=TokenFamily.RevokeReason.ERASURE, acting_user=locked)
            return request
        request = ErasureRequest.objects.create(
            user=locked, status=ErasureRequest.Status.COMPLETED, completed_at=timezone.now()
        )
        datarights.erase_for(locked)
        return request


@transaction.atomic
def erasure_retry(*, request_id: int) -> bool:
    """Run a deferred erasure if no app vetoes it any more. True when it ran."""
    request = (
        ErasureRequest.objects.select_for_update()
        .filter(pk=request_id, status=ErasureRequest.Status.DEFERRED)
        .select_related("user")
        .first()
    )
    if request is None:
        return False
    reasons = datarights.vetoes_for(request.user)
    now = timezone.now()
    if reasons:
        request.veto_reasons = reasons
        request.last_checked_at = now
        request.save(update_fields=["veto_reasons", "last_checked_at"])
        return False
    datarights.erase_for(request.user)
    request.status = ErasureRequest.Status.COMPLETED
    request.completed_at = now
    request.last_checked_at = now
    request.veto_reasons = []
    request.save(update_fields=["status", "completed_at", "last_checked_at", "veto_reasons"])
    return True


def erasure_retry_deferred() -> int:
    """Retry every deferred erasure (a periodic task); returns how many ran."""
    ids = list(
        ErasureRequest.objects.filter(status=ErasureRequest.Status.DEFERRED)
        .order_by("last_checked_at")
        .values_list("pk", flat=True)
    )
    return sum(1 for request_id in ids if erasure_retry(request_id=request_id))
