"""Concurrent requests on one portfolio (PostgreSQL; real threads, each with its own connection)."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connections
from rest_framework.test import APIClient

from accounts.services import token_pair_issue
from blockguardian.errors import ApplicationError
from portfolios import selectors as ledger_selectors
from portfolios.verification import ledger_problems
from trading import services
from trading.models import Status, Transaction
from trading.tests.factories import funded_portfolio, verified_bank_account

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


def test_fifty_simultaneous_buys_fill_exactly_what_the_cash_covers(customer, stock, market_open):
    portfolio = funded_portfolio(customer, "1000.00")  # ten buys of 1 ACME at 100.00

    results = run_concurrently(
        50, lambda i: services.order_place(user=customer, portfolio=portfolio, side="buy", asset=stock, quantity="1")
    )

    filled = [r for r in results if isinstance(r, Transaction)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(filled) == 10 and all(t.status == Status.FILLED for t in filled)
    assert len(refused) == 40 and {r.code for r in refused} == {"insufficient_funds"}
    assert Transaction.objects.filter(portfolio=portfolio).count() == 10
    balances = ledger_selectors.cash_balances(portfolio=portfolio)
    assert (balances.available, balances.reserved) == (Decimal("0.00"), Decimal("0.00"))
    assert ledger_problems() == []


def test_fifty_simultaneous_withdrawals_pay_out_exactly_the_settled_cash(customer, market_open):
    portfolio = funded_portfolio(customer, "1000.00")
    account = verified_bank_account(customer)

    results = run_concurrently(
        50,
        lambda i: services.transfer_request(
            user=customer, portfolio=portfolio, type="withdrawal", method="ach", amount="100.00", bank_account=account
        ),
    )

    assert sum(isinstance(r, Transaction) for r in results) == 10
    assert sum(isinstance(r, ApplicationError) and r.code == "insufficient_funds" for r in results) == 40
    assert Transaction.objects.filter(portfolio=portfolio, type="withdrawal").count() == 10
    assert ledger_selectors.cash_balances(portfolio=portfolio).available == Decimal("0.00")
    assert ledger_problems() == []


def test_twenty_concurrent_posts_with_one_idempotency_key_make_one_transaction(customer, stock, market_open):
    portfolio = funded_portfolio(customer, "10000.00")
    token = token_pair_issue(user=customer).access
    url = f"/api/portfolios/{portfolio.pk}/transactions"
    body = {"type": "buy", "asset": "ACME", "quantity": "1"}

    def post(i):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_IDEMPOTENCY_KEY="one-order")
        response = client.post(url, body, format="json")
        return response.status_code, response.json()

    results = run_concurrently(20, post)

    assert {status for status, _ in results} == {201}
    assert len({body["id"] for _, body in results}) == 1
    assert Transaction.objects.filter(portfolio=portfolio).count() == 1
    assert ledger_selectors.cash_balances(portfolio=portfolio).available == Decimal("9900.00")
    assert ledger_problems() == []


# An authenticated market buy that fills at once, through the whole stack and its commit:
# authentication, portfolio and asset lookups, KYC, fraud's assessment and stored decision, the
# transaction, the ledger (lock, accounts, entry, postings, balances, tax lot, position), the
# execution, the decision's reference, the outbox rows, and after commit fraud's `record` (eager
# Celery). Measured: 43 (bench/bench_trading.py reports the same figure through gunicorn).
QUERIES_PER_ORDER = 43


def test_placing_an_order_takes_a_bounded_number_of_queries(market_open, customer, stock):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    portfolio = funded_portfolio(customer, "10000.00")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_issue(user=customer).access}")
    url = f"/api/portfolios/{portfolio.pk}/transactions"
    client.post(url, {"type": "buy", "asset": "ACME", "quantity": "1"}, format="json")  # warm caches
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, {"type": "buy", "asset": "ACME", "quantity": "1"}, format="json")
    assert response.status_code == 201 and response.json()["status"] == "filled"
    assert len(captured) <= QUERIES_PER_ORDER, [q["sql"][:120] for q in captured.captured_queries]
    assert Transaction.objects.filter(portfolio=portfolio).count() == 2
