"""`manage.py verify_ledger`: clean on a sound ledger, non-zero and specific on a broken one."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from portfolios import services
from portfolios.models import AccountKind, LedgerAccount, Position, TaxLot
from portfolios.verification import ledger_problems

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy(portfolio, stock):
    deposit = services.cash_deposit(portfolio=portfolio, amount="5000.00", method="ach")
    services.entry_settle(entry=deposit)
    services.trade_buy(portfolio=portfolio, asset=stock, quantity=10, price="100", fee="1")
    services.trade_sell(portfolio=portfolio, asset=stock, quantity=3, price="110", fee="1")
    services.cash_reserve(portfolio=portfolio, amount="100.00")
    services.quantity_reserve(portfolio=portfolio, asset=stock, quantity=2)
    return portfolio


def test_a_sound_ledger_verifies(busy, capsys):
    call_command("verify_ledger")
    assert "every invariant holds" in capsys.readouterr().out


def test_a_tampered_balance_is_reported_with_its_account(busy, capsys):
    account = LedgerAccount.objects.get(portfolio=busy, kind=AccountKind.CASH)
    LedgerAccount.objects.filter(pk=account.pk).update(balance=account.balance + Decimal("0.01"))

    with pytest.raises(CommandError, match="1 problem"):
        call_command("verify_ledger")
    assert f"balance_mismatch: account {account.pk}" in capsys.readouterr().err


def test_an_unbalanced_entry_is_reported(busy):
    entry = busy.journal_entries.order_by("id").first()
    # A stray leg written past the models (and, on PostgreSQL, past the trigger that refuses an
    # unbalanced insert, disabled for this transaction only), then rolled back.
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks
                cursor.execute("ALTER TABLE portfolios_posting DISABLE TRIGGER portfolios_posting_balanced")
            cursor.execute(
                "INSERT INTO portfolios_posting (entry_id, account_id, amount) VALUES (%s, %s, %s)",
                [entry.pk, LedgerAccount.objects.get(portfolio=None, kind=AccountKind.FEES).pk, "0.01"],
            )
        problems = ledger_problems()
        transaction.set_rollback(True)
    assert f"entry {entry.pk}" in {p.subject for p in problems if p.check == "entry_unbalanced"}


def test_positions_that_disagree_with_their_lots_are_reported(busy, stock):
    Position.objects.filter(portfolio=busy, asset=stock).update(quantity=Decimal("8"))
    TaxLot.objects.filter(portfolio=busy).update(cost_remaining=Decimal("1.00"))
    checks = {p.check for p in ledger_problems()}
    assert {"position_mismatch", "lot_mismatch"} <= checks
