"""Demo users for `make run`: an admin with a confirmed TOTP device and backup codes, and a customer
whose identity (KYC) is verified."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import BackupCode, BackupCodeDevice, KycStatus, User
from .selectors import kyc_record_for
from .services import (
    KycSubmission,
    backup_codes_generate,
    cip_notice_accept,
    customer_create,
    kyc_decide,
    kyc_record_verification,
    kyc_submit,
)

DEMO_ADMIN_EMAIL = "admin@blockguardian.local"
DEMO_ADMIN_PASSWORD = "demo-admin-password-2026"  # noqa: S105 - printed for the local demo only
DEMO_CUSTOMER_EMAIL = "customer@blockguardian.local"
DEMO_CUSTOMER_PASSWORD = "demo-customer-password-2026"  # noqa: S105
DEMO_BACKUP_CODE_COUNT = 5
# A well-formed SSN that was voided long ago after it appeared in an advertisement.
DEMO_CUSTOMER_SSN = "219099999"


def _demo_backup_codes() -> list[str]:
    """The same demo codes on every run, so they can be printed again (demo data only)."""
    codes = []
    for index in range(DEMO_BACKUP_CODE_COUNT):
        digest = hashlib.sha256(f"{settings.SECRET_KEY}:demo-backup:{index}".encode()).hexdigest()
        alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
        raw = "".join(alphabet[int(digest[i : i + 2], 16) % len(alphabet)] for i in range(0, 20, 2))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def _load_admin() -> list[str]:
    admin, created = User.objects.get_or_create(
        email=DEMO_ADMIN_EMAIL,
        defaults={
            "is_staff": True,
            "is_superuser": True,
            "first_name": "Demo",
            "last_name": "Admin",
            "email_verified": True,
        },
    )
    if created:
        admin.set_password(DEMO_ADMIN_PASSWORD)
        admin.save()
        admin.groups.add(Group.objects.get_or_create(name="admin")[0])
    totp = TOTPDevice.objects.filter(user=admin, name="demo authenticator", confirmed=True).first()
    if totp is None:
        totp = TOTPDevice.objects.create(user=admin, name="demo authenticator", confirmed=True)
    codes = _demo_backup_codes()
    unused = BackupCode.objects.filter(device__user=admin, used_at__isnull=True).count()
    if unused < DEMO_BACKUP_CODE_COUNT or not BackupCodeDevice.objects.filter(user=admin).exists():
        backup_codes_generate(user=admin, codes=codes)
    return [
        "",
        "Admin (OTP required):",
        f"  email {DEMO_ADMIN_EMAIL}  password {DEMO_ADMIN_PASSWORD}",
        f"  authenticator app: {totp.config_url}",
        f"  or a one-time backup code: {', '.join(codes)}",
    ]


def _load_customer() -> list[str]:
    customer = User.objects.filter(email=DEMO_CUSTOMER_EMAIL).first()
    if customer is None:
        customer = customer_create(
            email=DEMO_CUSTOMER_EMAIL,
            first_name="Dana",
            last_name="Demo",
            password=DEMO_CUSTOMER_PASSWORD,
            email_verified=True,
        )
    record = kyc_record_for(user=customer)
    if record is None or record.status in (KycStatus.UNVERIFIED, KycStatus.INFO_REQUESTED):
        cip_notice_accept(user=customer, version=settings.KYC_CIP_NOTICE_VERSION)
        record = kyc_submit(
            user=customer,
            data=KycSubmission(
                legal_first_name="Dana",
                legal_last_name="Demo",
                date_of_birth=dt.date(1985, 4, 12),
                address_line1="200 Liberty Street",
                city="New York",
                region="NY",
                postal_code="10281",
                country="US",
                citizenship="US",
                identifier_type="ssn",
                identifier=DEMO_CUSTOMER_SSN,
                id_document_type="drivers_license",
                id_document_number="D12345678",
                id_document_issuing_country="US",
            ),
        )
    if record.status == KycStatus.PENDING:
        for item in ("name", "date_of_birth", "address", "identifier"):
            kyc_record_verification(
                record=record, item=item, method="non_documentary", result="verified", acting_user=None
            )
        kyc_decide(record=record, decision="verified", reason="Demo data: verified.", acting_user=None)
    return [
        "Customer (API, identity verified):",
        f"  email {DEMO_CUSTOMER_EMAIL}  password {DEMO_CUSTOMER_PASSWORD}",
    ]


@transaction.atomic
def load_demo_users() -> list[str]:
    return [*_load_admin(), *_load_customer()]
