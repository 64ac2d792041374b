"""Concurrent repayments of one loan (PostgreSQL; real threads, each with its own connection): the
loan row is locked first, so together they never pay more than is owed."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from blockguardian.errors import ApplicationError
from lending import services
from lending.models import Loan, Repayment
from lending.tests.factories import application, funded_portfolio
from portfolios.verification import ledger_problems

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_concurrently(count: int, action) -> list:
    barrier = threading.Barrier(count)

    def worker(index):
        barrier.wait()
        try:
            return action(index)
        except ApplicationError as exc:
            return exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(worker, range(count)))


def test_simultaneous_payoffs_pay_the_loan_once(product, customer, settings):
    # The test is about locking: four payoffs at once must not trip fraud's velocity rules.
    settings.FRAUD_THRESHOLDS = {**settings.FRAUD_THRESHOLDS, "review_score": 5000, "block_score": 6000}
    portfolio = funded_portfolio(customer, "20000.00")
    loan = services.loan_apply(user=customer, data=application(product, portfolio))
    disclosure = services.loan_disclosure_current(loan=loan)
    services.loan_accept(loan=loan, user=customer, disclosure_id=disclosure.pk)
    services.loan_disburse(loan=loan)
    payoff = services.payoff_amount(loan=Loan.objects.get(pk=loan.pk))

    results = run_concurrently(
        4,
        lambda i: services.loan_repay(loan=loan, user=customer, amount=payoff, portfolio_id=portfolio.pk),
    )

    paid = [r for r in results if isinstance(r, Repayment)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(paid) == 1 and len(refused) == 3, [getattr(r, "code", r) for r in results]
    assert {r.code for r in refused} <= {"loan_overpayment", "loan_state_conflict"}
    loan.refresh_from_db()
    assert loan.status == "repaid" and Repayment.objects.filter(loan=loan).count() == 1
    assert ledger_problems() == []
