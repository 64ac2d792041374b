"""SARs: drafted from a case marked sar_required, four eyes, deadlines, permission and audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from rest_framework.test import APIClient

from compliance.errors import SarFourEyes, SarInvalid, SarPermissionDenied, SarStateError
from compliance.models import Sar
from compliance.selectors import compliance_alarms, sar_list
from compliance.services import (
    case_transition,
    sar_approve,
    sar_close_no_filing,
    sar_draft_create,
    sar_record_access,
)
from compliance.services.sar import sar_due_on

from . import factories

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    from accounts.services import token_pair_issue

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_issue(user=user, amr=('pwd', 'otp')).access}")
    return client


@pytest.fixture
def customer(db):
    return factories.kyc_customer(first="Dana", last="Whitfield")


def test_a_draft_takes_subject_data_from_kyc_and_the_amount_dates_and_narrative_from_the_alerts(
    customer, compliance_officer
):
    case = factories.case_sar_required(customer, compliance_officer, alerts=2)
    sar = sar_draft_create(case=case, acting_user=compliance_officer, classifications=[(1, 114)])
    assert sar.status == "draft" and sar.prepared_by == compliance_officer
    assert sar.subject_data["last_name"] == "Whitfield" and sar.subject_data["from_kyc"] is True
    assert "identifier" not in sar.subject_data  # only the last four characters ever leave accounts
    assert sar.suspicious_amount == Decimal("19000.00")
    assert (sar.activity_start, sar.activity_end) == (factories.BUSINESS_DAY, factories.BUSINESS_DAY + dt.timedelta(3))
    assert sar.evidence == ["trading.transaction:1", "trading.transaction:2"]
    assert "Dana Whitfield" in sar.narrative and "trading.transaction:2" in sar.narrative
    assert "Structuring (subtype 114)" in sar.narrative
    assert sar.due_on == case.detected_on + dt.timedelta(days=30)


def test_a_sar_needs_a_case_marked_sar_required(customer, compliance_officer):
    case = factories.open_case(customer)
    with pytest.raises(SarStateError):
        sar_draft_create(case=case, acting_user=compliance_officer, classifications=[(1, 114)])


def test_classifications_come_from_the_schemas_lists(customer, compliance_officer):
    case = factories.case_sar_required(customer, compliance_officer)
    with pytest.raises(SarInvalid):
        sar_draft_create(case=case, acting_user=compliance_officer, classifications=[(1, 812)])
    with pytest.raises(SarInvalid):
        sar_draft_create(case=case, acting_user=compliance_officer, classifications=[(8, 812), (8, 812)])


def test_the_preparer_gets_403_approving_and_a_second_officer_can(customer, bsa_officer):
    from django.contrib.auth.models import Group

    second = factories.officer("bsa_officer")
    sar = factories.sar_in_review(customer, bsa_officer)
    url = f"/api/staff/sars/{sar.pk}/approve"
    response = _client(bsa_officer).post(url)
    assert response.status_code == 403 and response.json()["code"] == "sar_four_eyes"
    sar.refresh_from_db()
    assert sar.status == "in_review"
    response = _client(second).post(url)
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "approved" and response.json()["approved_by_id"] == str(second.pk)
    assert Group.objects.get(name="bsa_officer").permissions.filter(codename="approve_sar").exists()


def test_the_service_refuses_the_preparer_too(customer, bsa_officer):
    sar = factories.sar_in_review(customer, bsa_officer)
    with pytest.raises(SarFourEyes):
        sar_approve(sar=sar, acting_user=bsa_officer)


def test_a_compliance_officer_drafts_but_cannot_approve(customer, compliance_officer):
    other = factories.officer("compliance_officer")
    sar = factories.sar_in_review(customer, compliance_officer)
    response = _client(other).post(f"/api/staff/sars/{sar.pk}/approve")
    assert response.status_code == 403 and response.json()["code"] == "sar_permission_denied"


def test_sar_moves_follow_the_state_machine(customer, compliance_officer, bsa_officer):
    case = factories.case_sar_required(customer, compliance_officer)
    sar = sar_draft_create(case=case, acting_user=compliance_officer, classifications=[(1, 114)])
    with pytest.raises(SarStateError):
        sar_approve(sar=sar, acting_user=bsa_officer)  # a draft is not in review
    response = _client(bsa_officer).post(f"/api/staff/sars/{sar.pk}/submit")
    assert response.status_code == 200 and response.json()["status"] == "in_review"
    assert _client(bsa_officer).post(f"/api/staff/sars/{sar.pk}/submit").status_code == 409
    sar_approve(sar=sar, acting_user=bsa_officer)
    with pytest.raises(Exception, match="reason"):
        sar_close_no_filing(sar=sar, reason=" ", acting_user=bsa_officer)
    sar = sar_close_no_filing(sar=sar, reason="Activity explained by documents", acting_user=bsa_officer)
    assert sar.status == "closed_no_filing"
    with pytest.raises(SarStateError):
        sar_approve(sar=sar, acting_user=bsa_officer)


@pytest.mark.parametrize(
    ("institution", "suspect", "days"),
    [("broker_dealer", True, 30), ("broker_dealer", False, 60), ("bank", False, 60), ("msb", False, 30)],
)
def test_deadlines_follow_the_institution_type(settings, institution, suspect, days):
    settings.BSA_INSTITUTION_TYPE = institution
    detected = dt.date(2026, 3, 2)
    assert sar_due_on(detected_on=detected, suspect_identified=suspect) == detected + dt.timedelta(days=days)


def test_continuing_activity_is_due_120_days_after_the_previous_filing(customer, compliance_officer, bsa_officer):
    from django.utils import timezone

    previous = factories.sar_in_review(customer, compliance_officer)
    sar_approve(sar=previous, acting_user=bsa_officer)
    filed_at = timezone.now() - dt.timedelta(days=100)
    Sar.objects.filter(pk=previous.pk).update(status="filed", filed_at=filed_at, filing=_filing())
    previous.refresh_from_db()
    case = factories.case_sar_required(customer, compliance_officer, prefix="later")
    sar = sar_draft_create(case=case, acting_user=compliance_officer, classifications=[(1, 114)], continues=previous)
    assert sar.due_on == timezone.localtime(filed_at).date() + dt.timedelta(days=120)
    assert "continuing activity report" in sar.narrative


def _filing():
    from compliance.models import Filing

    return Filing.objects.create(
        kind="sar", file_path="/dev/null", file_sha256="0" * 64, activity_count=1, party_count=1, total_amount=1
    )


def test_terrorist_financing_raises_the_immediate_alarm(customer, compliance_officer):
    case = factories.case_sar_required(customer, compliance_officer)
    assert compliance_alarms() == []
    sar = sar_draft_create(case=case, acting_user=compliance_officer, classifications=[(7, 701)])
    assert sar.terrorist_financing
    assert compliance_alarms() == [f"Case {case.pk}: terrorist financing — notify law enforcement now"]


def test_sar_records_need_the_sar_permission_and_every_view_is_audited(customer, compliance_officer):
    sar = factories.sar_in_review(customer, compliance_officer)
    screener = factories.officer("compliance_officer")
    screener.groups.clear()
    screener.user_permissions.add(*_perm("screen_sanctions"))
    assert _client(screener).get(f"/api/staff/sars/{sar.pk}").status_code == 403
    assert not sar_list(user=screener).exists()
    with pytest.raises(SarPermissionDenied):
        sar_record_access(sar=sar, user=screener)
    response = _client(compliance_officer).get(f"/api/staff/sars/{sar.pk}")
    assert response.status_code == 200 and response.json()["id"] == sar.pk
    access = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Sar), object_pk=str(sar.pk), action=LogEntry.Action.ACCESS
    )
    assert access.count() == 1 and access.get().actor_id == compliance_officer.pk
    assert "Whitfield" not in str(list(LogEntry.objects.values_list("changes", "object_repr")))


def test_customers_never_reach_sar_endpoints(customer, compliance_officer, auth_client):
    sar = factories.sar_in_review(customer, compliance_officer)
    assert auth_client.get(f"/api/staff/sars/{sar.pk}").status_code == 403


def _perm(codename):
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(content_type__app_label="compliance", codename=codename)


def test_an_open_case_or_sar_vetoes_erasure(customer, compliance_officer, bsa_officer):
    from blockguardian import datarights

    case = factories.open_case(customer)
    assert "compliance: an open case" in datarights.vetoes_for(customer)
    for state in ("investigating", "escalated", "sar_required"):
        case_transition(case=case, to=state, acting_user=compliance_officer)
    sar = sar_draft_create(case=case, acting_user=compliance_officer, classifications=[(1, 114)])
    assert "compliance: a SAR not yet filed" in datarights.vetoes_for(customer)
    Sar.objects.filter(pk=sar.pk).update(status="closed_no_filing", closing_reason="explained")
    case_transition(case=case, to="closed_sar_filed", acting_user=compliance_officer)
    assert not [v for v in datarights.vetoes_for(customer) if v.startswith("compliance")]


def test_erasure_moves_sar_subject_data_to_legal_hold(customer, compliance_officer, bsa_officer):
    from blockguardian.models import LegalHoldRecord
    from compliance.services.erasure import customer_erase

    sar = factories.sar_in_review(customer, compliance_officer)
    sar_approve(sar=sar, acting_user=bsa_officer)
    Sar.objects.filter(pk=sar.pk).update(status="filed", filed_at=sar.prepared_at, filing=_filing())
    customer_erase(customer)
    sar.refresh_from_db()
    assert sar.subject_data == {"erased": True}
    held = LegalHoldRecord.objects.get(source_app="compliance", record_class="sar")
    assert "Whitfield" not in held.payload_encrypted
