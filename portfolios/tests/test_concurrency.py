"""Concurrent requests on one portfolio are serialised (PostgreSQL, real threads and connections)."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, connections, transaction

from accounts.tests.factories import UserFactory
from blockguardian.errors import ApplicationError
from portfolios import services
from portfolios.errors import InsufficientFunds
from portfolios.models import AccountKind, JournalEntry, LedgerAccount
from portfolios.tests.factories import AssetFactory
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


def test_concurrent_withdrawals_never_overdraw():
    portfolio = services.portfolio_create(owner=UserFactory(), name="p")
    services.cash_deposit(portfolio=portfolio, amount="100.00", method="wire")

    results = run_concurrently(
        20, lambda i: services.cash_withdraw(portfolio=portfolio.pk, amount="10.00", method="ach", reference=f"w{i}")
    )

    assert sum(isinstance(r, JournalEntry) for r in results) == 10
    assert sum(isinstance(r, InsufficientFunds) for r in results) == 10
    assert LedgerAccount.objects.get(portfolio=portfolio, kind=AccountKind.CASH).balance == Decimal("0.00")
    assert ledger_problems() == []


def test_concurrent_buys_and_reservations_share_the_cash_exactly():
    portfolio = services.portfolio_create(owner=UserFactory(), name="p")
    asset = AssetFactory(symbol="CONC")
    services.cash_deposit(portfolio=portfolio, amount="1000.00", method="wire")

    def act(i):
        if i % 2:
            return services.trade_buy(portfolio=portfolio.pk, asset=asset, quantity=1, price="100")
        return services.cash_reserve(portfolio=portfolio.pk, amount="100.00", reference=f"r{i}")

    results = run_concurrently(16, act)

    assert sum(not isinstance(r, ApplicationError) for r in results) == 10
    assert LedgerAccount.objects.get(portfolio=portfolio, kind=AccountKind.CASH).balance == Decimal("0.00")
    assert ledger_problems() == []


def test_the_database_refuses_an_unbalanced_posting():
    portfolio = services.portfolio_create(owner=UserFactory(), name="p")
    entry = services.cash_deposit(portfolio=portfolio, amount="5.00", method="wire")
    fees = LedgerAccount.objects.get(portfolio=None, kind=AccountKind.FEES)

    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO portfolios_posting (entry_id, account_id, amount) VALUES (%s, %s, %s)",
            [entry.pk, fees.pk, "0.01"],
        )
    assert entry.postings.count() == 2


def test_the_database_refuses_to_delete_a_posted_entry():
    portfolio = services.portfolio_create(owner=UserFactory(), name="p")
    entry = services.cash_deposit(portfolio=portfolio, amount="5.00", method="wire")
    with pytest.raises(IntegrityError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM portfolios_posting WHERE entry_id = %s", [entry.pk])
    assert entry.postings.count() == 2
