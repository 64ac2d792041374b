"""Reads other apps may use (they never touch accounts' models directly), and the customer's views.

Identification numbers never leave accounts in clear: only their last four characters.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import CipNoticeAcceptance, CustomerProfile, KycRecord, KycStatus, MessageDevice, SecurityEvent, User
from .validators import age_on


def security_event_list(*, user: User, since: dt.datetime, kinds: list[str] | None = None) -> QuerySet[SecurityEvent]:
    """The customer's security events at or after `since`, newest first."""
    events = SecurityEvent.objects.filter(user=user, created_at__gte=since)
    if kinds:
        events = events.filter(kind__in=kinds)
    return events


def mfa_is_enabled(*, user: User) -> bool:
    """A second factor is set up: a confirmed authenticator app, phone or email (backup codes alone
    are not one)."""
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or MessageDevice.objects.filter(user=user, confirmed=True).exists()
    )


def kyc_record_for(*, user: User) -> KycRecord | None:
    return KycRecord.objects.filter(user=user).first()


def kyc_is_verified(*, user: User) -> bool:
    return KycRecord.objects.filter(user=user, status=KycStatus.VERIFIED).exists()


def kyc_status(*, user: User) -> str:
    status = KycRecord.objects.filter(user=user).values_list("status", flat=True).first()
    return status or KycStatus.UNVERIFIED


def customer_date_of_birth(*, user: User) -> dt.date | None:
    """From the KYC record (the date the customer gave for CIP)."""
    return KycRecord.objects.filter(user=user).values_list("date_of_birth", flat=True).first()


def customer_age(*, user: User, on: dt.date) -> int | None:
    born = customer_date_of_birth(user=user)
    return age_on(born, on) if born else None


def trusted_contact(*, user: User) -> dict | None:
    """The FINRA Rule 4512 trusted contact person, or None if the customer named none."""
    profile = CustomerProfile.objects.filter(user=user).first()
    if profile is None or not profile.trusted_contact_name:
        return None
    return {
        "name": profile.trusted_contact_name,
        "email": profile.trusted_contact_email,
        "phone": profile.trusted_contact_phone,
    }


def customer_identity(*, user: User) -> dict | None:
    """The identity the customer gave for CIP, for sanctions screening and SAR subject data.
    Identification numbers appear as their last four characters only."""
    record = KycRecord.objects.filter(user=user).first()
    if record is None or not (record.legal_first_name or record.legal_last_name):
        return None
    locality = " ".join(part for part in (record.city, record.region, record.postal_code) if part)
    names = [record.legal_first_name, record.legal_middle_name, record.legal_last_name]
    return {
        "user_id": str(user.pk),
        "first_name": record.legal_first_name,
        "middle_name": record.legal_middle_name,
        "last_name": record.legal_last_name,
        "full_name": " ".join(part for part in names if part),
        "date_of_birth": record.date_of_birth,
        "country": record.country,
        "citizenship": record.citizenship,
        "address_lines": [line for line in (record.address_line1, record.address_line2, locality) if line],
        "address_line1": record.address_line1,
        "address_line2": record.address_line2,
        "city": record.city,
        "region": record.region,
        "postal_code": record.postal_code,
        "us_person": record.us_person,
        "identifier_type": record.identifier_type,
        "identifier_last4": record.identifier_last4,
        "identifier_issuing_country": record.identifier_issuing_country,
        "id_document_type": record.id_document_type,
        "id_document_last4": record.id_document_last4,
        "id_document_issuing_country": record.id_document_issuing_country,
        "kyc_status": record.status,
    }


def kyc_duplicates(*, user: User) -> list[str]:
    """Users whose identification or document number matches this customer's (by blind index)."""
    record = KycRecord.objects.filter(user=user).first()
    if record is None:
        return []
    match = Q(pk__in=[])
    if record.identifier_index:
        match |= Q(identifier_index=record.identifier_index)
    if record.id_document_index:
        match |= Q(id_document_index=record.id_document_index)
    return [str(pk) for pk in KycRecord.objects.filter(match).exclude(pk=record.pk).values_list("user_id", flat=True)]


def kyc_due_for_review_list(*, on: dt.date) -> QuerySet[KycRecord]:
    """Verified customers whose periodic review (by risk rating) is due on or before `on`."""
    return KycRecord.objects.filter(status=KycStatus.VERIFIED, next_review_on__lte=on).order_by("next_review_on")


