"""Each role sees and does only what its permissions allow; no admin page without a confirmed
second factor; no bulk delete anywhere."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory

from accounts.tests.factories import StaffUserFactory
from compliance.models import Sar
from compliance.tests import factories as compliance_factories
from lending.models import Loan, LoanStatus

from .builders import loan_under_review

pytestmark = pytest.mark.django_db

PAGES = ["/admin/", "/admin/compliance/sar/", "/admin/lending/loan/", "/admin/fraud/fraudalert/"]


@pytest.mark.parametrize("url", PAGES)
def test_a_staff_user_without_a_confirmed_device_reaches_no_admin_page(url):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = StaffUserFactory(is_superuser=True)
    TOTPDevice.objects.create(user=user, name="phone", confirmed=False)
    client = Client()
    client.force_login(user)

    response = client.get(url)

    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_a_loan_officer_gets_403_on_the_sar_admin(console, compliance_officer):
    sar = compliance_factories.sar_in_review(compliance_factories.kyc_customer(), compliance_officer)
    loan_officer = console("loan_officer")

    assert loan_officer.get("/admin/compliance/sar/").status_code == 403
    assert loan_officer.get(f"/admin/compliance/sar/{sar.pk}/change/").status_code == 403
    assert loan_officer.get(f"/admin/compliance/sar/{sar.pk}/xml/").status_code == 403
    assert b"/admin/compliance/sar/" not in loan_officer.get("/admin/").content


def test_only_the_sar_permission_sees_sar_records(console, compliance_officer):
    compliance_factories.sar_in_review(compliance_factories.kyc_customer(), compliance_officer)

    assert console("operations").get("/admin/compliance/sar/").status_code == 403
    assert console("risk_analyst").get("/admin/compliance/sar/").status_code == 403
    listing = console("compliance_officer").get("/admin/compliance/sar/")
    assert listing.status_code == 200 and listing.context["cl"].result_count == 1


def test_a_risk_analyst_cannot_approve_a_loan():
    loan = loan_under_review()
    analyst = _console("risk_analyst")

    page = analyst.get("/admin/lending/loan/")
    analyst.post("/admin/lending/loan/", {"action": "approve", "_selected_action": [loan.pk]})

    assert 'value="approve"' not in page.content.decode()
    assert Loan.objects.get(pk=loan.pk).status == LoanStatus.UNDER_REVIEW


def test_a_loan_officer_approves_a_loan_under_review_with_terms():
    loan = loan_under_review()
    officer = _console("loan_officer")

    officer.post(
        "/admin/lending/loan/",
        {"action": "approve", "_selected_action": [loan.pk], "amount": "24000.00", "term_months": "48"},
    )

    loan.refresh_from_db()
    assert (loan.status, loan.offer_amount, loan.decided_by) == ("approved", 24000, officer.user)


def test_delete_selected_is_offered_by_no_model_admin():
    request = RequestFactory().get("/admin/")
    request.user = StaffUserFactory(is_superuser=True)

    offering = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if "delete_selected" in model_admin.get_actions(request)
    ]

    assert offering == []


def test_an_admin_action_is_logged_with_the_acting_user(console):
    from django.contrib.admin.models import LogEntry

    case = compliance_factories.open_case(compliance_factories.customer())
    officer = console("compliance_officer")

    officer.post("/admin/compliance/case/", {"action": "assign_to_me", "_selected_action": [case.pk]})

    case.refresh_from_db()
    assert case.assigned_to == officer.user
    entry = LogEntry.objects.get(object_id=str(case.pk), content_type__model="case")
    assert entry.user == officer.user and "assign_to_me" in entry.get_change_message()


def test_an_action_that_blocks_asks_first_and_does_nothing_until_confirmed(console):
    from fraud.models import FraudAlert
    from fraud.tests.factories import FraudAlertFactory

    alert = FraudAlertFactory()
    analyst = console("risk_analyst")
    form = {"action": "confirm_fraud", "_selected_action": [alert.pk]}

    page = analyst.post("/admin/fraud/fraudalert/", form)
    assert page.status_code == 200 and b"Yes, I'm sure" in page.content
    assert FraudAlert.objects.get(pk=alert.pk).state == "open"

    analyst.post("/admin/fraud/fraudalert/", {**form, "confirmed": "yes"})
    alert.refresh_from_db()
    assert (alert.state, alert.resolved_by) == ("confirmed_fraud", analyst.user)


def test_a_filing_waits_for_confirmation(console, bsa_officer, compliance_officer, settings, tmp_path):
    settings.FINCEN_FILING_DIR = tmp_path
    sar = compliance_factories.sar_in_review(compliance_factories.kyc_customer(), compliance_officer)
    from compliance.services import sar_approve

    sar_approve(sar=sar, acting_user=bsa_officer)
    approver = console("bsa_officer")
    form = {"action": "file", "_selected_action": [sar.pk]}

    approver.post("/admin/compliance/sar/", form)
    assert Sar.objects.get(pk=sar.pk).status == "approved"

    approver.post("/admin/compliance/sar/", {**form, "confirmed": "yes"})
    assert Sar.objects.get(pk=sar.pk).status == "filed"


def _console(*roles):
    from .conftest import console_for, staff

    return console_for(staff(*roles))


@pytest.fixture
def compliance_officer(db):
    return compliance_factories.officer("compliance_officer")


@pytest.fixture
def bsa_officer(db):
    return compliance_factories.officer("bsa_officer")
