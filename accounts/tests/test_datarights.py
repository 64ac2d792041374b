"""Data rights: the export, and erasure (masking, the legal-hold copy, revoked tokens, vetoes)."""

import json

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import CustomerProfile, ErasureRequest, KycRecord, SecurityEvent, User
from accounts.services import erasure_retry_deferred, mfa_setup_totp, token_pair_issue
from blockguardian import datarights
from blockguardian.legalhold import legal_hold_read
from blockguardian.models import LegalHoldRecord

from .factories import DEFAULT_PASSWORD, CustomerProfileFactory, UserFactory, submit_kyc
from .helpers import assert_problem, bearer, login

pytestmark = pytest.mark.django_db

EMAIL = "erin.erasable@example.com"
SECRETS = [
    EMAIL,
    "Erin",
    "Erasable",
    "Avery",
    "Jordan",
    "350 Fifth Avenue",
    "219099999",
    "219-09-9999",
    "1980-05-17",
    "+15555550100",
    "Robin Trusted",
    "robin.trusted@example.com",
]


@pytest.fixture
def customer(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    user = UserFactory(email=EMAIL, first_name="Erin", last_name="Erasable")
    CustomerProfileFactory(user=user)
    submit_kyc(user)
    return user


@pytest.fixture
def veto():
    reasons = {}
    datarights.register("testveto", veto=lambda user: reasons.get(user.pk))
    yield reasons
    datarights._registry.pop("testveto", None)


def _erase(client, password=DEFAULT_PASSWORD):
    return client.post("/api/me/erase", {"password": password}, format="json")


def _staff_admin_client(*permissions: str) -> Client:
    """A browser session of a staff member verified by OTP (as the OTP admin site requires)."""
    staff = UserFactory(is_staff=True)
    for codename in permissions:
        staff.user_permissions.add(Permission.objects.get(codename=codename))
    device = mfa_setup_totp(user=staff).device
    device.confirmed = True
    device.save()
    client = Client()
    client.force_login(staff)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def test_the_export_holds_the_customers_own_data_and_no_compliance_data(client_for, customer):
    response = client_for(customer).get("/api/me/export")

    assert response.status_code == 200
    data = response.json()["data"]["accounts"]
    assert data["account"]["email"] == EMAIL
    assert data["profile"]["trusted_contact"]["name"] == "Robin Trusted"
    assert data["kyc"]["legal_last_name"] == "Jordan" and data["kyc"]["identifier_last4"] == "9999"
    text = json.dumps(data)
    assert "risk_rating" not in text and "duplicate" not in text and "219099999" not in text


def test_erasure_masks_every_personal_field_and_keeps_the_cip_record_in_legal_hold(client_for, customer):
    pair = token_pair_issue(user=customer)
    client = bearer(pair.access)
    login(client, EMAIL, "wrong-password", HTTP_USER_AGENT="agent/9")  # a security event with an address
    client.put(
        "/api/auth/profile",
        {
            "first_name": "Erin",
            "last_name": "Erasable",
            "phone_number": "+15555550100",
            "trusted_contact": {"name": "Robin Trusted", "email": "robin.trusted@example.com"},
        },
        format="json",
    )

    response = _erase(client)

    assert response.status_code == 202
    # Every token is revoked.
    assert bearer(pair.access).get("/api/profile").status_code == 401
    assert client.post("/api/auth/refresh", {"refresh": pair.refresh}, format="json").status_code == 401
    assert login(client, EMAIL).status_code == 401
    # Nothing personal is left where the product shows or exports it.
    customer.refresh_from_db()
    assert customer.is_active is False and customer.erased_at is not None and not customer.has_usable_password()
    exported = json.dumps(datarights.export_for(customer), default=str)
    stored = []
    with connection.cursor() as cursor:
        for model in (User, CustomerProfile, KycRecord, SecurityEvent):
            cursor.execute(f"SELECT * FROM {model._meta.db_table}")  # noqa: S608 - table names
            stored.append(json.dumps(cursor.fetchall(), default=str))
    audit = json.dumps(
        list(LogEntry.objects.values("object_repr", "changes", "changes_text", "actor_email", "serialized_data")),
        default=str,
    )
    for secret in SECRETS:
        assert secret not in exported, secret
        assert all(secret not in text for text in stored), secret
        assert secret not in audit, secret
    assert SecurityEvent.objects.filter(user=customer).exclude(ip_address=None).count() == 0
    assert not TOTPDevice.objects.filter(user=customer).exists()
    # The CIP record is kept, with its retention date, and only compliance can read it.
    hold = LegalHoldRecord.objects.get(subject_id=str(customer.pk))
    assert hold.record_class == "cip" and hold.retain_until is not None
    assert "219099999" not in hold.payload_encrypted
    with pytest.raises(PermissionDenied):
        legal_hold_read(record=hold, user=UserFactory(is_staff=True))
    officer = UserFactory(is_staff=True)
    officer.user_permissions.add(Permission.objects.get(codename="read_legal_hold"))
    officer = User.objects.get(pk=officer.pk)
    payload = legal_hold_read(record=hold, user=officer)
    assert payload["kyc_record"]["identifier"] == "219099999"
    assert payload["email"] == EMAIL


def test_after_erasure_the_admin_shows_nothing_personal(client_for, customer):
    _erase(client_for(customer))
    admin = _staff_admin_client("view_user", "view_kycrecord", "view_customerprofile")

    pages = [
        admin.get("/admin/accounts/user/"),
        admin.get(f"/admin/accounts/user/{customer.pk}/change/"),
        admin.get("/admin/accounts/kycrecord/"),
        admin.get(f"/admin/accounts/kycrecord/{KycRecord.objects.get(user=customer).pk}/change/"),
    ]

    for page in pages:
        assert page.status_code == 200, page.status_code
        html = page.content.decode()
        for secret in SECRETS:
            assert secret not in html, secret


def test_an_apps_veto_defers_the_erasure_with_a_neutral_answer(client_for, customer, veto):
    veto[customer.pk] = "open case 42"
    other = UserFactory()
    session = token_pair_issue(user=customer)

    deferred = _erase(bearer(session.access))
    erased_right_away = _erase(client_for(other))

    assert deferred.status_code == erased_right_away.status_code == 202
    assert deferred.json() == erased_right_away.json()
    assert "case" not in deferred.content.decode()
    customer.refresh_from_db()
    assert customer.email == EMAIL and customer.erased_at is None
    request = ErasureRequest.objects.get(user=customer)
    assert request.status == ErasureRequest.Status.DEFERRED
    assert not LegalHoldRecord.objects.filter(subject_id=str(customer.pk)).exists()
    # The sessions end either way, so the two cases look alike.
    assert bearer(session.access).get("/api/profile").status_code == 401
    assert ErasureRequest.objects.get(user=other).status == ErasureRequest.Status.COMPLETED


def test_a_deferred_erasure_runs_when_the_veto_lifts(client_for, customer, veto):
    veto[customer.pk] = "SAR in review"
    _erase(client_for(customer))
    assert erasure_retry_deferred() == 0

    veto.clear()
    ran = erasure_retry_deferred()

    assert ran == 1
    customer.refresh_from_db()
    assert customer.erased_at is not None and customer.email != EMAIL
    assert ErasureRequest.objects.get(user=customer).status == ErasureRequest.Status.COMPLETED
    assert LegalHoldRecord.objects.filter(subject_id=str(customer.pk)).exists()


def test_erasure_needs_the_password(client_for, customer):
    response = _erase(client_for(customer), password="not-it")

    assert_problem(response, 400, "password_invalid")
    customer.refresh_from_db()
    assert customer.erased_at is None


def test_other_apps_erasers_run_before_accounts_revokes_everything(client_for, customer):
    seen = []
    datarights.register("testeraser", eraser=lambda user: seen.append(User.objects.get(pk=user.pk).email))
    try:
        _erase(client_for(customer))
    finally:
        datarights._registry.pop("testeraser", None)

    assert seen == [EMAIL]
