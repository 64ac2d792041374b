"""Export, erasure and its veto; the daily servicing task is idempotent."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from blockguardian import datarights
from blockguardian.models import LegalHoldRecord
from lending import services, tasks
from lending.models import LateFee, Loan, LoanEvent
from lending.tests.factories import application, at, funded_portfolio

pytestmark = pytest.mark.django_db


def test_export_veto_and_erasure(product, customer):
    portfolio = funded_portfolio(customer)
    loan = services.loan_apply(user=customer, data=application(product, portfolio))
    exported = datarights.export_for(customer)["lending"]
    assert exported["loans"][0]["id"] == loan.pk and exported["loans"][0]["purpose"] == "furniture"

    disclosure = services.loan_disclosure_current(loan=loan)
    services.loan_accept(loan=loan, user=customer, disclosure_id=disclosure.pk)
    services.loan_disburse(loan=loan)
    from lending.datarights import erase_lending, veto_erasure

    assert veto_erasure(customer) == "a loan is outstanding"
    erase_lending(customer)
    loan.refresh_from_db()
    assert loan.purpose == "" and loan.application == {}
    assert LegalHoldRecord.objects.filter(source_app="lending").count() == 1


def test_the_daily_task_is_idempotent(product, customer):
    portfolio = funded_portfolio(customer)
    start = dt.date(2026, 1, 15)
    with time_machine.travel(at(start, 10), tick=False):
        loan = services.loan_apply(user=customer, data=application(product, portfolio))
        disclosure = services.loan_disclosure_current(loan=loan)
        services.loan_accept(loan=loan, user=customer, disclosure_id=disclosure.pk)
        services.loan_disburse(loan=loan)
    day = dt.date(2026, 3, 1)
    with time_machine.travel(at(day, 6), tick=False):
        tasks.service_loans_daily(on=day.isoformat())
        events = LoanEvent.objects.filter(loan=loan).count()
        tasks.service_loans_daily(on=day.isoformat())
    assert LateFee.objects.filter(loan=loan).count() == 1
    assert LoanEvent.objects.filter(loan=loan).count() == events
    assert Loan.objects.get(pk=loan.pk).status == "delinquent"
