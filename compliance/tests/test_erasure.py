"""Data rights: compliance vetoes an erasure while it must; otherwise it keeps its records in the
legal-hold store and masks them."""

from __future__ import annotations

import datetime as dt

import pytest

from blockguardian import datarights
from blockguardian.models import LegalHoldRecord
from compliance.models import ScreeningHit, ScreeningRun
from compliance.services import customer_screen, hit_disposition_record
from compliance.services.erasure import customer_erase

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def screened(sanctions_list):
    user = factories.customer()
    factories.submit_kyc(user, first="Ivan", last="Tsertsel", date_of_birth=dt.date(1980, 2, 3))
    customer_screen(user=user, trigger="kyc_submitted")
    return user


def test_an_open_review_vetoes_erasure_and_a_confirmed_match_keeps_vetoing(screened, compliance_officer):
    assert "compliance: an open sanctions review" in datarights.vetoes_for(screened)
    hit = ScreeningHit.objects.get(customer=screened)
    hit_disposition_record(hit=hit, decision="true_match", reason="Confirmed", acting_user=compliance_officer)
    assert "compliance: blocked property (confirmed sanctions match)" in datarights.vetoes_for(screened)


def test_a_cleared_customer_may_be_erased_and_the_record_moves_to_legal_hold(screened, compliance_officer):
    hit = ScreeningHit.objects.get(customer=screened)
    hit_disposition_record(
        hit=hit, decision="false_positive", reason="Different person", acting_user=compliance_officer
    )
    assert not [r for r in datarights.vetoes_for(screened) if r.startswith("compliance")]
    customer_erase(screened)
    run = ScreeningRun.objects.get(customer=screened)
    assert run.query == {"erased": True}
    hit.refresh_from_db()
    assert "TSERTSEL" in hit.matched_name  # the listed name is not the customer's data
    assert all(reason["detail"] == "(erased)" for reason in hit.reasons)
    held = LegalHoldRecord.objects.get(source_app="compliance", subject_id=str(screened.pk))
    assert held.record_class == "ofac" and "IVAN" not in held.payload_encrypted
    assert "compliance" not in datarights.export_for(screened)
