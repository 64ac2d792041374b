"""KYC / CIP (31 CFR 1023.220): the notice, submissions, decisions, verification results, risk
ratings and identity documents.

States (DESIGN.md): unverified → pending → verified / rejected / info_requested; info_requested →
pending on resubmission; verified → pending on re-review. Anything else is a 409.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from blockguardian.calendar import business_date
from blockguardian.crypto import blind_index, decrypt_bytes, encrypt_bytes, encrypt_str, last_four, normalise_identifier

from ..audit import audit_actor
from ..errors import CipNoticeNotAccepted, KycDocumentInvalid, KycInvalid, KycStateError
from ..models import (
    CipNoticeAcceptance,
    IdDocumentType,
    IdentifierType,
    KycDocument,
    KycEvent,
    KycRecord,
    KycStatus,
    KycVerification,
    Restriction,
    RiskRating,
    User,
)
from ..signals import kyc_submitted
from ..validators import (
    age_on,
    document_number_is_valid,
    is_country,
    is_po_box,
    itin_is_valid,
    sniff_content_type,
    ssn_is_valid,
)
from .common import NO_CLIENT, ClientInfo
from .restrictions import restriction_set

TAX_IDS = {IdentifierType.SSN, IdentifierType.ITIN}
DEFAULT_INFO_REQUESTED_MESSAGE = (
    "We need more information to verify your identity. Please check your details and submit them again."
)
DEFAULT_REJECTED_MESSAGE = "We could not verify your identity. Please contact support."


# --- the CIP notice -----------------------------------------------------------------------------------
def cip_notice_accept(
    *, user: User, version: str, client: ClientInfo = NO_CLIENT, source: str = CipNoticeAcceptance.Source.API
) -> tuple[CipNoticeAcceptance, bool]:
    """Record that the customer accepted the notice (only the current version can be accepted,
    except by an import). Returns (acceptance, created)."""
    if source == CipNoticeAcceptance.Source.API and version != settings.KYC_CIP_NOTICE_VERSION:
        raise KycStateError(
            "That is not the current customer identification notice.", code="cip_notice_version_outdated"
        )
    with audit_actor(user):
        return CipNoticeAcceptance.objects.get_or_create(
            user=user,
            version=version,
            defaults={
                "source": source,
                "ip_address": client.ip_address,
                "user_agent": (client.user_agent or "")[:300],
            },
        )


# --- submissions --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KycSubmission:
    legal_first_name: str
    legal_last_name: str
    date_of_birth: dt.date
    address_line1: str
    city: str
    postal_code: str
    country: str
    citizenship: str
    identifier_type: str
    identifier: str
    id_document_type: str = ""
    id_document_number: str = ""
    legal_middle_name: str = ""
    address_line2: str = ""
    region: str = ""
    us_person: bool | None = None
    identifier_issuing_country: str = ""
    id_document_issuing_country: str = ""


def _is_us_person(data: KycSubmission) -> bool:
    if data.us_person is not None:
        return bool(data.us_person) or data.citizenship == "US"
    return data.citizenship == "US"


def kyc_validate(
    *, data: KycSubmission, today: dt.date | None = None, require_document: bool = True
) -> dict[str, list[str]]:
    """Every problem with a submission, by field (empty when it is complete and consistent). A
    legacy import may come without an identity document (verified without one, non-documentary)."""
    today = today or business_date()
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    for field in ("legal_first_name", "legal_last_name", "address_line1", "city", "postal_code"):
        if not (getattr(data, field) or "").strip():
            add(field, "This field is required.")
    for field in ("address_line1", "address_line2"):
        if is_po_box(getattr(data, field)):
            add(field, "A residential street address is required; PO boxes are not accepted.")
    for field in ("country", "citizenship"):
        if not is_country(getattr(data, field)):
            add(field, "Not an ISO 3166 country code.")
    if data.date_of_birth >= today:
        add("date_of_birth", "The date of birth must be in the past.")
    elif age_on(data.date_of_birth, today) < settings.KYC_MINIMUM_AGE:
        add("date_of_birth", f"Customers must be at least {settings.KYC_MINIMUM_AGE} years old.")
    elif age_on(data.date_of_birth, today) > 130:
        add("date_of_birth", "The date of birth is not plausible.")

    us_person = _is_us_person(data)
    if us_person and data.identifier_type not in TAX_IDS:
        add("identifier_type", "US persons identify with a Social Security number or ITIN.")
    if data.identifier_type == IdentifierType.SSN and not ssn_is_valid(data.identifier):
        add("identifier", "Not a valid Social Security number.")
    elif data.identifier_type == IdentifierType.ITIN and not itin_is_valid(data.identifier):
        add("identifier", "Not a valid ITIN.")
    elif data.identifier_type in (IdentifierType.PASSPORT, IdentifierType.ALIEN_ID):
        if not document_number_is_valid(data.identifier):
            add("identifier", "Not a valid document number.")
        if not is_country(data.identifier_issuing_country):
            add("identifier_issuing_country", "The issuing country is required for a passport or alien ID.")
    elif data.identifier_type not in IdentifierType.values:
        add("identifier_type", "Unknown identifier type.")

    if require_document or data.id_document_type or data.id_document_number:
        if data.id_document_type not in IdDocumentType.values:
            add("id_document_type", "Unknown document type.")
        if not document_number_is_valid(data.id_document_number):
            add("id_document_number", "Not a valid document number.")
    if data.id_document_issuing_country and not is_country(data.id_document_issuing_country):
        add("id_document_issuing_country", "Not an ISO 3166 country code.")
    return errors


def _identifier_index(identifier_type: str, identifier: str, issuing_country: str) -> str:
    if identifier_type in TAX_IDS:
        # SSNs and ITINs share one number space: one index finds either.
        return blind_index(identifier, purpose="tax_id")
    return blind_index(f"{issuing_country}{normalise_identifier(identifier)}", purpose=f"id:{identifier_type}")


def _document_index(document_type: str, number: str, issuing_country: str) -> str:
    return blind_index(f"{issuing_country}{normalise_identifier(number)}", purpose=f"document:{document_type}")


def initial_risk_rating(*, country: str, citizenship: str, us_person: bool) -> str:
    high_risk = set(settings.KYC_HIGH_RISK_COUNTRIES)
    if country in high_risk or citizenship in high_risk:
        return RiskRating.HIGH
    if not us_person:
        return RiskRating.MEDIUM
    return RiskRating.LOW


def next_review_date(*, rating: str, start: dt.date) -> dt.date:
    return start + relativedelta(months=settings.KYC_REVIEW_MONTHS[rating])


def _apply(record: KycRecord, data: KycSubmission) -> None:
    record.legal_first_name = data.legal_first_name.strip()[:150]
    record.legal_middle_name = (data.legal_middle_name or "").strip()[:150]
    record.legal_last_name = data.legal_last_name.strip()[:150]
    record.date_of_birth = data.date_of_birth
    record.address_line1 = data.address_line1.strip()[:200]
    record.address_line2 = (data.address_line2 or "").strip()[:200]
    record.city = data.city.strip()[:100]
    record.region = (data.region or "").strip()[:100]
    record.postal_code = data.postal_code.strip()[:20]
    record.country = data.country
    record.citizenship = data.citizenship
    record.us_person = _is_us_person(data)
    issuing = "" if data.identifier_type in TAX_IDS else data.identifier_issuing_country
    record.identifier_type = data.identifier_type
    record.identifier_encrypted = encrypt_str(normalise_identifier(data.identifier))
    record.identifier_last4 = last_four(data.identifier)
    record.identifier_index = _identifier_index(data.identifier_type, data.identifier, issuing)
    record.identifier_issuing_country = issuing
    record.id_document_type = data.id_document_type or ""
    record.id_document_issuing_country = data.id_document_issuing_country or ""
    if data.id_document_number:
        record.id_document_number_encrypted = encrypt_str(normalise_identifier(data.id_document_number))
        record.id_document_last4 = last_four(data.id_document_number)
        record.id_document_index = _document_index(
            data.id_document_type, data.id_document_number, record.id_document_issuing_country
        )
    else:
        record.id_document_number_encrypted = record.id_document_last4 = record.id_document_index = ""
    if not record.risk_rating:
        record.risk_rating = initial_risk_rating(
            country=record.country, citizenship=record.citizenship, us_person=record.us_person
        )


def _event(
    *,
    record: KycRecord,
    kind: str,
    acting_user: User | None,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    detail: dict | None = None,
) -> KycEvent:
    return KycEvent.objects.create(
        record=record,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        detail=detail or {},
        acting_user=acting_user,
    )


def _flag_duplicates(*, record: KycRecord, acting_user: User | None) -> list[int]:
    """Other customers with the same identification or document number (by blind index): every
    record involved is flagged for review."""
    match = Q(pk__in=[])
    if record.identifier_index:
        match |= Q(identifier_index=record.identifier_index)
    if record.id_document_index:
        match |= Q(id_document_index=record.id_document_index)
    others = list(KycRecord.objects.select_for_update().filter(match).exclude(pk=record.pk).order_by("pk"))
    if not others:
        return []
    with audit_actor(acting_user):
        for involved in [record, *others]:
            partners = [r.pk for r in [record, *others] if r.pk != involved.pk]
            if not involved.duplicate_identity:
                involved.duplicate_identity = True
                involved.save(update_fields=["duplicate_identity", "updated_at"])
            _event(
                record=involved,
                kind=KycEvent.Kind.DUPLICATE_IDENTITY,
                acting_user=acting_user,
                detail={"matching_records": partners},
            )
    return [other.pk for other in others]


def _document_check(upload: UploadedFile) -> tuple[bytes, str]:
    if upload.size is None or upload.size <= 0:
        raise KycDocumentInvalid("The document is empty.", errors={"document": ["The file is empty."]})
    if upload.size > settings.KYC_DOCUMENT_MAX_BYTES:
        raise KycDocumentInvalid(
            f"The document is larger than {settings.KYC_DOCUMENT_MAX_BYTES // (1024 * 1024)} MB.",
            code="kyc_document_too_large",
            errors={"document": ["The file is too large."]},
        )
    content = upload.read(settings.KYC_DOCUMENT_MAX_BYTES + 1)
    if len(content) > settings.KYC_DOCUMENT_MAX_BYTES:
        raise KycDocumentInvalid("The document is too large.", code="kyc_document_too_large")
    detected = sniff_content_type(content[:16])
    declared = (upload.content_type or "").split(";")[0].strip().lower()
    allowed = set(settings.KYC_DOCUMENT_CONTENT_TYPES)
    if detected is None or detected not in allowed or declared not in (detected, "application/octet-stream", ""):
        raise KycDocumentInvalid(
            "Only PDF, JPEG or PNG documents are accepted.",
            code="kyc_document_type",
            errors={"document": ["Upload a PDF, JPEG or PNG file."]},
        )
    return content, detected


def _private_path(storage_name: str) -> Path:
    root = Path(settings.PRIVATE_STORAGE_ROOT).resolve()
    path = (root / storage_name).resolve()
    if root not in path.parents:
        raise KycDocumentInvalid("Invalid storage location.")
    return path


def _document_store(*, record: KycRecord, content: bytes, content_type: str, kind: str) -> KycDocument:
    document_id = uuid.uuid4()
    storage_name = f"kyc/{record.pk}/{document_id}.bin"
    path = _private_path(storage_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encrypt_bytes(content))
    path.chmod(0o600)
    try:
        return KycDocument.objects.create(
            id=document_id,
            record=record,
            kind=kind,
            content_type=content_type,
            size_bytes=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            storage_name=storage_name,
        )
    except Exception:
        path.unlink(missing_ok=True)
        raise


def kyc_document_read(*, document: KycDocument) -> bytes:
    """The decrypted document (callers check the reader's permission first)."""
    if not document.storage_name or document.deleted_at is not None:
        raise KycDocumentInvalid("The document is no longer available.", code="kyc_document_gone")
    return decrypt_bytes(_private_path(document.storage_name).read_bytes())


def kyc_submit(
    *,
    user: User,
    data: KycSubmission,
    document: UploadedFile | None = None,
    document_kind: str = KycDocument.Kind.ID_DOCUMENT,
) -> KycRecord:
    """Submit (unverified → pending) or resubmit (info_requested → pending) the customer's identity.

    Compliance hears of it through `kyc_submitted` after commit (and screens the customer)."""
    errors = kyc_validate(data=data)
    if errors:
        raise KycInvalid(
            "; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items()), errors=errors
        )
    content = content_type = None
    if document is not None:
        content, content_type = _document_check(document)
    with transaction.atomic():
        locked_user = User.objects.select_for_update().get(pk=user.pk)
        if not CipNoticeAcceptance.objects.filter(user=locked_user, version=settings.KYC_CIP_NOTICE_VERSION).exists():
            raise CipNoticeNotAccepted()
        with audit_actor(locked_user):
            record, _ = KycRecord.objects.get_or_create(user=locked_user)
        record = KycRecord.objects.select_for_update().get(pk=record.pk)
        if record.status not in (KycStatus.UNVERIFIED, KycStatus.INFO_REQUESTED):
            raise KycStateError(f"A KYC record that is {record.status} cannot be submitted.")
        previous = record.status
        _apply(record, data)
        record.status = KycStatus.PENDING
        record.submitted_at = timezone.now()
        record.submission_count += 1
        record.customer_message = ""
        with audit_actor(locked_user):
            record.save()
            _event(
                record=record,
                kind=KycEvent.Kind.SUBMITTED,
                acting_user=locked_user,
                from_status=previous,
                to_status=KycStatus.PENDING,
            )
            _flag_duplicates(record=record, acting_user=locked_user)
            if content is not None:
                _document_store(record=record, content=content, content_type=content_type, kind=document_kind)
        record_id = record.pk
        transaction.on_commit(lambda: kyc_submitted.send(sender=KycRecord, user=locked_user, kyc_record_id=record_id))
    return record


# --- decisions and reviews ----------------------------------------------------------------------------
_DECISIONS = {KycStatus.VERIFIED, KycStatus.REJECTED, KycStatus.INFO_REQUESTED}


@transaction.atomic
def kyc_decide(
    *, record: KycRecord, decision: str, reason: str, acting_user: User | None, customer_message: str = ""
) -> KycRecord:
    """Decide a pending record: verified, rejected or info_requested. `reason` is internal (required
    to reject or ask for more); `customer_message` is what the customer sees.

    A rejection restricts the customer (frozen, pending compliance's decision to close or file)."""
    if decision not in _DECISIONS:
        raise KycStateError(f"{decision!r} is not a KYC decision.")
    reason = (reason or "").strip()
    if decision != KycStatus.VERIFIED and not reason:
        raise KycStateError("A reason is required.", code="kyc_reason_required")
    locked = KycRecord.objects.select_for_update().select_related("user").get(pk=record.pk)
    if locked.status != KycStatus.PENDING:
        raise KycStateError(f"A KYC record that is {locked.status} cannot be decided.")
    now = timezone.now()
    previous = locked.status
    locked.status = decision
    locked.decided_at = now
    if decision == KycStatus.VERIFIED:
        locked.verified_at = now
        if not locked.risk_rating:
            locked.risk_rating = RiskRating.MEDIUM
        locked.next_review_on = next_review_date(rating=locked.risk_rating, start=business_date())
        locked.customer_message = (customer_message or "").strip()[:500]
    elif decision == KycStatus.INFO_REQUESTED:
        locked.customer_message = (customer_message or DEFAULT_INFO_REQUESTED_MESSAGE).strip()[:500]
    else:
        locked.customer_message = (customer_message or DEFAULT_REJECTED_MESSAGE).strip()[:500]
    with audit_actor(acting_user):
        locked.save()
        _event(
            record=locked,
            kind=KycEvent.Kind.DECIDED,
            acting_user=acting_user,
            from_status=previous,
            to_status=decision,
            reason=reason,
        )
    if decision == KycStatus.REJECTED and locked.user.restriction in (Restriction.NONE, Restriction.REVIEW):
        restriction_set(
            user=locked.user,
            state=Restriction.FROZEN,
            reason="Identity could not be verified (KYC rejected); compliance to decide.",
            acting_user=acting_user,
        )
    return locked


@transaction.atomic
def kyc_start_review(*, record: KycRecord, reason: str, acting_user: User | None) -> KycRecord:
    """Re-review a verified customer (verified → pending): scheduled by rating, or on a trigger."""
    reason = (reason or "").strip()
    if not reason:
        raise KycStateError("A reason is required.", code="kyc_reason_required")
    locked = KycRecord.objects.select_for_update().get(pk=record.pk)
    if locked.status != KycStatus.VERIFIED:
        raise KycStateError(f"A KYC record that is {locked.status} cannot be re-reviewed.")
    locked.status = KycStatus.PENDING
    with audit_actor(acting_user):
        locked.save(update_fields=["status", "updated_at"])
        _event(
            record=locked,
            kind=KycEvent.Kind.REVIEW_STARTED,
            acting_user=acting_user,
            from_status=KycStatus.VERIFIED,
            to_status=KycStatus.PENDING,
            reason=reason,
        )
    return locked


def kyc_verification_validate(*, item: str, method: str, result: str, discrepancy: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if item not in KycVerification.Item.values:
        errors["item"] = ["Unknown item."]
    if method not in KycVerification.Method.values:
        errors["method"] = ["Unknown method."]
    if result not in KycVerification.Result.values:
        errors["result"] = ["Unknown result."]
    if result == KycVerification.Result.DISCREPANCY and not (discrepancy or "").strip():
        errors["discrepancy"] = ["Describe the discrepancy."]
    return errors


@transaction.atomic
def kyc_record_verification(
    *,
    record: KycRecord,
    item: str,
    method: str,
    result: str,
    acting_user: User | None,
    discrepancy: str = "",
    resolution: str = "",
) -> KycVerification:
    """How one CIP item was verified; a discrepancy is recorded with how it was resolved."""
    errors = kyc_verification_validate(item=item, method=method, result=result, discrepancy=discrepancy)
    if errors:
        raise KycInvalid(
            "; ".join(f"{f}: {' '.join(m)}" for f, m in errors.items()),
            code="kyc_verification_invalid",
            errors=errors,
        )
    with audit_actor(acting_user):
        return KycVerification.objects.create(
            record=record,
            item=item,
            method=method,
            result=result,
            discrepancy=discrepancy.strip(),
            resolution=resolution.strip(),
            acting_user=acting_user,
        )


@transaction.atomic
def kyc_set_risk_rating(*, record: KycRecord, rating: str, reason: str, acting_user: User | None) -> KycRecord:
    """Set the CDD risk rating; a verified customer's next review moves with it."""
    if rating not in RiskRating.values:
        raise KycInvalid(f"{rating!r} is not a risk rating.", code="kyc_risk_rating_invalid")
    if not (reason or "").strip():
        raise KycStateError("A reason is required.", code="kyc_reason_required")
    locked = KycRecord.objects.select_for_update().get(pk=record.pk)
    previous = locked.risk_rating
    locked.risk_rating = rating
    if locked.status == KycStatus.VERIFIED and locked.verified_at is not None:
        locked.next_review_on = next_review_date(rating=rating, start=business_date(locked.verified_at))
    with audit_actor(acting_user):
        locked.save(update_fields=["risk_rating", "next_review_on", "updated_at"])
        _event(
            record=locked,
            kind=KycEvent.Kind.RISK_RATING,
            acting_user=acting_user,
            reason=reason.strip(),
            detail={"from": previous, "to": rating},
        )
    return locked


# --- legacy import ------------------------------------------------------------------------------------
@transaction.atomic
def kyc_import(
    *,
    user: User,
    data: KycSubmission,
    status: str,
    risk_rating: str,
    acting_user: User | None,
    source_reference: str,
) -> KycRecord:
    """A customer's identity from a legacy system, walked through the same states: stored, then
    submitted (→ pending) and decided as the legacy system had it."""
    errors = kyc_validate(data=data, require_document=False)
    if errors:
        raise KycInvalid("; ".join(f"{f}: {' '.join(m)}" for f, m in errors.items()), errors=errors)
    if status not in KycStatus.values:
        raise KycInvalid(f"{status!r} is not a KYC status.", code="kyc_status_invalid")
    if risk_rating and risk_rating not in RiskRating.values:
        raise KycInvalid(f"{risk_rating!r} is not a risk rating.", code="kyc_risk_rating_invalid")
    cip_notice_accept(user=user, version="legacy-import", source=CipNoticeAcceptance.Source.IMPORT)
    record = KycRecord(user=user, risk_rating=risk_rating or "")
    _apply(record, data)
    with audit_actor(acting_user):
        record.save()
        _event(
            record=record,
            kind=KycEvent.Kind.IMPORTED,
            acting_user=acting_user,
            to_status=KycStatus.UNVERIFIED,
            reason=f"Imported from the legacy system ({source_reference}).",
        )
        _flag_duplicates(record=record, acting_user=acting_user)
    if status == KycStatus.UNVERIFIED:
        return record
    record.status = KycStatus.PENDING
    record.submitted_at = timezone.now()
    record.submission_count = 1
    with audit_actor(acting_user):
        record.save()
        _event(
            record=record,
            kind=KycEvent.Kind.SUBMITTED,
            acting_user=acting_user,
            from_status=KycStatus.UNVERIFIED,
            to_status=KycStatus.PENDING,
            reason="Legacy import.",
        )
    transaction.on_commit(lambda: kyc_submitted.send(sender=KycRecord, user=user, kyc_record_id=record.pk))
    if status == KycStatus.PENDING:
        return record
    return kyc_decide(
        record=record,
        decision=status,
        reason=f"Status {status} in the legacy system ({source_reference}).",
        acting_user=acting_user,
    )
