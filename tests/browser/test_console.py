"""The console in a real browser: officers sign in with password and TOTP and work their queues.

A compliance officer works a structuring alert into a case, marks it SAR-required and drafts the
SAR; a second officer approves and files it and downloads XML that validates against FinCEN's
schema; a loan officer approves a loan under review; a risk analyst confirms a fraud alert."""

from __future__ import annotations

import urllib.request

import pytest
from django.contrib.auth.models import Group
from django_otp.oath import TOTP

from accounts.services import mfa_setup_totp
from accounts.tests.factories import StaffUserFactory
from tests.admin.builders import loan_under_review, structuring_alert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Correct-horse-battery-9"


def _officer(role: str):
    user = StaffUserFactory()
    user.set_password(PASSWORD)
    user.save()
    user.groups.add(Group.objects.get(name=role))
    device = mfa_setup_totp(user=user).device
    device.confirmed = True
    device.save()
    return user, device


def _click_through(driver, element) -> None:
    """Click something that submits or follows a link, and wait for the next page to load.

    Selenium's click returns as soon as the event is dispatched; reading the page at once can
    find the old one (a stale element) or the database before the request was handled."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    page = driver.find_element(By.TAG_NAME, "html")
    element.click()
    wait = WebDriverWait(driver, 20)
    wait.until(expected_conditions.staleness_of(page))
    wait.until(lambda d: d.execute_script("return document.readyState") == "complete")


def _sign_in(driver, live_server, user, device) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver.delete_all_cookies()
    driver.get(f"{live_server.url}/admin/login/?next=/admin/")
    # First the password: the form then offers the user's devices; then the device and its code.
    for step in ("password", "device"):
        username = driver.find_element(By.NAME, "username")
        username.clear()
        username.send_keys(user.email)
        password = driver.find_element(By.NAME, "password")
        password.clear()
        password.send_keys(PASSWORD)
        if step == "device":
            Select(driver.find_element(By.NAME, "otp_device")).select_by_value(device.persistent_id)
            token = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
            driver.find_element(By.NAME, "otp_token").send_keys(f"{token:0{device.digits}d}")
        _click_through(driver, driver.find_element(By.CSS_SELECTOR, "input[type=submit]"))
    assert "/admin/login/" not in driver.current_url, driver.page_source[:3000]


def _act(driver, live_server, changelist: str, pk, action: str, fields: dict | None = None) -> None:
    """Tick one row of a changelist, choose an action (and its form fields) and press Go."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver.get(f"{live_server.url}{changelist}")
    driver.find_element(By.CSS_SELECTOR, f"input[name=_selected_action][value='{pk}']").click()
    Select(driver.find_element(By.NAME, "action")).select_by_value(action)
    for name, value in (fields or {}).items():
        field = driver.find_element(By.NAME, name)
        field.clear()
        field.send_keys(value)
    _click_through(driver, driver.find_element(By.CSS_SELECTOR, "button[name=index]"))


def _messages(driver) -> str:
    from selenium.webdriver.common.by import By

    return " | ".join(e.text for e in driver.find_elements(By.CSS_SELECTOR, "ul.messagelist li"))


