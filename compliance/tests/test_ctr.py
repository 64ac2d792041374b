"""CTR records: drafts from plain values, more than the threshold, one per person-day-direction."""

from __future__ import annotations

import datetime as dt

import pytest

from compliance.errors import CtrInvalid, CtrStateError
from compliance.models import Ctr
from compliance.services import ctr_approve, ctr_draft_create

from . import factories

pytestmark = pytest.mark.django_db
DAY = factories.BUSINESS_DAY


def test_exactly_the_threshold_is_no_ctr_and_a_cent_more_is_one():
    customer = factories.customer()
    with pytest.raises(CtrInvalid):
        ctr_draft_create(
            subject_id=customer.pk,
            business_date=DAY,
            direction="cash_in",
            transactions=factories.cash_transactions("10000.00"),
        )
    ctr = ctr_draft_create(
        subject_id=customer.pk,
        business_date=DAY,
        direction="cash_in",
        transactions=factories.cash_transactions("10000.01"),
    )
    assert ctr.status == "draft" and str(ctr.total_amount) == "10000.01"


def test_due_fifteen_days_after_the_earliest_transaction():
    customer = factories.customer()
    saturday = DAY - dt.timedelta(days=2)
    ctr = ctr_draft_create(
        subject_id=customer.pk,
        business_date=DAY,
        direction="cash_in",
        transactions=factories.cash_transactions("6000.00", on=saturday)
        + factories.cash_transactions("5000.00", start=5),
    )
    assert ctr.due_on == saturday + dt.timedelta(days=15)


def test_re_running_the_day_refreshes_the_draft_and_never_makes_a_second_ctr():
    customer = factories.customer()
    args = {"subject_id": customer.pk, "business_date": DAY, "direction": "cash_in"}
    first = ctr_draft_create(**args, transactions=factories.cash_transactions("6000.00", "5000.00"))
    again = ctr_draft_create(**args, transactions=factories.cash_transactions("6000.00", "5000.00", "900.00"))
    assert again.pk == first.pk and Ctr.objects.count() == 1 and str(again.total_amount) == "11900.00"
    out = ctr_draft_create(**{**args, "direction": "cash_out"}, transactions=factories.cash_transactions("10500.00"))
    assert out.pk != first.pk


def test_an_approved_ctr_is_not_silently_changed(bsa_officer):
    customer = factories.customer()
    args = {"subject_id": customer.pk, "business_date": DAY, "direction": "cash_in"}
    ctr = ctr_approve(
        ctr=ctr_draft_create(**args, transactions=factories.cash_transactions("11000.00")), acting_user=bsa_officer
    )
    assert ctr_draft_create(**args, transactions=factories.cash_transactions("11000.00")).pk == ctr.pk
    with pytest.raises(CtrStateError):
        ctr_draft_create(**args, transactions=factories.cash_transactions("11000.00", "50.00"))
    with pytest.raises(CtrStateError):
        ctr_approve(ctr=ctr, acting_user=bsa_officer)


def test_conductor_identification_numbers_are_kept_encrypted():
    customer = factories.customer()
    ctr = ctr_draft_create(
        subject_id=customer.pk,
        business_date=DAY,
        direction="cash_in",
        transactions=factories.cash_transactions("12000.00"),
        conductors=[{"first_name": "Lee", "last_name": "Runner", "id_type": "passport", "id_number": "X9876543"}],
    )
    stored = ctr.conductors[0]
    assert stored["id_number_last4"] == "6543" and "X9876543" not in str(ctr.conductors)


def test_bad_input_is_refused():
    customer = factories.customer()
    base = {"subject_id": customer.pk, "business_date": DAY, "direction": "cash_in"}
    for transactions in ([], [{"reference": "nope", "amount": "11000"}], [{"reference": "a.b:1", "amount": "-11000"}]):
        with pytest.raises(CtrInvalid):
            ctr_draft_create(**base, transactions=transactions)
    with pytest.raises(CtrInvalid):
        ctr_draft_create(**{**base, "direction": "sideways"}, transactions=factories.cash_transactions("11000.00"))


def test_compliance_report_prints_and_writes_csv(tmp_path, capsys, compliance_officer):
    from django.core.management import call_command
    from django.utils import timezone

    factories.open_case(factories.customer(), alerts=2)
    month = timezone.localdate().strftime("%Y-%m")
    call_command("compliance_report", "--month", month, "--output", str(tmp_path / "r.csv"))
    out = capsys.readouterr().out
    assert "alerts by rule" in out and "test_rule" in out
    rows = (tmp_path / "r.csv").read_text().splitlines()
    assert rows[0] == "section,item,value" and "alerts by rule,test_rule,2" in rows
    assert any(r.startswith("time to disposition,median days") for r in rows)
