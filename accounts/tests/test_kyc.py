"""KYC / CIP: the notice, submissions, encryption and blind indexes, the state machine, risk ratings,
documents."""

import datetime as dt
import json

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from accounts.models import (
    CipNoticeAcceptance,
    KycEvent,
    KycRecord,
    KycStatus,
    KycVerification,
    Restriction,
)
from accounts.selectors import (
    customer_age,
    customer_date_of_birth,
    customer_identity,
    kyc_duplicates,
    kyc_is_verified,
)
from accounts.services import (
    kyc_decide,
    kyc_record_verification,
    kyc_set_risk_rating,
    kyc_start_review,
)
from accounts.signals import kyc_submitted
from blockguardian.calendar import business_date

from .factories import TEST_SSN, UserFactory, kyc_payload, submit_kyc
from .helpers import assert_problem

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _accept_notice(client):
    return client.post("/api/kyc/cip-notice", {"version": django_settings.KYC_CIP_NOTICE_VERSION}, format="json")


def _submit(client, **overrides):
    return client.post("/api/kyc", kyc_payload(**overrides), format="json")


# --- the CIP notice ------------------------------------------------------------------------------------
def test_submitting_before_accepting_the_cip_notice_is_a_409(auth_client):
    response = _submit(auth_client)

    assert_problem(response, 409, "cip_notice_not_accepted")
    assert not KycRecord.objects.exists()


def test_accepting_the_cip_notice_is_recorded_with_time_and_client(auth_client):
    notice = auth_client.get("/api/kyc/cip-notice").json()
    assert notice["accepted_at"] is None and "identify" in notice["text"]

    response = auth_client.post(
        "/api/kyc/cip-notice", {"version": notice["version"]}, format="json", HTTP_USER_AGENT="app/2.1"
    )

    assert response.status_code == 201
    acceptance = CipNoticeAcceptance.objects.get(user=auth_client.user)
    assert (acceptance.version, acceptance.ip_address, acceptance.user_agent) == (
        notice["version"],
        "127.0.0.1",
        "app/2.1",
    )
    assert auth_client.get("/api/kyc/cip-notice").json()["accepted_at"] is not None
    assert _accept_notice(auth_client).status_code == 200  # idempotent


def test_only_the_current_notice_can_be_accepted(auth_client):
    response = auth_client.post("/api/kyc/cip-notice", {"version": "1999-01"}, format="json")

    assert_problem(response, 409, "cip_notice_version_outdated")


# --- submission -------------------------------------------------------------------------------------------
def test_a_submission_is_pending_and_compliance_hears_of_it_after_commit(
    auth_client, django_capture_on_commit_callbacks
):
    heard = []

    def listener(sender, user, kyc_record_id, **kwargs):
        heard.append((user.pk, kyc_record_id))

    kyc_submitted.connect(listener)
    try:
        _accept_notice(auth_client)
        with django_capture_on_commit_callbacks(execute=True):
            response = _submit(auth_client)
    finally:
        kyc_submitted.disconnect(listener)

    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    record = KycRecord.objects.get(user=auth_client.user)
    assert heard == [(auth_client.user.pk, record.pk)]


def test_the_api_never_returns_more_than_the_last_four_digits(auth_client):
    _accept_notice(auth_client)

    submitted = _submit(auth_client)
    read = auth_client.get("/api/kyc")
    exported = auth_client.get("/api/me/export")

    for response in (submitted, read, exported):
        text = response.content.decode()
        assert "219099999" not in text and TEST_SSN not in text and "099999" not in text
        assert "98765432" not in text and "765432" not in text
    assert read.json()["identifier_last4"] == "9999"
    assert read.json()["id_document_last4"] == "5432"


def test_raw_sql_on_the_kyc_table_shows_no_plaintext_identifier(auth_client):
    _accept_notice(auth_client)
    _submit(auth_client)

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {KycRecord._meta.db_table}")  # noqa: S608 - a table name
        rows = json.dumps(cursor.fetchall(), default=str)

    for secret in ("219099999", "219-09-9999", "21909", "D98765432", "98765432"):
        assert secret not in rows
    assert "9999" in rows  # the last four are kept in clear, by design