def test_officers_work_an_alert_to_a_filed_sar(browser, live_server, artefacts, settings, tmp_path):
    from auditlog.models import LogEntry
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from compliance.models import Case, Sar
    from compliance.services.fincen_xml import batch_errors
    from compliance.tests.factories import kyc_customer

    settings.FINCEN_FILING_DIR = tmp_path
    preparer, preparer_device = _officer("compliance_officer")
    approver, approver_device = _officer("bsa_officer")
    alert = structuring_alert(kyc_customer())
    case = alert.case

    # The compliance officer: the dashboard, the alert, its case, the SAR draft.
    _sign_in(browser, live_server, preparer, preparer_device)
    (artefacts / "dashboard.html").write_text(browser.page_source)
    dashboard = browser.find_element(By.ID, "dashboard")
    assert "Open alerts by rule" in dashboard.text or "Alerts being worked" in dashboard.text
    assert "Loans under review" not in dashboard.text
    assert browser.find_elements(By.CSS_SELECTOR, "#dashboard svg.bg-chart")
    browser.save_screenshot(str(artefacts / "dashboard.png"))

    browser.get(f"{live_server.url}/admin/compliance/alert/?rule_name=structuring")
    _click_through(browser, browser.find_element(By.LINK_TEXT, str(alert.pk)))
    _click_through(browser, browser.find_element(By.LINK_TEXT, f"case {case.pk}"))
    assert "customer timeline" in browser.page_source.lower()

    for action in ("assign_to_me", "start_investigation", "escalate", "mark_sar_required"):
        _act(browser, live_server, "/admin/compliance/case/", case.pk, action)
        assert "moved" in _messages(browser) or "assigned" in _messages(browser), _messages(browser)
    assert Case.objects.get(pk=case.pk).status == "sar_required"

    _act(browser, live_server, "/admin/compliance/case/", case.pk, "draft_sar")
    Select(browser.find_element(By.NAME, "classifications")).select_by_value("1:114")
    _click_through(browser, browser.find_element(By.NAME, "apply"))
    assert "Drafted" in _messages(browser), _messages(browser)
    sar = Sar.objects.get(case=case)
    browser.get(f"{live_server.url}/admin/compliance/case/{case.pk}/change/")
    browser.save_screenshot(str(artefacts / "case.png"))

    browser.get(f"{live_server.url}/admin/compliance/sar/{sar.pk}/change/")
    assert "FinCEN checks" in browser.page_source
    _act(browser, live_server, "/admin/compliance/sar/", sar.pk, "submit_for_review")
    assert Sar.objects.get(pk=sar.pk).status == "in_review"

    # A second officer approves, files (after confirming) and downloads the XML.
    _sign_in(browser, live_server, approver, approver_device)
    _act(browser, live_server, "/admin/compliance/sar/", sar.pk, "approve")
    assert Sar.objects.get(pk=sar.pk).status == "approved", _messages(browser)
    _act(browser, live_server, "/admin/compliance/sar/", sar.pk, "file")
    _click_through(browser, browser.find_element(By.ID, "confirm-yes"))
    assert Sar.objects.get(pk=sar.pk).status == "filed", _messages(browser)

    browser.get(f"{live_server.url}/admin/compliance/sar/{sar.pk}/change/")
    href = browser.find_element(By.ID, "sar-xml-download").get_attribute("href")
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in browser.get_cookies())
    request = urllib.request.Request(href, headers={"Cookie": cookies})  # noqa: S310 - the live server
    with urllib.request.urlopen(request) as response:  # noqa: S310 - the live test server
        document = response.read()
    assert batch_errors(document, "sar") == []
    assert LogEntry.objects.filter(
        object_pk=str(sar.pk), action=LogEntry.Action.ACCESS, actor=approver, changes__icontains="download"
    ).exists()


def test_a_loan_officer_approves_a_loan_under_review(browser, live_server):
    from lending.models import Loan

    loan = loan_under_review()
    officer, device = _officer("loan_officer")

    _sign_in(browser, live_server, officer, device)
    _act(browser, live_server, "/admin/lending/loan/?queue=review", loan.pk, "approve", {"term_months": "48"})

    loan = Loan.objects.get(pk=loan.pk)
    assert (loan.status, loan.offer_term_months, loan.decided_by_id) == ("approved", 48, officer.pk), _messages(browser)


def test_a_risk_analyst_confirms_a_fraud_alert(browser, live_server):
    from selenium.webdriver.common.by import By

    from fraud.models import FraudAlert
    from fraud.tests.factories import FraudAlertFactory

    alert = FraudAlertFactory()
    analyst, device = _officer("risk_analyst")

    _sign_in(browser, live_server, analyst, device)
    assert "Fraud alerts today" in browser.find_element(By.ID, "dashboard").text
    _act(browser, live_server, "/admin/fraud/fraudalert/", alert.pk, "confirm_fraud")
    assert FraudAlert.objects.get(pk=alert.pk).state == "open"
    _click_through(browser, browser.find_element(By.ID, "confirm-yes"))

    alert = FraudAlert.objects.get(pk=alert.pk)
    assert (alert.state, alert.resolved_by_id) == ("confirmed_fraud", analyst.pk)
