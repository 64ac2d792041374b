"""The console for cases and SARs: SARs for the SAR role only, every view audited, four eyes."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry

from compliance.models import Sar

from . import factories
from .test_admin import _console

pytestmark = pytest.mark.django_db


@pytest.fixture
def sar(compliance_officer):
    return factories.sar_in_review(factories.kyc_customer(), compliance_officer)


def test_the_sar_console_is_for_the_sar_role_and_each_view_is_audited(sar, compliance_officer):
    screener = factories.officer("compliance_officer")
    screener.groups.clear()
    assert _console(screener).get(f"/admin/compliance/sar/{sar.pk}/change/").status_code in (302, 403)
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()
    response = _console(compliance_officer).get(f"/admin/compliance/sar/{sar.pk}/change/")
    assert response.status_code == 200
    entry = LogEntry.objects.get(action=LogEntry.Action.ACCESS)
    assert entry.object_pk == str(sar.pk) and entry.actor_id == compliance_officer.pk


def test_the_preparer_cannot_approve_in_the_console_and_a_second_officer_can(bsa_officer):
    sar = factories.sar_in_review(factories.kyc_customer(), bsa_officer)
    data = {"action": "approve", "_selected_action": [sar.pk]}
    response = _console(bsa_officer).post("/admin/compliance/sar/", data, follow=True)
    assert "second officer must approve" in response.content.decode()
    assert Sar.objects.get(pk=sar.pk).status == "in_review"
    _console(factories.officer("bsa_officer")).post("/admin/compliance/sar/", data)
    assert Sar.objects.get(pk=sar.pk).status == "approved"


def test_case_list_shows_the_terrorist_financing_alarm(compliance_officer):
    from compliance.services import case_flag_terrorist_financing

    case = factories.open_case(factories.customer())
    case_flag_terrorist_financing(case=case, acting_user=compliance_officer)
    response = _console(compliance_officer).get("/admin/compliance/case/")
    assert response.status_code == 200 and "notify law enforcement now" in response.content.decode()