def test_two_customers_with_one_ssn_are_found_through_the_blind_index():
    first, second, third = UserFactory.create_batch(3)
    submit_kyc(first)
    submit_kyc(second, identifier="219 09 9999", id_document_number="X1234567")
    submit_kyc(third, identifier="123-45-6789", id_document_number="Y1234567")

    records = {r.user_id: r for r in KycRecord.objects.all()}
    assert records[first.pk].duplicate_identity and records[second.pk].duplicate_identity
    assert not records[third.pk].duplicate_identity
    assert kyc_duplicates(user=second) == [str(first.pk)]
    assert KycEvent.objects.filter(kind=KycEvent.Kind.DUPLICATE_IDENTITY).count() == 2


def test_a_shared_identity_document_number_is_flagged_too():
    first, second = UserFactory.create_batch(2)
    submit_kyc(first)
    submit_kyc(second, identifier="123-45-6789")

    assert KycRecord.objects.filter(duplicate_identity=True).count() == 2


@pytest.mark.parametrize("line", ["PO Box 123", "P.O. Box 9", "Post Office Box 77", "POB 12"])
def test_a_po_box_is_refused(auth_client, line):
    _accept_notice(auth_client)

    body = assert_problem(_submit(auth_client, address_line1=line), 400, "kyc_invalid")

    assert "address_line1" in body["errors"]
    assert not KycRecord.objects.exists()


def test_a_us_person_must_give_an_ssn_or_itin(auth_client):
    _accept_notice(auth_client)

    response = _submit(auth_client, identifier_type="passport", identifier="X12345678", identifier_issuing_country="US")

    assert "identifier_type" in assert_problem(response, 400, "kyc_invalid")["errors"]


def test_a_non_us_person_gives_a_passport_with_its_issuing_country(auth_client):
    _accept_notice(auth_client)
    missing = _submit(auth_client, citizenship="DE", country="DE", identifier_type="passport", identifier="C01X00T47")

    accepted = _submit(
        auth_client,
        citizenship="DE",
        country="DE",
        identifier_type="passport",
        identifier="C01X00T47",
        identifier_issuing_country="DE",
    )

    assert "identifier_issuing_country" in assert_problem(missing, 400, "kyc_invalid")["errors"]
    assert accepted.status_code == 201
    assert accepted.json()["identifier_last4"] == "0T47"
    assert KycRecord.objects.get(user=auth_client.user).risk_rating == "medium"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("identifier", "000-12-3456"),
        ("identifier", "666-12-3456"),
        ("date_of_birth", "2099-01-01"),
        ("country", "XX"),
        ("id_document_type", "library_card"),
    ],
)
def test_invalid_identity_data_is_a_400_that_names_the_field(auth_client, field, value):
    _accept_notice(auth_client)

    body = _submit(auth_client, **{field: value}).json()

    assert body["status"] == 400
    assert field in body["errors"]


def test_a_minor_is_refused(auth_client):
    _accept_notice(auth_client)
    today = business_date()
    born = today.replace(year=today.year - 17).isoformat()

    assert "date_of_birth" in assert_problem(_submit(auth_client, date_of_birth=born), 400, "kyc_invalid")["errors"]


# --- state machine ---------------------------------------------------------------------------------------------
def test_resubmitting_while_pending_is_a_409(auth_client):
    _accept_notice(auth_client)
    _submit(auth_client)

    assert_problem(_submit(auth_client), 409, "kyc_invalid_move")


