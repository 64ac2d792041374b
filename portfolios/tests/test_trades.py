"""Trades: trade-date accounting, settlement dates, FIFO lots, failures, quantity reservations."""

import datetime as dt
from decimal import Decimal

import pytest

from portfolios import selectors, services
from portfolios.errors import EntryStateError, InsufficientQuantity, InvalidQuantity
from portfolios.models import AccountKind, LotDisposal, Position, Posting, ReservationStatus, TaxLot, Term
from portfolios.verification import ledger_problems

pytestmark = pytest.mark.django_db

NY = dt.timezone(dt.timedelta(hours=-4))


def clearing() -> Decimal:
    return sum(
        Posting.objects.filter(account__kind=AccountKind.UNSETTLED_TRADES).values_list("amount", flat=True), Decimal(0)
    )


@pytest.fixture
def funded(portfolio):
    services.cash_deposit(portfolio=portfolio, amount="100000.00", method="wire")
    return portfolio


def test_a_buy_moves_cash_through_the_clearing_account_at_once(funded, stock):
    entry = services.trade_buy(portfolio=funded, asset=stock, quantity=10, price="50.125", fee="0.99")

    assert {p.account.kind: p.amount for p in entry.postings.select_related("account")} == {
        AccountKind.CASH: Decimal("-502.24"),
        AccountKind.UNSETTLED_TRADES: Decimal("501.25"),
        AccountKind.FEES: Decimal("0.99"),
    }
    assert Position.objects.get(portfolio=funded, asset=stock).quantity == Decimal("10")

    services.entry_settle(entry=entry)

    assert clearing() == Decimal("0.00")
    assert ledger_problems() == []


def test_sale_proceeds_are_unsettled_until_settlement(funded, stock):
    services.trade_buy(portfolio=funded, asset=stock, quantity=10, price="10")
    sell = services.trade_sell(portfolio=funded, asset=stock, quantity=4, price="12", fee="1.00")
    cash = selectors.cash_balances(portfolio=funded)
    assert cash.unsettled == Decimal("47.00")

    services.entry_settle(entry=sell)

    cash = selectors.cash_balances(portfolio=funded)
    assert (cash.unsettled, cash.available) == (
        Decimal("0.00"),
        Decimal("100000.00") - Decimal("100.00") + Decimal("47.00"),
    )


@pytest.mark.parametrize(
    ("executed_at", "settles_on"),
    [
        # A Friday equity buy settles Monday.
        (dt.datetime(2026, 3, 6, 11, 0, tzinfo=NY), dt.date(2026, 3, 9)),
        # The Friday before Columbus Day (NYSE open, Fed closed on Monday 12 October): Tuesday.
        (dt.datetime(2026, 10, 9, 11, 0, tzinfo=NY), dt.date(2026, 10, 13)),
    ],
)
def test_equity_settlement_dates(funded, stock, executed_at, settles_on):
    entry = services.trade_buy(portfolio=funded, asset=stock, quantity=1, price="10", executed_at=executed_at)
    assert entry.settlement_date == settles_on


def test_a_crypto_buy_settles_the_same_day_even_on_a_sunday(funded, crypto):
    sunday = dt.datetime(2026, 3, 8, 11, 0, tzinfo=NY)
    entry = services.trade_buy(portfolio=funded, asset=crypto, quantity="0.12345678", price="65000", executed_at=sunday)
    assert entry.settlement_date == dt.date(2026, 3, 8)
    assert selectors.entry_due_list(on_or_before=dt.date(2026, 3, 8)).filter(pk=entry.pk).exists()


def test_quantity_must_respect_the_assets_precision(funded, stock, crypto):
    with pytest.raises(InvalidQuantity):
        services.trade_buy(portfolio=funded, asset=stock, quantity="1.5", price="10")
    with pytest.raises(InvalidQuantity):
        services.trade_buy(portfolio=funded, asset=crypto, quantity="0.123456789", price="10")


def test_selling_more_than_held_is_refused(funded, stock):
    services.trade_buy(portfolio=funded, asset=stock, quantity=3, price="10")
    with pytest.raises(InsufficientQuantity):
        services.trade_sell(portfolio=funded, asset=stock, quantity=4, price="10")
    assert Position.objects.get(portfolio=funded, asset=stock).quantity == Decimal("3")


