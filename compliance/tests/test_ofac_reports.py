"""OFAC reports: blocking, rejected transaction, annual report of blocked property; the command."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from compliance.models import OfacReport, SanctionsEntry, ScreeningHit
from compliance.services import (
    customer_screen,
    hit_disposition_record,
    ofac_annual_report_prepare,
    ofac_rejected_transaction_report_create,
    ofac_report_mark_filed,
)

from . import factories

pytestmark = pytest.mark.django_db


def _blocked_customer(officer, day: dt.datetime):
    user = factories.customer()
    factories.submit_kyc(user, first="Ivan", last="Tsertsel", date_of_birth=dt.date(1966, 9, 8))
    with time_machine.travel(day, tick=False):
        customer_screen(user=user, trigger="kyc_submitted")
        hit = ScreeningHit.objects.get(customer=user)
        hit_disposition_record(hit=hit, decision="true_match", reason="Confirmed", acting_user=officer)
    return user


def test_annual_report_lists_property_blocked_by_30_june_and_is_due_30_september(sanctions_list, compliance_officer):
    before = _blocked_customer(compliance_officer, dt.datetime(2027, 3, 10, 15, tzinfo=dt.UTC))
    _blocked_customer(compliance_officer, dt.datetime(2027, 7, 12, 15, tzinfo=dt.UTC))  # after the as-of date
    report = ofac_annual_report_prepare(year=2027)
    assert report.kind == OfacReport.Kind.ANNUAL_BLOCKED_PROPERTY
    assert (report.event_date, report.due_date) == (dt.date(2027, 6, 30), dt.date(2027, 9, 30))
    assert report.retain_until == dt.date(2037, 6, 30)
    assert [item["customer"] for item in report.payload["blocked_items"]] == [str(before.pk)]
    # Preparing it again refreshes the draft rather than adding a second report.
    assert ofac_annual_report_prepare(year=2027).pk == report.pk
    assert OfacReport.objects.filter(kind=OfacReport.Kind.ANNUAL_BLOCKED_PROPERTY).count() == 1


def test_a_rejected_transaction_report_is_made_once_per_transaction(sanctions_list):
    entry = SanctionsEntry.objects.get(ent_num=factories.BANCO_NACIONAL)
    with time_machine.travel(dt.datetime(2026, 12, 23, 15, tzinfo=dt.UTC), tick=False):
        first = ofac_rejected_transaction_report_create(
            transaction_reference="trading.transfer:981",
            description="Wire to a listed bank refused",
            entry=entry,
            amount=Decimal("1250.00"),
        )
    again = ofac_rejected_transaction_report_create(
        transaction_reference="trading.transfer:981", description="again", entry=entry
    )
    assert first.pk == again.pk
    # 23 Dec 2026 + 10 business days, Christmas and New Year's Day skipped.
    assert first.due_date == dt.date(2027, 1, 8)
    assert first.payload["amount"] == "1250.00"


def test_ofac_report_command_lists_writes_and_records_the_filing(sanctions_list, compliance_officer, tmp_path):
    user = _blocked_customer(compliance_officer, dt.datetime(2026, 11, 20, 15, tzinfo=dt.UTC))
    report = OfacReport.objects.get(kind=OfacReport.Kind.BLOCKING)
    out = StringIO()
    with time_machine.travel(dt.datetime(2026, 12, 1, 15, tzinfo=dt.UTC), tick=False):
        call_command("ofac_report", "--due", stdout=out)
    assert f"{report.pk}" in out.getvalue() and "due 2026-12-07" in out.getvalue()

    target = tmp_path / "blocking.json"
    call_command("ofac_report", "--write", str(report.pk), "--output", str(target), stdout=out)
    document = json.loads(target.read_text())
    assert document["kind"] == "blocking" and document["due_date"] == "2026-12-07"
    assert document["party"]["name"] == "Ivan Tsertsel" and document["party"]["customer"] == str(user.pk)
    assert document["details"]["entry"]["ent_num"] == factories.TSERTSEL
    report.refresh_from_db()
    assert len(report.document_sha256) == 64

    call_command(
        "ofac_report", "--filed", str(report.pk), "--by", compliance_officer.email, "--reference", "OFAC-1", stdout=out
    )
    report.refresh_from_db()
    assert report.status == "filed" and report.filed_by == compliance_officer
    from blockguardian.errors import ApplicationError

    with pytest.raises(ApplicationError):
        ofac_report_mark_filed(report=report, acting_user=compliance_officer)

    annual = tmp_path / "annual.json"
    call_command("ofac_report", "--annual", "2027", "--output", str(annual), stdout=out)
    assert json.loads(annual.read_text())["details"]["count"] == 1
