"""The console: read-only lists, disposition actions through the services, 314(a) for the BSA
officer only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils.formats import date_format
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from compliance.models import Fincen314aMatch, OfacReport, ScreeningHit
from compliance.services import customer_screen, fincen314a_list_load

from . import factories
from .test_fincen314a import SAMPLE

pytestmark = pytest.mark.django_db


def _console(user) -> Client:
    """A browser session logged in with password and a confirmed second factor."""
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def open_hit(sanctions_list) -> ScreeningHit:
    user = factories.customer()
    factories.submit_kyc(user, first="Ivan", last="Tsertsel", date_of_birth=dt.date(1966, 9, 8))
    customer_screen(user=user, trigger="kyc_submitted")
    return ScreeningHit.objects.get(customer=user)


def test_the_officer_sees_hits_with_their_reasons(open_hit, compliance_officer):
    console = _console(compliance_officer)
    listing = console.get("/admin/compliance/screeninghit/")
    assert listing.status_code == 200 and b"TSERTSEL" in listing.content
    detail = console.get(f"/admin/compliance/screeninghit/{open_hit.pk}/change/")
    assert detail.status_code == 200 and b"dob_exact" in detail.content


def test_confirming_a_true_match_in_the_console_asks_for_a_reason_then_blocks(open_hit, compliance_officer):
    console = _console(compliance_officer)
    form = {"action": "confirm_true_match", "_selected_action": [open_hit.pk]}
    page = console.post("/admin/compliance/screeninghit/", form)
    assert page.status_code == 200 and b"blocking report" in page.content
    open_hit.refresh_from_db()
    assert open_hit.status == "open"  # nothing happens before the confirmation
    console.post("/admin/compliance/screeninghit/", {**form, "apply": "1", "reason": "Passport matches"})
    open_hit.refresh_from_db()
    open_hit.customer.refresh_from_db()
    assert open_hit.status == "true_match" and open_hit.customer.restriction == "blocked"
    report = OfacReport.objects.get(kind="blocking", customer=open_hit.customer)
    reports = console.get("/admin/compliance/ofacreport/")
    assert reports.status_code == 200 and date_format(report.due_date).encode() in reports.content


def test_records_cannot_be_added_changed_or_deleted_in_the_console(open_hit, compliance_officer):
    console = _console(compliance_officer)
    assert console.get("/admin/compliance/screeninghit/add/").status_code == 403
    response = console.post(f"/admin/compliance/screeninghit/{open_hit.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert ScreeningHit.objects.filter(pk=open_hit.pk).exists()


def test_314a_is_visible_to_the_bsa_officer_only(db, compliance_officer, bsa_officer):
    user = factories.customer()
    factories.submit_kyc(user, first="Desmond", last="Quarrington", date_of_birth=dt.date(1971, 4, 12))
    fincen314a_list_load(path=SAMPLE)
    match = Fincen314aMatch.objects.get()
    officer_console = _console(compliance_officer)
    assert officer_console.get("/admin/compliance/fincen314amatch/").status_code == 403
    assert officer_console.get(f"/admin/compliance/fincen314asubject/{match.subject_id}/change/").status_code == 403
    assert b"314(a)" not in officer_console.get("/admin/").content
    bsa_console = _console(bsa_officer)
    assert bsa_console.get("/admin/compliance/fincen314amatch/").status_code == 200
    assert b"314(a)" in bsa_console.get("/admin/").content
    form = {"action": "mark_reported", "_selected_action": [match.pk]}
    assert b"reported to FinCEN" in bsa_console.post("/admin/compliance/fincen314amatch/", form).content
    bsa_console.post("/admin/compliance/fincen314amatch/", {**form, "confirmed": "yes"})
    match.refresh_from_db()
    assert match.status == "reported"


def test_a_customer_reaches_no_compliance_page(open_hit):
    user = factories.customer()
    response = Client().get("/admin/compliance/screeninghit/")
    assert response.status_code == 302
    client = Client()
    client.force_login(user)
    assert client.get("/admin/compliance/screeninghit/").status_code == 302
