"""The home page is a dashboard of what each role works on."""

from __future__ import annotations

import pytest

from compliance.tests import factories as compliance_factories

from .builders import loan_under_review, structuring_alert

pytestmark = pytest.mark.django_db


def _panels(response) -> list[str]:
    return [panel.title for panel in response.context["dashboard_panels"]]


def test_a_compliance_officer_sees_alerts_cases_and_filings_not_loans(console):
    from compliance.models import Alert

    alert = structuring_alert(compliance_factories.customer())
    Alert.objects.filter(pk=alert.pk).update(status="open", case=None)  # not yet worked into a case

    response = console("compliance_officer").get("/admin/")

    assert response.status_code == 200
    titles = _panels(response)
    assert {"Open alerts by rule", "Cases by state and owner", "Filings due"} <= set(titles)
    assert "Loans under review" not in titles and "Fraud alerts today" not in titles
    html = response.content.decode()
    assert 'id="dashboard"' in html and "<svg" in html and "structuring" in html


def test_a_loan_officer_sees_the_review_queue_and_nothing_of_compliance(console):
    loan_under_review()

    response = console("loan_officer").get("/admin/")

    titles = _panels(response)
    assert "Loans under review" in titles
    assert not {"Open alerts by rule", "Filings due", "KYC reviews waiting"} & set(titles)
    queue = next(p for p in response.context["dashboard_panels"] if p.title == "Loans under review")
    assert ("Under review", 1) in [(label, value) for label, value, _ in queue.rows]


def test_sars_due_are_shown_to_the_sar_role_only(console):
    officer = compliance_factories.officer("compliance_officer")
    compliance_factories.sar_in_review(compliance_factories.kyc_customer(), officer)

    with_sar = console("compliance_officer").get("/admin/")
    screener = console("compliance_officer")
    screener.user.user_permissions.clear()
    from django.contrib.auth.models import Permission

    assert any("SARs" in label for p in with_sar.context["dashboard_panels"] for label, _, _ in p.rows)
    assert Permission.objects.filter(codename="handle_sar").exists()


def test_the_terrorist_financing_alarm_leads_the_dashboard(console):
    from compliance.services import case_flag_terrorist_financing

    officer = console("compliance_officer")
    case = compliance_factories.open_case(compliance_factories.customer())
    case_flag_terrorist_financing(case=case, acting_user=officer.user)

    response = officer.get("/admin/")

    first = response.context["dashboard_panels"][0]
    assert "notify law enforcement now" in first.alarm and 'role="alert"' in response.content.decode()


def test_a_risk_analyst_sees_fraud_alerts_today_and_model_drift(console):
    from fraud.tests.factories import FraudAlertFactory

    FraudAlertFactory(severity="block", decision__decision="block")

    response = console("risk_analyst").get("/admin/")

    titles = _panels(response)
    assert "Fraud alerts today" in titles and "Credit model drift" in titles
    fraud = next(p for p in response.context["dashboard_panels"] if p.title == "Fraud alerts today")
    assert ("Raised today: block", 1) in [(label, value) for label, value, _ in fraud.rows]
