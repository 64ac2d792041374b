"""Retention of the legal-hold store: each class kept for its period from its start, then purged,
unless vetoed; the purge leaves counts (never contents) in the audit log."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from auditlog.models import LogEntry
from django.core.management import call_command
from django.utils import timezone

from accounts.services import erasure_request
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory, submit_kyc
from blockguardian import datarights
from blockguardian.legalhold import legal_hold_purge, legal_hold_retention_start, legal_hold_store
from blockguardian.models import LegalHoldRecord
from blockguardian.retention import RetentionClass, retention_describe

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 3)


def _held(record_class: str, starts_on: dt.date | None, subject_id: str = "900001") -> LegalHoldRecord:
    return legal_hold_store(
        subject_id=subject_id,
        source_app="compliance",
        record_class=record_class,
        description=f"{record_class} copy",
        payload={"secret": "Avery Jordan"},
        retention_starts_on=starts_on,
    )


def _purge_entries():
    return LogEntry.objects.filter(additional_data__event="retention_purge")


def test_a_customer_erased_three_years_ago_keeps_the_cip_record_until_five_years_after_closure():
    closed_at = timezone.now() - dt.timedelta(days=3 * 365)
    user = UserFactory()
    with time_machine.travel(closed_at, tick=False):
        submit_kyc(user)
        erasure_request(user=user, password=DEFAULT_PASSWORD)
    held = LegalHoldRecord.objects.get(subject_id=str(user.pk), record_class=RetentionClass.CIP)
    closed_on = held.retention_starts_on

    assert held.retain_until == closed_on.replace(year=closed_on.year + 5)
    assert legal_hold_purge(today=timezone.localdate()).total == 0
    assert legal_hold_purge(today=held.retain_until).total == 0  # its last day
    assert LegalHoldRecord.objects.filter(pk=held.pk).exists()

    result = legal_hold_purge(today=held.retain_until + dt.timedelta(days=1))

    assert result.purged == {"cip": 1}
    assert not LegalHoldRecord.objects.filter(pk=held.pk).exists()


@pytest.mark.parametrize(
    ("record_class", "years"),
    [(RetentionClass.SAR, 5), (RetentionClass.CTR, 5), (RetentionClass.OFAC, 10)],
)
def test_bsa_and_ofac_copies_are_kept_their_years_from_the_start_then_purged(record_class, years):
    filed_on = dt.date(2020, 3, 2)
    held = _held(record_class, filed_on)

    assert held.retain_until == dt.date(2020 + years, 3, 2)
    assert legal_hold_purge(today=dt.date(2020 + years, 3, 2)).total == 0
    assert legal_hold_purge(today=dt.date(2020 + years, 3, 3)).purged == {record_class: 1}


def test_a_sar_copy_outlives_the_cip_record_of_the_same_customer_only_by_its_own_dates():
    cip = _held(RetentionClass.CIP, dt.date(2021, 1, 4))
    ofac = _held(RetentionClass.OFAC, dt.date(2021, 1, 4))

    result = legal_hold_purge(today=dt.date(2026, 1, 5))

    assert result.purged == {"cip": 1}
    assert not LegalHoldRecord.objects.filter(pk=cip.pk).exists()
    assert LegalHoldRecord.objects.filter(pk=ofac.pk).exists()


def test_a_record_whose_retention_has_not_started_is_kept_until_it_starts():
    held = _held(RetentionClass.LOAN_DISCLOSURE, None)
    assert legal_hold_purge(today=dt.date(2099, 1, 1)).total == 0

    assert (
        legal_hold_retention_start(
            subject_id="900001", record_class=RetentionClass.LOAN_DISCLOSURE, starts_on=dt.date(2024, 6, 1)
        )
        == 1
    )
    held.refresh_from_db()
    assert held.retain_until == dt.date(2026, 6, 1)
    assert legal_hold_purge(today=dt.date(2026, 6, 2)).purged == {"loan_disclosure": 1}


def test_a_legal_order_on_the_record_vetoes_its_purge():
    held = _held(RetentionClass.SAR, dt.date(2015, 1, 1))
    LegalHoldRecord.objects.filter(pk=held.pk).update(hold_order="litigation hold 2026-17")

    result = legal_hold_purge(today=TODAY)

    assert result.total == 0 and result.vetoed == {"sar": 1}
    assert LegalHoldRecord.objects.filter(pk=held.pk).exists()


def test_an_open_matter_about_the_subject_vetoes_the_purge(monkeypatch):
    user = UserFactory()
    held = _held(RetentionClass.CIP, dt.date(2015, 1, 1), subject_id=str(user.pk))
    saved = dict(datarights._registry)
    datarights.register("test_open_case", veto=lambda u: "an open case" if u.pk == user.pk else None)
    try:
        result = legal_hold_purge(today=TODAY)
    finally:
        datarights._registry.clear()
        datarights._registry.update(saved)

    assert result.vetoed == {"cip": 1}
    assert LegalHoldRecord.objects.filter(pk=held.pk).exists()


def test_the_purge_writes_counts_per_class_to_the_audit_log_and_no_contents():
    _held(RetentionClass.SAR, dt.date(2015, 1, 1))
    _held(RetentionClass.SAR, dt.date(2015, 2, 1))
    _held(RetentionClass.CTR, dt.date(2015, 1, 1))

    legal_hold_purge(today=TODAY)

    entry = _purge_entries().get()
    assert entry.additional_data == {
        "event": "retention_purge",
        "as_of": "2026-12-03",
        "purged.ctr": 1,
        "purged.sar": 2,
    }
    assert "Avery" not in str(entry.changes) + str(entry.additional_data) + entry.object_repr


def test_a_dry_run_counts_and_purges_nothing():
    held = _held(RetentionClass.SAR, dt.date(2015, 1, 1))

    result = legal_hold_purge(today=TODAY, dry_run=True)

    assert result.purged == {"sar": 1} and result.dry_run
    assert LegalHoldRecord.objects.filter(pk=held.pk).exists()
    assert not _purge_entries().exists()


def test_purging_twice_purges_once():
    _held(RetentionClass.SAR, dt.date(2015, 1, 1))

    assert legal_hold_purge(today=TODAY).total == 1
    assert legal_hold_purge(today=TODAY).total == 0
    assert _purge_entries().count() == 1


def test_the_command_prints_counts_per_class():
    _held(RetentionClass.OFAC, dt.date(2010, 1, 1))
    out = StringIO()

    call_command("purge_retention", "--dry-run", "--today", "2026-12-03", stdout=out)

    assert "would purge 1 records" in out.getvalue() and "ofac: would purge 1" in out.getvalue()
    assert LegalHoldRecord.objects.count() == 1


def test_each_class_says_how_long_and_from_when():
    assert retention_describe(RetentionClass.CIP) == "5 years after the day the account closes"
    assert retention_describe(RetentionClass.SAR) == "5 years after the filing date"
    assert retention_describe(RetentionClass.CREDIT_APPLICATION) == "25 months after the decision date"
