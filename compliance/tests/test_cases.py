"""Alerts and cases: grouping, assignment, notes, due dates and the state machines."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from compliance.errors import AlertStateError, CaseStateError, ComplianceInputInvalid
from compliance.models import Alert, Case
from compliance.services import (
    alert_dismiss,
    alert_raise,
    case_assign,
    case_flag_terrorist_financing,
    case_note_add,
    case_transition,
)

from . import factories

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    from accounts.services import token_pair_issue

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_issue(user=user, amr=('pwd', 'otp')).access}")
    return client


def test_a_customers_open_alerts_are_grouped_into_one_case():
    customer = factories.customer()
    case = factories.open_case(customer, alerts=3)
    assert Alert.objects.filter(case=case, status="in_case").count() == 3
    assert Case.objects.count() == 1 and case.status == "open"
    assert case.due_on > case.detected_on


def test_the_same_detection_is_recorded_once():
    customer = factories.customer()
    first = alert_raise(rule_name="r", rule_version="1", detection=factories.detection(customer, key="x"))
    again = alert_raise(rule_name="r", rule_version="2", detection=factories.detection(customer, key="x"))
    assert first is not None and again is None and Alert.objects.count() == 1


def test_a_shadow_alert_reaches_no_case():
    customer = factories.customer()
    alert = alert_raise(rule_name="r", rule_version="1", detection=factories.detection(customer), shadow=True)
    assert alert.shadow and alert.status == "open" and alert.case is None and not Case.objects.exists()


def test_case_moves_follow_the_state_machine_and_invalid_ones_are_409(compliance_officer):
    case = factories.open_case(factories.customer())
    client = _client(compliance_officer)
    url = f"/api/staff/cases/{case.pk}/transition"
    response = client.post(url, {"to": "sar_required"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "case_invalid_move"
    for state in ("investigating", "escalated", "sar_required"):
        response = client.post(url, {"to": state}, format="json")
        assert response.status_code == 200 and response.json()["status"] == state
    assert client.post(url, {"to": "closed_no_action", "reason": "x"}, format="json").status_code == 409


def test_closing_without_action_needs_a_reason(compliance_officer):
    case = factories.open_case(factories.customer())
    with pytest.raises(ComplianceInputInvalid):
        case_transition(case=case, to="closed_no_action", reason="", acting_user=compliance_officer)
    case = case_transition(case=case, to="closed_no_action", reason="Payroll cash", acting_user=compliance_officer)
    assert case.status == "closed_no_action" and case.closed_at is not None
    with pytest.raises(CaseStateError):
        case_transition(case=case, to="investigating", acting_user=compliance_officer)


def test_a_new_alert_after_a_case_closed_opens_a_new_case(compliance_officer):
    customer = factories.customer()
    case = factories.open_case(customer)
    case_transition(case=case, to="closed_no_action", reason="Explained", acting_user=compliance_officer)
    later = factories.open_case(customer, prefix="later")
    assert later.pk != case.pk and later.status == "open"


def test_assignment_notes_and_dismissal(compliance_officer):
    other = factories.officer("compliance_officer")
    customer = factories.customer()
    case = case_assign(case=factories.open_case(customer), assignee=other, acting_user=compliance_officer)
    assert case.assigned_to == other
    note = case_note_add(case=case, text="Called the branch", acting_user=other)
    assert note.author == other and case.notes.count() == 1
    lone = alert_raise(rule_name="r", rule_version="1", detection=factories.detection(customer, key="z"), shadow=True)
    alert = alert_dismiss(alert=lone, reason="Known payroll pattern", acting_user=compliance_officer)
    assert alert.status == "dismissed"
    with pytest.raises(AlertStateError):
        alert_dismiss(alert=alert, reason="again", acting_user=compliance_officer)


def test_a_terrorist_financing_flag_escalates_the_case_at_once(compliance_officer):
    case = factories.open_case(factories.customer())
    case = case_flag_terrorist_financing(case=case, acting_user=compliance_officer)
    assert case.terrorist_financing and case.status == "escalated"


def test_case_endpoints_are_for_compliance_staff_only(auth_client):
    case = factories.open_case(factories.customer())
    assert auth_client.post(f"/api/staff/cases/{case.pk}/transition", {"to": "investigating"}).status_code == 403