def cip_notice_view(*, user: User) -> dict:
    acceptance = CipNoticeAcceptance.objects.filter(user=user, version=settings.KYC_CIP_NOTICE_VERSION).first()
    return {
        "version": settings.KYC_CIP_NOTICE_VERSION,
        "text": settings.KYC_CIP_NOTICE_TEXT,
        "accepted_at": acceptance.accepted_at if acceptance else None,
    }


def kyc_customer_view(*, user: User) -> dict:
    """What the customer sees of their KYC record: what they gave (identifiers as the last four),
    the state and the message for them; never the internal reasons, rating or flags."""
    record = KycRecord.objects.filter(user=user).prefetch_related("documents").first()
    acceptance = CipNoticeAcceptance.objects.filter(user=user).order_by("-accepted_at").first()
    if record is None:
        return {
            "status": KycStatus.UNVERIFIED,
            "cip_notice_accepted_at": acceptance.accepted_at if acceptance else None,
            "documents": [],
        }
    return {
        "status": record.status,
        "legal_first_name": record.legal_first_name,
        "legal_middle_name": record.legal_middle_name,
        "legal_last_name": record.legal_last_name,
        "date_of_birth": record.date_of_birth,
        "address_line1": record.address_line1,
        "address_line2": record.address_line2,
        "city": record.city,
        "region": record.region,
        "postal_code": record.postal_code,
        "country": record.country,
        "citizenship": record.citizenship,
        "us_person": record.us_person,
        "identifier_type": record.identifier_type,
        "identifier_last4": record.identifier_last4,
        "identifier_issuing_country": record.identifier_issuing_country,
        "id_document_type": record.id_document_type,
        "id_document_last4": record.id_document_last4,
        "id_document_issuing_country": record.id_document_issuing_country,
        "message": record.customer_message,
        "submitted_at": record.submitted_at,
        "cip_notice_accepted_at": acceptance.accepted_at if acceptance else None,
        "documents": [
            {
                "id": str(d.id),
                "kind": d.kind,
                "content_type": d.content_type,
                "size_bytes": d.size_bytes,
                "uploaded_at": d.uploaded_at,
            }
            for d in record.documents.all()
            if d.deleted_at is None
        ],
    }


def profile_view(*, user: User) -> dict:
    profile = CustomerProfile.objects.filter(user=user).first()
    return {
        "id": str(user.pk),
        "email": user.email,
        "email_verified": user.email_verified,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "phone_number": profile.phone_number if profile else "",
        "trusted_contact": trusted_contact(user=user),
        "mfa_enabled": mfa_is_enabled(user=user),
        "date_joined": user.date_joined,
    }


def customer_tin_for_filing(*, user: User) -> str | None:
    """The customer's SSN or ITIN in clear, for a FinCEN filing (CTR or SAR) and nothing else; None
    when the customer gave another kind of identification number (passport, alien ID) or none.
    Callers never store or log it."""
    from blockguardian.crypto import decrypt_str

    from .models import IdentifierType

    record = KycRecord.objects.filter(user=user).values("identifier_type", "identifier_encrypted").first()
    if not record or record["identifier_type"] not in (IdentifierType.SSN, IdentifierType.ITIN):
        return None
    if not record["identifier_encrypted"]:
        return None
    return decrypt_str(record["identifier_encrypted"])


def kyc_event_list(*, user: User, limit: int = 50):
    """The customer's KYC history (state moves, duplicate flags, ratings), newest first: staff only."""
    from .models import KycEvent

    return KycEvent.objects.filter(record__user=user).order_by("-created_at", "-id")[:limit]


def kyc_queue_counts(*, on: dt.date) -> dict[str, int]:
    """The KYC review queue for the console: records waiting for an officer, and verified records
    due for their periodic re-review (one query)."""
    from django.db.models import Count

    return KycRecord.objects.aggregate(
        pending=Count("id", filter=Q(status=KycStatus.PENDING)),
        info_requested=Count("id", filter=Q(status=KycStatus.INFO_REQUESTED)),
        duplicates=Count("id", filter=Q(status=KycStatus.PENDING, duplicate_identity=True)),
        review_due=Count("id", filter=Q(status=KycStatus.VERIFIED, next_review_on__lte=on)),
    )