def test_info_requested_then_resubmission_returns_to_pending(auth_client):
    _accept_notice(auth_client)
    _submit(auth_client)
    record = KycRecord.objects.get(user=auth_client.user)
    officer = UserFactory(is_staff=True)

    kyc_decide(
        record=record,
        decision="info_requested",
        reason="Address does not match bureau",
        acting_user=officer,
        customer_message="Please check your street address.",
    )
    seen = auth_client.get("/api/kyc").json()
    response = _submit(auth_client, address_line1="351 Fifth Avenue")

    assert seen["status"] == "info_requested" and seen["message"] == "Please check your street address."
    assert "bureau" not in json.dumps(seen)
    assert response.status_code == 201 and response.json()["status"] == "pending"
    record.refresh_from_db()
    assert record.submission_count == 2


def test_verification_sets_the_review_date_by_risk_rating(settings):
    user = UserFactory()
    record = submit_kyc(user)
    officer = UserFactory(is_staff=True)

    verified = kyc_decide(record=record, decision="verified", reason="", acting_user=officer)

    assert verified.status == KycStatus.VERIFIED and kyc_is_verified(user=user)
    assert verified.risk_rating == "low"
    today = business_date()
    assert verified.next_review_on == today.replace(year=today.year + 3)
    rerated = kyc_set_risk_rating(record=verified, rating="high", reason="Adverse media", acting_user=officer)
    assert rerated.next_review_on == today.replace(year=today.year + 1)
    assert KycEvent.objects.filter(record=record, kind=KycEvent.Kind.RISK_RATING, acting_user=officer).exists()


@pytest.mark.parametrize(
    ("start", "move"),
    [
        ("verified", lambda r, u: kyc_decide(record=r, decision="rejected", reason="late", acting_user=u)),
        ("rejected", lambda r, u: kyc_decide(record=r, decision="verified", reason="", acting_user=u)),
        ("pending", lambda r, u: kyc_start_review(record=r, reason="x", acting_user=u)),
        ("pending", lambda r, u: kyc_decide(record=r, decision="pending", reason="x", acting_user=u)),
    ],
)
def test_moves_outside_the_state_table_are_refused(start, move):
    from accounts.errors import KycStateError

    record = submit_kyc(UserFactory())
    officer = UserFactory(is_staff=True)
    if start != "pending":
        kyc_decide(record=record, decision=start, reason="setup", acting_user=officer)

    with pytest.raises(KycStateError) as caught:
        move(record, officer)

    assert caught.value.status == 409
    record.refresh_from_db()
    assert record.status == start


def test_a_rejected_customer_cannot_resubmit(auth_client):
    _accept_notice(auth_client)
    _submit(auth_client)
    kyc_decide(
        record=KycRecord.objects.get(user=auth_client.user), decision="rejected", reason="Forged", acting_user=None
    )

    assert_problem(_submit(auth_client), 409, "kyc_invalid_move")


def test_a_rejection_freezes_the_customer_pending_compliance():
    user = UserFactory()
    record = submit_kyc(user)

    kyc_decide(record=record, decision="rejected", reason="Identity not verifiable", acting_user=None)

    user.refresh_from_db()
    assert user.restriction == Restriction.FROZEN


def test_rejecting_needs_a_reason():
    from accounts.errors import KycStateError

    record = submit_kyc(UserFactory())

    with pytest.raises(KycStateError):
        kyc_decide(record=record, decision="rejected", reason="  ", acting_user=None)


def test_a_verified_customer_is_re_reviewed_through_pending():
    record = submit_kyc(UserFactory())
    kyc_decide(record=record, decision="verified", reason="", acting_user=None)

    reviewed = kyc_start_review(record=record, reason="Scheduled review", acting_user=None)

    assert reviewed.status == KycStatus.PENDING
    assert KycEvent.objects.filter(record=record, kind=KycEvent.Kind.REVIEW_STARTED).exists()


def test_how_each_item_was_verified_is_recorded():
    record = submit_kyc(UserFactory())
    officer = UserFactory(is_staff=True)

    kyc_record_verification(
        record=record,
        item="address",
        method="non_documentary",
        result="discrepancy",
        discrepancy="Bureau has 350 5th Ave",
        resolution="Same address, abbreviated; utility bill seen",
        acting_user=officer,
    )

    verification = KycVerification.objects.get(record=record)
    assert verification.acting_user == officer and verification.resolution.startswith("Same address")


