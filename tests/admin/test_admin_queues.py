"""The queues' pages and actions: SAR checks in plain words, audited XML downloads, the case page's
customer timeline, CTR batches."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry

from compliance.admin import plain_words
from compliance.models import Ctr, Filing
from compliance.tests import factories as compliance_factories

from .builders import structuring_case

pytestmark = pytest.mark.django_db


def test_schema_errors_read_in_plain_words():
    error = (
        "line 40: Element '{www.fincen.gov/base}RawIndividualLastName': [facet 'minLength'] "
        "The value has a length of '0'; this underruns the allowed minimum length of '1'."
    )

    assert plain_words(error) == "The raw individual last name is empty: fill it in."


def test_the_case_page_shows_the_customer_timeline_and_the_evidence(console):
    case = structuring_case()

    response = console("compliance_officer").get(f"/admin/compliance/case/{case.pk}/change/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "customer timeline" in html.lower() and "structuring v1" in html
    assert "/admin/trading/transaction/1/change/" in html  # the evidence, linked


def test_a_sar_xml_download_is_audited_and_refused_without_the_sar_role(console, settings, tmp_path):
    from compliance.services import filing_write, sar_approve

    settings.FINCEN_FILING_DIR = tmp_path
    preparer = compliance_factories.officer("compliance_officer")
    sar = compliance_factories.sar_in_review(compliance_factories.kyc_customer(), preparer)
    approver = console("bsa_officer")
    sar_approve(sar=sar, acting_user=approver.user)
    filing_write(kind="sar", record_ids=[sar.pk], acting_user=approver.user)

    assert console("operations").get(f"/admin/compliance/sar/{sar.pk}/xml/").status_code == 403
    response = approver.get(f"/admin/compliance/sar/{sar.pk}/xml/")

    assert response.status_code == 200 and response.content.startswith(b"<?xml")
    entry = LogEntry.objects.get(object_pk=str(sar.pk), action=LogEntry.Action.ACCESS, changes__icontains="download")
    assert entry.actor == approver.user


def test_approved_ctrs_are_filed_in_one_batch_after_confirmation(console, settings, tmp_path):
    from compliance.services import ctr_approve, ctr_draft_create

    settings.FINCEN_FILING_DIR = tmp_path
    customer = compliance_factories.kyc_customer()
    ctr = ctr_draft_create(
        subject_id=customer.pk,
        business_date=compliance_factories.BUSINESS_DAY,
        direction="cash_in",
        transactions=compliance_factories.cash_transactions("6000.00", "5000.00"),
        conductors=[{"customer_id": str(customer.pk)}],
    )
    officer = console("bsa_officer")
    ctr_approve(ctr=ctr, acting_user=officer.user)
    form = {"action": "generate_batch", "_selected_action": [ctr.pk]}

    officer.post("/admin/compliance/ctr/", form)
    assert Ctr.objects.get(pk=ctr.pk).status == "approved"
    officer.post("/admin/compliance/ctr/", {**form, "confirmed": "yes"})

    ctr.refresh_from_db()
    assert ctr.status == "filed" and Filing.objects.get(kind="ctr").ctrs.get() == ctr


def test_a_draft_sars_narrative_is_edited_on_its_page_and_a_sar_in_review_is_read_only(console):
    from compliance.models import Sar
    from compliance.services import sar_draft_create

    client = console("bsa_officer")
    in_review = compliance_factories.sar_in_review(compliance_factories.kyc_customer(), client.user)
    case = compliance_factories.case_sar_required(compliance_factories.kyc_customer(), client.user, prefix="d")
    draft = sar_draft_create(case=case, acting_user=client.user, classifications=[(1, 114)])

    saved = client.post(f"/admin/compliance/sar/{draft.pk}/change/", {"narrative": "  Cash kept under $10,000.  "})
    refused = client.post(f"/admin/compliance/sar/{draft.pk}/change/", {"narrative": "   "})

    assert saved.status_code == 302 and refused.status_code == 200
    assert Sar.objects.get(pk=draft.pk).narrative == "Cash kept under $10,000."
    assert client.post(f"/admin/compliance/sar/{in_review.pk}/change/", {"narrative": "x"}).status_code == 403
