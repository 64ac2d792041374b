"""The whole life of one loan, on PostgreSQL: apply, approve, accept, disburse, three repayments, a
missed installment (late fee, delinquent), the catch-up (active again, no pyramided fee), a
prepayment that recomputes the schedule, and payoff; the ledger is clean after every step."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from credit.models import CreditEvent
from lending import services
from lending.models import Installment, LateFee, Loan, LoanStatus
from lending.tests.factories import application, at, funded_portfolio
from portfolios.selectors import cash_balances
from portfolios.verification import ledger_problems

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

START = dt.date(2026, 1, 15)


def _clean():
    assert ledger_problems() == []


def _pay(loan, portfolio, amount, day):
    with time_machine.travel(at(day), tick=False):
        return services.loan_repay(loan=loan, user=loan.user, amount=amount, portfolio_id=portfolio.pk)


def _due(loan, day):
    with time_machine.travel(at(day), tick=False):
        return services.amount_due(loan=loan, on=day)


def _service(day):
    with time_machine.travel(at(day, 6), tick=False):
        services.loans_service_daily(on=day)


def test_full_life_of_a_loan(product, customer):
    portfolio = funded_portfolio(customer, "2000.00")
    with time_machine.travel(at(START, 10), tick=False):
        loan = services.loan_apply(user=customer, data=application(product, portfolio))
        assert loan.status == LoanStatus.APPROVED
        assert loan.offer_amount == Decimal("6000.00") and loan.origination_fee == Decimal("120.00")
        disclosure = services.loan_disclosure_current(loan=loan)
        loan = services.loan_accept(loan=loan, user=customer, disclosure_id=disclosure.pk)
        loan = services.loan_disburse(loan=loan)

    loan.refresh_from_db()
    assert loan.status == LoanStatus.ACTIVE and loan.principal_balance == Decimal("6000.00")
    assert cash_balances(portfolio=portfolio).available == Decimal("7880.00")  # 2000 + 6000 - 120 fee
    rows = list(Installment.objects.filter(loan=loan).order_by("number"))
    assert [r.due_date for r in rows[:2]] == [dt.date(2026, 2, 15), dt.date(2026, 3, 15)]
    assert sum(r.principal for r in rows) == Decimal("6000.00")
    assert disclosure.content["payment_schedule"][0]["payment"] == str(rows[0].amount_due)
    _clean()

    # Three installments paid on their due dates.
    for row in rows[:3]:
        assert _due(loan, row.due_date) == row.amount_due
        _pay(loan, portfolio, row.amount_due, row.due_date)
        _clean()
    loan.refresh_from_db()
    assert loan.status == LoanStatus.ACTIVE
    assert loan.principal_balance == Decimal("6000.00") - sum(r.principal for r in rows[:3])

    # The fourth is missed: after the grace period, a late fee and a delinquent loan.
    fourth = rows[3]
    _service(fourth.due_date + dt.timedelta(days=5))
    assert LateFee.objects.filter(loan=loan).count() == 0  # within grace: no fee yet
    late_day = fourth.due_date + dt.timedelta(days=product.grace_days + 1)
    _service(late_day)
    _service(late_day)  # idempotent
    loan.refresh_from_db()
    assert loan.status == LoanStatus.DELINQUENT and loan.days_past_due == 11 and loan.delinquency_bucket == "1-29"
    assert list(LateFee.objects.filter(loan=loan).values_list("amount", flat=True)) == [Decimal("25.00")]

    # Catch-up: the missed installment only (the fee stays owed): back to active.
    _pay(loan, portfolio, fourth.amount_due, late_day)
    _clean()
    loan.refresh_from_db()
    assert loan.status == LoanStatus.ACTIVE and loan.days_past_due == 0

    # The fifth paid in full and on time while the earlier fee is unpaid: no second fee.
    fifth = rows[4]
    _pay(loan, portfolio, fifth.amount_due, fifth.due_date)
    _service(fifth.due_date + dt.timedelta(days=product.grace_days + 2))
    assert LateFee.objects.filter(loan=loan).count() == 1
    loan.refresh_from_db()
    assert loan.status == LoanStatus.ACTIVE

    # The sixth with 1,000.00 more: the fee is paid, the rest prepays principal and the remaining
    # installments are recomputed (lower), still summing to the principal.
    sixth = rows[5]
    before = Installment.objects.get(loan=loan, number=7).amount_due
    due = _due(loan, sixth.due_date)
    assert due == sixth.amount_due + Decimal("25.00")
    repayment = _pay(loan, portfolio, due + Decimal("1000.00"), sixth.due_date)
    _clean()
    assert repayment.allocation["fees"] == "25.00" and repayment.allocation["prepaid_principal"] == "1000.00"
    after = Installment.objects.get(loan=loan, number=7).amount_due
    assert after < before
    scheduled = sum(Installment.objects.filter(loan=loan).values_list("principal", flat=True))
    assert scheduled + Decimal("1000.00") == Decimal("6000.00")

    # Payoff.
    payoff_day = sixth.due_date + dt.timedelta(days=3)
    with time_machine.travel(at(payoff_day), tick=False):
        payoff = services.payoff_amount(loan=loan, on=payoff_day)
    _pay(loan, portfolio, payoff, payoff_day)
    _clean()
    loan = Loan.objects.get(pk=loan.pk)
    assert loan.status == LoanStatus.REPAID and loan.principal_balance == Decimal("0.00")
    kinds = sorted(CreditEvent.objects.filter(user=customer).values_list("kind", flat=True))
    assert kinds.count("repayment") == 7 and kinds.count("late_payment") == 1
    from fraud.models import MovementRecord

    recorded = MovementRecord.objects.filter(customer=customer).values_list("event_type", "reference")
    assert (("loan_disbursement", f"lending.loan:{loan.pk}:disbursement")) in list(recorded)
    assert sum(1 for kind, _ in recorded if kind == "loan_repayment") == 7
