"""Demo users for `make run`: an admin with a confirmed TOTP device and backup codes."""

from __future__ import annotations

from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User

DEMO_ADMIN_EMAIL = "admin@blockguardian.local"
DEMO_ADMIN_PASSWORD = "demo-admin-password-2026"  # noqa: S105 - printed for the local demo only
DEMO_CUSTOMER_EMAIL = "customer@blockguardian.local"
DEMO_CUSTOMER_PASSWORD = "demo-customer-password-2026"  # noqa: S105


@transaction.atomic
def load_demo_users() -> list[str]:
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
    totp = TOTPDevice.objects.filter(user=admin, name="demo authenticator", confirmed=True).first()
    if totp is None:
        totp = TOTPDevice.objects.create(user=admin, name="demo authenticator", confirmed=True)
    static, _ = StaticDevice.objects.get_or_create(user=admin, name="demo backup codes", defaults={"confirmed": True})
    while static.token_set.count() < 5:
        static.token_set.create(token=StaticToken.random_token())
    codes = list(static.token_set.values_list("token", flat=True)[:5])

    customer, created = User.objects.get_or_create(
        email=DEMO_CUSTOMER_EMAIL,
        defaults={"first_name": "Dana", "last_name": "Demo", "email_verified": True},
    )
    if created:
        customer.set_password(DEMO_CUSTOMER_PASSWORD)
        customer.save()
    return [
        "",
        "Admin (OTP required):",
        f"  email {DEMO_ADMIN_EMAIL}  password {DEMO_ADMIN_PASSWORD}",
        f"  authenticator app: {totp.config_url}",
        f"  or a one-time backup code: {', '.join(codes)}",
        "Customer (API):",
        f"  email {DEMO_CUSTOMER_EMAIL}  password {DEMO_CUSTOMER_PASSWORD}",
    ]
