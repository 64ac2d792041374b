"""The audit log: every change to a user, profile, device, restriction or KYC record, with the acting
user and personal fields redacted; no model's representation carries personal data."""

import json

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import (
    BackupCode,
    BackupCodeDevice,
    CipNoticeAcceptance,
    ErasureRequest,
    KycDocument,
    KycEvent,
    KycRecord,
    MfaChallenge,
    SecurityEvent,
    TokenFamily,
    User,
)
from accounts.services import (
    backup_codes_generate,
    kyc_decide,
    kyc_record_verification,
    mfa_challenge_create,
    restriction_set,
    token_pair_issue,
)
from accounts.services.mfa import mfa_setup_message_device

from .factories import CustomerProfileFactory, UserFactory, submit_kyc

pytestmark = pytest.mark.django_db


def _entries(model, pk):
    return LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model), object_pk=str(pk))


def test_a_profile_change_through_the_api_is_logged_with_the_customer_as_actor_and_values_redacted(client_for):
    user = UserFactory(first_name="Quinn")
    client = client_for(user)

    client.put("/api/auth/profile", {"first_name": "Quincy", "last_name": "Stone"}, format="json")

    entry = _entries(User, user.pk).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert entry.actor_id == user.pk
    assert entry.actor_email is None
    assert set(entry.changes_dict) >= {"first_name", "last_name"}
    text = json.dumps(entry.changes_dict)
    assert "Quincy" not in text and "Quinn" not in text and "Stone" not in text
    assert entry.object_repr == f"user {user.pk}"


def test_a_restriction_change_is_logged_with_the_acting_officer():
    customer, officer = UserFactory(), UserFactory(is_staff=True)

    restriction_set(user=customer, state="frozen", reason="Possible match", acting_user=officer)

    entry = _entries(User, customer.pk).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert entry.actor_id == officer.pk
    assert entry.changes_dict["restriction"] == ["none", "frozen"]


def test_kyc_changes_are_logged_with_personal_fields_redacted_and_secrets_left_out():
    customer, officer = UserFactory(), UserFactory(is_staff=True)
    record = submit_kyc(customer)

    kyc_decide(record=record, decision="verified", reason="", acting_user=officer)

    entries = _entries(KycRecord, record.pk)
    created = entries.get(action=LogEntry.Action.CREATE)
    decided = entries.filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    everything = json.dumps([e.changes_dict for e in entries])
    assert "Avery" not in everything and "1980-05-17" not in everything and "9999" not in everything
    assert "identifier_encrypted" not in everything and "identifier_index" not in everything
    assert created.actor_id == customer.pk
    assert decided.actor_id == officer.pk and decided.changes_dict["status"] == ["pending", "verified"]


def test_device_changes_are_logged_without_secrets(client_for):
    user = UserFactory()
    client_for(user).post("/api/auth/setup-mfa", {"type": "totp"}, format="json")

    entry = _entries(TOTPDevice, TOTPDevice.objects.get(user=user).pk).get(action=LogEntry.Action.CREATE)

    assert "key" not in entry.changes_dict
    assert entry.actor_id == user.pk


def test_an_admin_session_actor_is_recorded_by_id_not_email(client):
    from auditlog.context import set_actor

    officer, customer = UserFactory(is_staff=True), UserFactory()
    with set_actor(officer):
        customer.first_name = "Changed"
        customer.save()

    entry = _entries(User, customer.pk).latest("timestamp")
    assert entry.actor_id == officer.pk
    assert entry.actor_email is None
    assert LogEntry.objects.filter(actor_email__isnull=False).count() == 0


def test_no_models_representation_holds_personal_data(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path
    user = UserFactory(email="pii.person@example.com", first_name="Piia", last_name="Personal")
    profile = CustomerProfileFactory(user=user, external_id="LEGACY-77")
    record = submit_kyc(user)
    verification = kyc_record_verification(
        record=record, item="name", method="manual", result="discrepancy", discrepancy="Piia vs Pia", acting_user=None
    )
    device, _ = mfa_setup_message_device(user=user, channel="sms", destination="+15555550142")
    backup_codes_generate(user=user)
    token_pair_issue(user=user)
    mfa_challenge_create(user=user)
    ErasureRequest.objects.create(user=user, status=ErasureRequest.Status.DEFERRED)
    document = KycDocument.objects.create(record=record, content_type="application/pdf", size_bytes=1, sha256="0" * 64)
    objects = [
        user,
        profile,
        record,
        verification,
        device,
        document,
        BackupCodeDevice.objects.get(user=user),
        BackupCode.objects.first(),
        TokenFamily.objects.get(user=user),
        MfaChallenge.objects.get(user=user),
        CipNoticeAcceptance.objects.get(user=user),
        KycEvent.objects.filter(record=record).first(),
        SecurityEvent.objects.create(user=user, kind="login", ip_address="203.0.113.9"),
        ErasureRequest.objects.get(user=user),
    ]
    personal = ["pii.person", "Piia", "Personal", "LEGACY-77", "Avery", "Jordan", "9999", "5555550142", "203.0.113"]

    for obj in objects:
        text = str(obj)
        assert not any(value in text for value in personal), (type(obj).__name__, text)