# --- what other apps read --------------------------------------------------------------------------------
def test_selectors_for_other_apps():
    user = UserFactory()
    assert customer_identity(user=user) is None and customer_date_of_birth(user=user) is None
    submit_kyc(user)

    identity = customer_identity(user=user)

    assert customer_date_of_birth(user=user) == dt.date(1980, 5, 17)
    assert customer_age(user=user, on=dt.date(2026, 5, 16)) == 45
    assert customer_age(user=user, on=dt.date(2026, 5, 17)) == 46
    assert identity["full_name"] == "Avery Q Jordan"
    assert identity["address_lines"] == ["350 Fifth Avenue", "Apt 12", "New York NY 10118"]
    assert (identity["country"], identity["citizenship"], identity["identifier_last4"]) == ("US", "US", "9999")
    assert "219099999" not in json.dumps(identity, default=str)
    assert kyc_is_verified(user=user) is False


# --- documents ---------------------------------------------------------------------------------------------
@pytest.fixture
def private_root(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    return settings.PRIVATE_STORAGE_ROOT


def _submit_with_document(client, content=PDF, name="licence.pdf", content_type="application/pdf"):
    _accept_notice(client)
    data = kyc_payload()
    data["document"] = SimpleUploadedFile(name, content, content_type=content_type)
    return client.post("/api/kyc", data, format="multipart")


def test_an_uploaded_document_is_stored_encrypted_outside_public_media(auth_client, private_root, settings):
    response = _submit_with_document(auth_client)

    assert response.status_code == 201, response.content
    [document] = response.json()["documents"]
    assert document["content_type"] == "application/pdf"
    files = [p for p in private_root.rglob("*") if p.is_file()]
    assert len(files) == 1
    assert b"%PDF" not in files[0].read_bytes()
    assert str(settings.MEDIA_ROOT) not in str(files[0])


def test_a_document_that_is_not_pdf_jpeg_or_png_is_refused(auth_client, private_root):
    response = _submit_with_document(auth_client, content=b"MZ\x90\x00 not a pdf", name="x.pdf")

    assert_problem(response, 400, "kyc_document_type")
    assert not KycRecord.objects.exists()
    assert not private_root.exists() or not any(private_root.rglob("*.bin"))


def test_a_document_over_the_size_limit_is_refused(auth_client, private_root, settings):
    settings.KYC_DOCUMENT_MAX_BYTES = 1024

    response = _submit_with_document(auth_client, content=PDF + b"0" * 2048)

    assert_problem(response, 400, "kyc_document_too_large")


def test_a_document_is_served_only_to_permitted_staff_with_a_second_factor(auth_client, client_for, private_root):
    from django.contrib.auth.models import Group

    _submit_with_document(auth_client)
    document_id = auth_client.get("/api/kyc").json()["documents"][0]["id"]
    path = f"/api/staff/kyc/documents/{document_id}"
    officer = UserFactory(is_staff=True)
    officer.groups.add(Group.objects.get(name="compliance_officer"))
    clerk = UserFactory(is_staff=True)

    as_customer = auth_client.get(path)
    without_otp = client_for(officer, amr=("pwd",)).get(path)
    without_permission = client_for(clerk, amr=("pwd", "otp")).get(path)
    permitted = client_for(officer, amr=("pwd", "otp")).get(path, HTTP_ACCEPT="application/pdf")

    assert as_customer.status_code == without_otp.status_code == without_permission.status_code == 403
    assert permitted.status_code == 200
    assert permitted.content == PDF
    assert permitted["Content-Type"] == "application/pdf"
    assert permitted["Cache-Control"].startswith("no-store")
    from auditlog.models import LogEntry

    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_pk=document_id).count() == 1
