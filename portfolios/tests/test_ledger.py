"""The cash ledger's services: every movement balanced, cash never negative, refusals write nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from accounts.errors import CustomerRestricted
from accounts.models import Restriction
from accounts.services import restriction_set
from blockguardian.errors import InvalidInput
from portfolios import selectors, services
from portfolios.errors import (
    DuplicateReference,
    EntryStateError,
    InsufficientFunds,
    InvalidAmount,
    PortfolioClosed,
    ReservationStateError,
)
from portfolios.models import AccountKind, EntryKind, JournalEntry, LedgerAccount, Posting, ReservationStatus
from portfolios.verification import ledger_problems

pytestmark = pytest.mark.django_db


def balances(portfolio) -> dict[str, Decimal]:
    return dict(LedgerAccount.objects.filter(portfolio=portfolio).values_list("kind", "balance"))


def platform(kind: str) -> Decimal:
    return sum(
        Posting.objects.filter(account__kind=kind, account__portfolio__isnull=True).values_list("amount", flat=True),
        Decimal(0),
    )


def set_restriction(user, state: str) -> None:
    type(user).objects.filter(pk=user.pk).update(restriction=state)
    user.refresh_from_db()


# --- deposits ---------------------------------------------------------------------------------


def test_wire_deposit_is_settled_cash_at_once(portfolio):
    entry = services.cash_deposit(portfolio=portfolio, amount="250.00", method="wire", reference="dep-1")

    assert balances(portfolio)[AccountKind.CASH] == Decimal("250.00")
    assert {p.account.kind: p.amount for p in entry.postings.select_related("account")} == {
        AccountKind.BANK_SETTLEMENT: Decimal("-250.00"),
        AccountKind.CASH: Decimal("250.00"),
    }
    assert entry.flow == Decimal("250.00") and entry.cash_delta == Decimal("250.00")


def test_ach_deposit_is_unsettled_until_settled(portfolio):
    entry = services.cash_deposit(portfolio=portfolio, amount="500.00", method="ach")
    assert balances(portfolio)[AccountKind.UNSETTLED] == Decimal("500.00")
    assert selectors.cash_balances(portfolio=portfolio).available == Decimal("0.00")
    with pytest.raises(InsufficientFunds):
        services.cash_withdraw(portfolio=portfolio, amount="1.00", method="ach")

    services.entry_settle(entry=entry)

    cash = selectors.cash_balances(portfolio=portfolio)
    assert (cash.available, cash.unsettled) == (Decimal("500.00"), Decimal("0.00"))


def test_ach_settlement_date_follows_the_settlement_calendar(portfolio):
    # Friday 9 October 2026; Monday 12 October is Columbus Day (NYSE open, Fed closed).
    friday = dt.datetime(2026, 10, 9, 15, 0, tzinfo=dt.UTC)
    entry = services.cash_deposit(portfolio=portfolio, amount="10.00", method="ach", executed_at=friday)
    assert entry.settlement_date == dt.date(2026, 10, 13)


def test_an_entry_settles_once(portfolio):
    entry = services.cash_deposit(portfolio=portfolio, amount="5.00", method="ach")
    services.entry_settle(entry=entry)
    with pytest.raises(EntryStateError):
        services.entry_settle(entry=entry)


@pytest.mark.parametrize("amount", ["0", "-5.00", "1.001", "abc", "NaN"])
def test_bad_amounts_are_refused_before_anything_is_written(portfolio, amount):
    with pytest.raises(InvalidAmount):
        services.cash_deposit(portfolio=portfolio, amount=amount, method="wire")
    assert JournalEntry.objects.count() == 0


def test_a_future_executed_at_is_refused(portfolio):
    with pytest.raises(InvalidInput):
        services.cash_deposit(
            portfolio=portfolio, amount="1.00", method="wire", executed_at=timezone.now() + dt.timedelta(days=1)
        )


def test_a_reference_is_used_once(portfolio):
    services.cash_deposit(portfolio=portfolio, amount="1.00", method="wire", reference="import:77")
    with pytest.raises(DuplicateReference):
        services.cash_deposit(portfolio=portfolio, amount="1.00", method="wire", reference="import:77")
    assert balances(portfolio)[AccountKind.CASH] == Decimal("1.00")


# --- withdrawals, reservations -------------------------------------------------------------------


def test_withdrawal_beyond_settled_cash_is_refused_and_changes_nothing(portfolio):
    services.cash_deposit(portfolio=portfolio, amount="100.00", method="wire")
    before = (balances(portfolio), JournalEntry.objects.count(), Posting.objects.count())

    with pytest.raises(InsufficientFunds):
        services.cash_withdraw(portfolio=portfolio, amount="100.01", method="ach")

    assert (balances(portfolio), JournalEntry.objects.count(), Posting.objects.count()) == before


def test_cash_reserved_for_an_order_is_not_available_and_is_released_exactly(portfolio):
    services.cash_deposit(portfolio=portfolio, amount="100.00", method="wire")
    held = services.cash_reserve(portfolio=portfolio, amount="60.25", reference="order:1")
    assert selectors.cash_balances(portfolio=portfolio).available == Decimal("39.75")
    with pytest.raises(InsufficientFunds):
        services.cash_withdraw(portfolio=portfolio, amount="40.00", method="ach")

    services.reservation_release(reservation=held)

    held.refresh_from_db()
    assert held.status == ReservationStatus.RELEASED
    assert balances(portfolio)[AccountKind.CASH] == Decimal("100.00")
    assert balances(portfolio)[AccountKind.RESERVED] == Decimal("0.00")
    # Releasing again is harmless (the block may have released it first).
    services.reservation_release(reservation=held)
    assert balances(portfolio)[AccountKind.CASH] == Decimal("100.00")


def test_a_buy_consumes_its_reservation_and_returns_the_excess(portfolio, stock):
    services.cash_deposit(portfolio=portfolio, amount="1000.00", method="wire")
    held = services.cash_reserve(portfolio=portfolio, amount="520.00", reference="order:2")

    services.trade_buy(portfolio=portfolio, asset=stock, quantity=5, price="100", fee="1.00", reservation=held)

    held.refresh_from_db()
    assert held.status == ReservationStatus.CONSUMED
    assert balances(portfolio)[AccountKind.RESERVED] == Decimal("0.00")
    assert balances(portfolio)[AccountKind.CASH] == Decimal("499.00")
    with pytest.raises(ReservationStateError):
        services.reservation_release(reservation=held)
    assert ledger_problems() == []


def test_a_withdrawal_can_consume_its_reservation(portfolio):
    services.cash_deposit(portfolio=portfolio, amount="100.00", method="wire")
    held = services.cash_reserve(portfolio=portfolio, amount="30.00")
    services.cash_withdraw(portfolio=portfolio, amount="30.00", method="ach", reservation=held)
    assert balances(portfolio) == {
        AccountKind.CASH: Decimal("70.00"),
        AccountKind.RESERVED: Decimal("0.00"),
        AccountKind.UNSETTLED: Decimal("0.00"),
        AccountKind.OWED: Decimal("0.00"),
    }


# --- returns and shortfalls -----------------------------------------------------------------------


def test_a_returned_unsettled_deposit_takes_back_the_unsettled_cash(portfolio):
    deposit = services.cash_deposit(portfolio=portfolio, amount="300.00", method="ach")
    services.deposit_return(deposit=deposit, return_code="R01")
    assert balances(portfolio)[AccountKind.UNSETTLED] == Decimal("0.00")
    with pytest.raises(EntryStateError):
        services.entry_settle(entry=deposit)
    with pytest.raises(EntryStateError):
        services.deposit_return(deposit=deposit)
    assert ledger_problems() == []


def test_a_deposit_returned_after_its_money_was_spent_leaves_a_visible_shortfall(portfolio, stock):
    deposit = services.cash_deposit(portfolio=portfolio, amount="1000.00", method="ach")
    services.entry_settle(entry=deposit)
    services.trade_buy(portfolio=portfolio, asset=stock, quantity=8, price="100")

    ret = services.deposit_return(deposit=deposit, return_code="R01")

    assert ret.flow == Decimal("-1000.00")
    assert balances(portfolio)[AccountKind.CASH] == Decimal("0.00")
    assert balances(portfolio)[AccountKind.OWED] == Decimal("-800.00")
    assert selectors.cash_balances(portfolio=portfolio).owed == Decimal("800.00")
    assert ledger_problems() == []

    services.cash_deposit(portfolio=portfolio, amount="500.00", method="wire")
    services.shortfall_collect(portfolio=portfolio)
    assert balances(portfolio)[AccountKind.OWED] == Decimal("-300.00")
    assert balances(portfolio)[AccountKind.CASH] == Decimal("0.00")


# --- fees, income, loans, reversals ------------------------------------------------------------


def test_fee_dividend_and_interest_move_between_the_right_accounts(portfolio, stock):
    services.cash_deposit(portfolio=portfolio, amount="100.00", method="wire")
    services.fee_charge(portfolio=portfolio, amount="2.50", memo="statement fee")
    services.dividend_credit(portfolio=portfolio, asset=stock, amount="4.00")
    services.interest_credit(portfolio=portfolio, amount="0.35")

    assert balances(portfolio)[AccountKind.CASH] == Decimal("101.85")
    assert platform(AccountKind.FEES) == Decimal("2.50")
    assert platform(AccountKind.INTEREST) == Decimal("-0.35")
    assert platform(AccountKind.BANK_SETTLEMENT) == Decimal("-104.00")
    assert ledger_problems() == []


def test_a_fee_larger_than_the_cash_is_refused(portfolio):
    with pytest.raises(InsufficientFunds):
        services.fee_charge(portfolio=portfolio, amount="0.01")


def test_loan_money_arrives_and_repays_through_the_loans_account(portfolio):
    services.loan_cash_disburse(portfolio=portfolio, amount="5000.00", reference="loan:9:disburse")
    services.loan_cash_repay(portfolio=portfolio, amount="450.00", reference="loan:9:repay:1")
    assert balances(portfolio)[AccountKind.CASH] == Decimal("4550.00")
    assert platform(AccountKind.LOANS) == Decimal("-4550.00")
    with pytest.raises(InsufficientFunds):
        services.loan_cash_repay(portfolio=portfolio, amount="4550.01")


def test_a_correction_is_a_reversing_entry_and_the_original_stays(portfolio):
    services.cash_deposit(portfolio=portfolio, amount="100.00", method="wire")
    fee = services.fee_charge(portfolio=portfolio, amount="10.00")

    reversal = services.entry_reverse(entry=fee, reason="charged in error")

    assert reversal.kind == EntryKind.REVERSAL and reversal.reverses_id == fee.pk
    assert JournalEntry.objects.filter(pk=fee.pk, kind=EntryKind.FEE).exists()
    assert balances(portfolio)[AccountKind.CASH] == Decimal("100.00")
    with pytest.raises(EntryStateError):
        services.entry_reverse(entry=fee, reason="again")
    with pytest.raises(EntryStateError):
        services.entry_reverse(entry=reversal, reason="a reversal is not reversed this way")


# --- immutability -------------------------------------------------------------------------------


def test_posted_entries_have_no_update_path(portfolio):
    entry = services.cash_deposit(portfolio=portfolio, amount="1.00", method="wire")
    entry.memo = "changed"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        JournalEntry.objects.filter(pk=entry.pk).update(memo="changed")
    with pytest.raises(TypeError):
        Posting.objects.filter(entry=entry).delete()
    with pytest.raises(TypeError):
        entry.delete()


UPDATES = {
    "entry": "UPDATE portfolios_journalentry SET memo = 'x' WHERE id = %s",
    "posting": "UPDATE portfolios_posting SET amount = 2 WHERE id = %s",
}


@pytest.mark.parametrize("table", ["entry", "posting"])
def test_the_database_refuses_to_update_a_posted_entry_or_posting(portfolio, table):
    entry = services.cash_deposit(portfolio=portfolio, amount="1.00", method="wire")
    target = entry.pk if table == "entry" else entry.postings.first().pk
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(UPDATES[table], [target])
    entry.refresh_from_db()
    assert entry.memo == ""
    assert sorted(entry.postings.values_list("amount", flat=True)) == [Decimal("-1.00"), Decimal("1.00")]


def test_the_database_refuses_a_negative_cash_balance(portfolio):
    account = LedgerAccount.objects.get(portfolio=portfolio, kind=AccountKind.CASH)
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerAccount.objects.filter(pk=account.pk).update(balance=Decimal("-0.01"))


# --- restrictions, closed portfolios ----------------------------------------------------------


def test_a_frozen_customer_can_receive_but_not_pay(portfolio, user):
    services.cash_deposit(portfolio=portfolio, amount="100.00", method="wire")
    set_restriction(user, Restriction.FROZEN)

    services.cash_deposit(portfolio=portfolio, amount="1.00", method="wire")
    with pytest.raises(CustomerRestricted):
        services.cash_withdraw(portfolio=portfolio, amount="1.00", method="ach")
    with pytest.raises(CustomerRestricted):
        services.cash_reserve(portfolio=portfolio, amount="1.00")
    assert balances(portfolio)[AccountKind.CASH] == Decimal("101.00")


def test_a_blocked_customer_takes_no_deposit(portfolio, user):
    set_restriction(user, Restriction.BLOCKED)
    with pytest.raises(CustomerRestricted):
        services.cash_deposit(portfolio=portfolio, amount="1.00", method="wire")
    assert JournalEntry.objects.count() == 0


def test_blocking_a_customer_moves_their_cash_to_blocked_funds(portfolio, user, django_capture_on_commit_callbacks):
    services.cash_deposit(portfolio=portfolio, amount="700.00", method="wire")
    held = services.cash_reserve(portfolio=portfolio, amount="200.00")
    pending = services.cash_deposit(portfolio=portfolio, amount="50.00", method="ach")

    with django_capture_on_commit_callbacks(execute=True):
        restriction_set(user=user, state=Restriction.BLOCKED, reason="confirmed SDN match", acting_user=None)

    cash = selectors.cash_balances(portfolio=portfolio)
    assert (cash.available, cash.reserved, cash.blocked) == (Decimal("0.00"), Decimal("0.00"), Decimal("700.00"))
    held.refresh_from_db()
    assert held.status == ReservationStatus.RELEASED
    # Unsettled cash follows into blocked funds when it settles.
    services.entry_settle(entry=pending)
    assert selectors.cash_balances(portfolio=portfolio).blocked == Decimal("750.00")
    assert ledger_problems() == []

    with django_capture_on_commit_callbacks(execute=True):
        restriction_set(
            user=user, state=Restriction.NONE, reason="list entry removed", acting_user=None, lift_block=True
        )
    cash = selectors.cash_balances(portfolio=portfolio)
    assert (cash.available, cash.blocked) == (Decimal("750.00"), Decimal("0.00"))


def test_a_portfolio_without_history_is_deleted_on_close(portfolio):
    services.portfolio_close(portfolio=portfolio)  # never had an entry: deleted
    from portfolios.models import Portfolio

    assert not Portfolio.objects.filter(pk=portfolio.pk).exists()


def test_a_portfolio_with_history_is_closed_not_deleted_and_then_refuses_movements(portfolio):
    services.cash_deposit(portfolio=portfolio, amount="10.00", method="wire")
    services.cash_withdraw(portfolio=portfolio, amount="10.00", method="wire")

    assert services.portfolio_close(portfolio=portfolio) == "closed"
    with pytest.raises(PortfolioClosed):
        services.cash_deposit(portfolio=portfolio, amount="1.00", method="wire")


def test_customer_balances_sum_open_portfolios(user, stock, portfolio):
    from portfolios.tests.factories import load_closes

    other = services.portfolio_create(owner=user, name="Second")
    services.cash_deposit(portfolio=portfolio, amount="1000.00", method="wire")
    services.cash_deposit(portfolio=other, amount="300.00", method="ach")
    services.trade_buy(portfolio=portfolio, asset=stock, quantity=3, price="100")
    load_closes(stock, {dt.date(2026, 1, 2): "110.005"})

    result = selectors.customer_balances(user=user)

    assert result == selectors.CustomerBalances(
        settled_cash=Decimal("700.00"), total_cash=Decimal("1000.00"), market_value=Decimal("330.02")
    )
