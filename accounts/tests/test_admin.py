"""The back office: OTP-required, identifiers masked, state changes only through permitted actions."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.models import KycRecord, KycStatus, Restriction
from accounts.services import mfa_setup_totp
from blockguardian.calendar import business_date

from .factories import UserFactory, submit_kyc

pytestmark = pytest.mark.django_db


def _admin_client(*roles: str, superuser: bool = False) -> Client:
    staff = UserFactory(is_staff=True, is_superuser=superuser)
    for role in roles:
        staff.groups.add(Group.objects.get(name=role))
    device = mfa_setup_totp(user=staff).device
    device.confirmed = True
    device.save()
    client = Client()
    client.force_login(staff)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    client.staff = staff
    return client


def test_the_admin_refuses_a_staff_session_without_otp(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)

    response = client.get("/admin/accounts/kycrecord/")

    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_kyc_list_masks_identifiers_and_filters_by_state(django_assert_max_num_queries):
    for _ in range(3):
        submit_kyc(UserFactory(), identifier="123-45-6789")
    client = _admin_client("compliance_officer")

    with django_assert_max_num_queries(15):
        listing = client.get("/admin/accounts/kycrecord/?status__exact=pending&duplicate_identity__exact=1")
    detail = client.get(f"/admin/accounts/kycrecord/{KycRecord.objects.first().pk}/change/")

    assert listing.status_code == detail.status_code == 200
    for page in (listing, detail):
        html = page.content.decode()
        assert "123456789" not in html and "123-45-6789" not in html and "D98765432" not in html
    assert "•••• 6789" in listing.content.decode()
    assert listing.content.decode().count("•••• 6789") == 3


def test_the_review_due_filter(client):
    record = submit_kyc(UserFactory())
    KycRecord.objects.filter(pk=record.pk).update(status=KycStatus.VERIFIED, next_review_on=business_date())
    admin = _admin_client("compliance_officer")

    response = admin.get("/admin/accounts/kycrecord/?review=due")

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


def test_a_compliance_officer_decides_through_an_admin_action():
    record = submit_kyc(UserFactory())
    admin = _admin_client("compliance_officer")

    response = admin.post(
        "/admin/accounts/kycrecord/",
        {"action": "reject", "_selected_action": [record.pk], "reason": "Document forged", "customer_message": ""},
    )

    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == KycStatus.REJECTED
    assert record.events.filter(kind="decided", acting_user=admin.staff, reason="Document forged").exists()


def test_an_action_without_its_permission_is_not_offered():
    record = submit_kyc(UserFactory())
    admin = _admin_client("loan_officer")

    page = admin.get("/admin/accounts/kycrecord/")
    response = admin.post("/admin/accounts/kycrecord/", {"action": "verify", "_selected_action": [record.pk]})

    assert 'value="verify"' not in page.content.decode()
    assert response.status_code in (200, 302)
    record.refresh_from_db()
    assert record.status == KycStatus.PENDING


def test_an_invalid_move_in_the_admin_is_reported_not_applied():
    record = submit_kyc(UserFactory())
    admin = _admin_client("compliance_officer")

    admin.post("/admin/accounts/kycrecord/", {"action": "reject", "_selected_action": [record.pk], "reason": ""})

    record.refresh_from_db()
    assert record.status == KycStatus.PENDING


def test_restrictions_change_through_permitted_actions_only():
    customer = UserFactory()
    officer = _admin_client("compliance_officer")
    analyst = _admin_client("risk_analyst")

    analyst.post(
        "/admin/accounts/user/", {"action": "restrict_frozen", "_selected_action": [customer.pk], "reason": "x"}
    )
    customer.refresh_from_db()
    assert customer.restriction == Restriction.NONE

    officer.post(
        "/admin/accounts/user/", {"action": "restrict_frozen", "_selected_action": [customer.pk], "reason": "Match"}
    )
    customer.refresh_from_db()
    assert customer.restriction == Restriction.FROZEN


def test_lifting_a_block_needs_the_bsa_officer():
    from accounts.services import restriction_set

    customer = UserFactory()
    restriction_set(user=customer, state="blocked", reason="Confirmed SDN match", acting_user=None)
    body = {"action": "lift_block", "_selected_action": [customer.pk], "reason": "Match cleared"}

    _admin_client("compliance_officer").post("/admin/accounts/user/", body)
    customer.refresh_from_db()
    assert customer.restriction == Restriction.BLOCKED

    _admin_client("bsa_officer").post("/admin/accounts/user/", body)
    customer.refresh_from_db()
    assert customer.restriction == Restriction.NONE


def test_documents_open_in_the_admin_only_with_the_document_permission(settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.services import cip_notice_accept, kyc_submit

    from .factories import kyc_submission

    settings.PRIVATE_STORAGE_ROOT = tmp_path
    user = UserFactory()
    cip_notice_accept(user=user, version=settings.KYC_CIP_NOTICE_VERSION)
    record = kyc_submit(
        user=user,
        data=kyc_submission(),
        document=SimpleUploadedFile("id.png", b"\x89PNG\r\n\x1a\n" + b"0" * 32, content_type="image/png"),
    )
    document = record.documents.get()
    url = f"/admin/accounts/kycrecord/{record.pk}/document/{document.pk}/"

    assert _admin_client("loan_officer").get(url).status_code == 403
    response = _admin_client("compliance_officer").get(url)
    assert response.status_code == 200 and response.content.startswith(b"\x89PNG")


def test_operations_record_how_an_item_was_verified_through_the_admin():
    record = submit_kyc(UserFactory())
    admin = _admin_client("operations")

    response = admin.post(
        "/admin/accounts/kycverification/add/",
        {
            "record": record.pk,
            "item": "address",
            "method": "documentary",
            "result": "discrepancy",
            "discrepancy": "Utility bill shows Apt 21",
            "resolution": "Customer confirmed Apt 12; bill misprinted",
        },
    )

    assert response.status_code == 302, response.content
    verification = record.verifications.get()
    assert verification.acting_user == admin.staff and verification.result == "discrepancy"


def test_a_discrepancy_without_a_description_is_refused_in_the_admin():
    record = submit_kyc(UserFactory())
    admin = _admin_client("operations")

    response = admin.post(
        "/admin/accounts/kycverification/add/",
        {"record": record.pk, "item": "address", "method": "documentary", "result": "discrepancy"},
    )

    assert response.status_code == 200
    assert "Describe the discrepancy." in response.content.decode()
    assert not record.verifications.exists()