def test_fifo_takes_the_oldest_lot_first_and_dates_the_term(funded, stock):
    first = dt.datetime(2024, 1, 2, 11, 0, tzinfo=NY)
    services.trade_buy(portfolio=funded, asset=stock, quantity=5, price="10", executed_at=first)
    services.trade_buy(
        portfolio=funded, asset=stock, quantity=5, price="20", executed_at=first + dt.timedelta(days=300)
    )

    # Sold one year later to the day: still short-term; a day more: long-term.
    services.trade_sell(
        portfolio=funded, asset=stock, quantity=2, price="30", executed_at=dt.datetime(2025, 1, 2, 11, 0, tzinfo=NY)
    )
    services.trade_sell(
        portfolio=funded, asset=stock, quantity=4, price="30", executed_at=dt.datetime(2025, 1, 3, 11, 0, tzinfo=NY)
    )

    rows = list(LotDisposal.objects.order_by("id").values_list("quantity", "cost_basis", "term"))
    assert rows == [
        (Decimal("2"), Decimal("20.00"), Term.SHORT),
        (Decimal("3"), Decimal("30.00"), Term.LONG),
        (Decimal("1"), Decimal("20.00"), Term.SHORT),
    ]
    position = Position.objects.get(portfolio=funded, asset=stock)
    assert (position.quantity, position.cost_basis) == (Decimal("4"), Decimal("80.00"))


def test_a_quantity_reservation_holds_shares_for_a_pending_sell(funded, stock):
    services.trade_buy(portfolio=funded, asset=stock, quantity=10, price="10")
    held = services.quantity_reserve(portfolio=funded, asset=stock, quantity=6, reference="order:s1")

    with pytest.raises(InsufficientQuantity):
        services.trade_sell(portfolio=funded, asset=stock, quantity=5, price="10")
    services.trade_sell(portfolio=funded, asset=stock, quantity=6, price="10", reservation=held)

    held.refresh_from_db()
    position = Position.objects.get(portfolio=funded, asset=stock)
    assert held.status == ReservationStatus.CONSUMED
    assert (position.quantity, position.quantity_reserved) == (Decimal("4"), Decimal("0"))
    assert ledger_problems() == []


def test_cancelling_a_pending_sell_releases_exactly_its_quantity(funded, stock):
    services.trade_buy(portfolio=funded, asset=stock, quantity=10, price="10")
    held = services.quantity_reserve(portfolio=funded, asset=stock, quantity=7)
    services.reservation_release(reservation=held)
    assert Position.objects.get(portfolio=funded, asset=stock).quantity_reserved == Decimal("0")


def test_a_failed_buy_is_reversed_by_a_new_entry(funded, stock):
    buy = services.trade_buy(portfolio=funded, asset=stock, quantity=10, price="10", fee="1.00")

    failure = services.trade_fail(entry=buy, reason="counterparty failed to deliver")

    assert failure.reverses_id == buy.pk
    assert selectors.cash_balances(portfolio=funded).available == Decimal("100000.00")
    assert Position.objects.get(portfolio=funded, asset=stock).quantity == Decimal("0")
    assert TaxLot.objects.get(entry=buy).voided_by_id == failure.pk
    assert clearing() == Decimal("0.00")
    with pytest.raises(EntryStateError):
        services.entry_settle(entry=buy)
    assert ledger_problems() == []


def test_a_buy_whose_shares_were_sold_cannot_fail(funded, stock):
    buy = services.trade_buy(portfolio=funded, asset=stock, quantity=10, price="10")
    services.trade_sell(portfolio=funded, asset=stock, quantity=1, price="10")
    with pytest.raises(EntryStateError):
        services.trade_fail(entry=buy)


def test_a_failed_sell_restores_the_lots_and_voids_the_gain(funded, stock):
    services.trade_buy(portfolio=funded, asset=stock, quantity=10, price="10")
    sell = services.trade_sell(portfolio=funded, asset=stock, quantity=10, price="15")

    services.trade_fail(entry=sell)

    position = Position.objects.get(portfolio=funded, asset=stock)
    assert (position.quantity, position.cost_basis) == (Decimal("10"), Decimal("100.00"))
    assert not selectors.realized_gain_list(portfolio=funded).exists()
    assert selectors.cash_balances(portfolio=funded).unsettled == Decimal("0.00")
    assert ledger_problems() == []


def test_a_settled_trade_cannot_fail(funded, stock):
    buy = services.trade_buy(portfolio=funded, asset=stock, quantity=1, price="10")
    services.entry_settle(entry=buy)
    with pytest.raises(EntryStateError):
        services.trade_fail(entry=buy)


def test_the_settlement_job_finds_what_is_due(funded, stock):
    friday = dt.datetime(2026, 3, 6, 11, 0, tzinfo=NY)
    buy = services.trade_buy(portfolio=funded, asset=stock, quantity=1, price="10", executed_at=friday)

    assert not selectors.entry_due_list(on_or_before=dt.date(2026, 3, 8)).filter(pk=buy.pk).exists()
    assert selectors.entry_due_list(on_or_before=dt.date(2026, 3, 9)).filter(pk=buy.pk).exists()
    services.entry_settle(entry=buy)
    assert not selectors.entry_due_list(on_or_before=dt.date(2026, 3, 9)).filter(pk=buy.pk).exists()
