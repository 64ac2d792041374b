"""Crypto transfers in and out of a portfolio: lots at market value, FIFO out, no cash, clean ledger."""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.errors import CustomerRestricted
from accounts.models import Restriction
from portfolios import selectors, services
from portfolios.errors import DuplicateReference, EntryStateError, InsufficientQuantity, InvalidAmount
from portfolios.models import LotDisposal, Position, Posting, TaxLot
from portfolios.verification import ledger_problems

pytestmark = pytest.mark.django_db


def test_a_transfer_in_opens_a_lot_at_market_value_and_moves_no_cash(portfolio, crypto):
    entry = services.crypto_transfer_in(portfolio=portfolio, asset=crypto, quantity="0.5", price="60000.123")

    lot = TaxLot.objects.get(entry=entry)
    assert (lot.quantity, lot.cost, lot.remaining_quantity) == (Decimal("0.5"), Decimal("30000.06"), Decimal("0.5"))
    position = Position.objects.get(portfolio=portfolio, asset=crypto)
    assert (position.quantity, position.cost_basis) == (Decimal("0.5"), Decimal("30000.06"))
    assert (entry.kind, entry.method, entry.quantity, entry.cash_delta, entry.flow) == (
        "deposit",
        "crypto",
        Decimal("0.5"),
        Decimal("0"),
        Decimal("30000.06"),
    )
    assert not Posting.objects.filter(entry=entry).exists()
    cash = selectors.cash_balances(portfolio=portfolio)
    assert (cash.available, cash.unsettled) == (Decimal("0"), Decimal("0"))
    assert ledger_problems() == []


def test_the_price_defaults_to_the_latest_market_price(portfolio, crypto):
    from portfolios.tests.factories import close_at, load_closes

    day = dt.date(2026, 3, 5)
    load_closes(crypto, {day: "100.00"})
    entry = services.crypto_transfer_in(portfolio=portfolio, asset=crypto, quantity="2", executed_at=close_at(day))

    assert entry.price == Decimal("100.00")
    assert TaxLot.objects.get(entry=entry).cost == Decimal("200.00")


def test_a_transfer_out_takes_lots_fifo_without_a_realised_gain(portfolio, crypto):
    first = services.crypto_transfer_in(portfolio=portfolio, asset=crypto, quantity="1", price="100")
    second = services.crypto_transfer_in(portfolio=portfolio, asset=crypto, quantity="1", price="300")

    out = services.crypto_transfer_out(portfolio=portfolio, asset=crypto, quantity="1.5", price="500")

    lot1, lot2 = TaxLot.objects.get(entry=first), TaxLot.objects.get(entry=second)
    assert (lot1.remaining_quantity, lot1.cost_remaining) == (Decimal("0"), Decimal("0"))
    assert (lot2.remaining_quantity, lot2.cost_remaining) == (Decimal("0.5"), Decimal("150.00"))
    position = Position.objects.get(portfolio=portfolio, asset=crypto)
    assert (position.quantity, position.cost_basis) == (Decimal("0.5"), Decimal("150.00"))
    assert not LotDisposal.objects.exists()
    assert list(selectors.realized_gain_list(portfolio=portfolio)) == []
    assert (out.kind, out.quantity, out.flow, out.cash_delta) == (
        "withdrawal",
        Decimal("-1.5"),
        Decimal("-750.00"),
        Decimal("0"),
    )
    assert not Posting.objects.filter(entry=out).exists()
    assert ledger_problems() == []


def test_a_sell_after_a_transfer_out_keeps_the_ledger_clean(portfolio, crypto):
    services.cash_deposit(portfolio=portfolio, amount="1000.00", method="wire")
    buy = services.trade_buy(portfolio=portfolio, asset=crypto, quantity="2", price="100")
    services.entry_settle(entry=buy)
    services.crypto_transfer_out(portfolio=portfolio, asset=crypto, quantity="1", price="100")
    services.trade_sell(portfolio=portfolio, asset=crypto, quantity="1", price="150")

    assert Position.objects.get(portfolio=portfolio, asset=crypto).quantity == Decimal("0")
    assert ledger_problems() == []


def test_more_than_held_is_refused_and_nothing_is_written(portfolio, crypto):
    services.crypto_transfer_in(portfolio=portfolio, asset=crypto, quantity="1", price="100")
    seq = type(portfolio).objects.get(pk=portfolio.pk).ledger_seq

    with pytest.raises(InsufficientQuantity):
        services.crypto_transfer_out(portfolio=portfolio, asset=crypto, quantity="1.00000001", price="100")

    assert Position.objects.get(portfolio=portfolio, asset=crypto).quantity == Decimal("1")
    assert type(portfolio).objects.get(pk=portfolio.pk).ledger_seq == seq


def test_reserved_quantity_is_not_available_to_transfer_out(portfolio, crypto):
    services.crypto_transfer_in(portfolio=portfolio, asset=crypto, quantity="1", price="100")
    services.quantity_reserve(portfolio=portfolio, asset=crypto, quantity="0.4")

    with pytest.raises(InsufficientQuantity):
        services.crypto_transfer_out(portfolio=portfolio, asset=crypto, quantity="0.7", price="100")
    services.crypto_transfer_out(portfolio=portfolio, asset=crypto, quantity="0.6", price="100")

    assert ledger_problems() == []


def test_an_unsettled_buy_is_not_available_to_transfer_out(portfolio, crypto):
    services.cash_deposit(portfolio=portfolio, amount="1000.00", method="wire")
    services.trade_buy(portfolio=portfolio, asset=crypto, quantity="1", price="100")

    with pytest.raises(InsufficientQuantity):
        services.crypto_transfer_out(portfolio=portfolio, asset=crypto, quantity="1", price="100")


def test_only_crypto_assets_transfer(portfolio, stock):
    with pytest.raises(InvalidAmount):
        services.crypto_transfer_in(portfolio=portfolio, asset=stock, quantity="1", price="10")


def test_a_blocked_customer_cannot_transfer_in_or_out(portfolio, crypto):
    services.crypto_transfer_in(portfolio=portfolio, asset=crypto, quantity="1", price="100")
    owner = portfolio.owner
    owner.restriction = Restriction.BLOCKED
    owner.save(update_fields=["restriction"])

    for transfer in (services.crypto_transfer_in, services.crypto_transfer_out):
        with pytest.raises(CustomerRestricted):
            transfer(portfolio=portfolio, asset=crypto, quantity="0.1", price="100")
    assert Position.objects.get(portfolio=portfolio, asset=crypto).quantity == Decimal("1")


def test_a_reference_is_used_once(portfolio, crypto):
    services.crypto_transfer_in(portfolio=portfolio, asset=crypto, quantity="1", price="100", reference="w:1")

    with pytest.raises(DuplicateReference):
        services.crypto_transfer_in(portfolio=portfolio, asset=crypto, quantity="1", price="100", reference="w:1")
    assert Position.objects.get(portfolio=portfolio, asset=crypto).quantity == Decimal("1")


def test_transfers_are_not_returned_or_reversed_as_cash(portfolio, crypto):
    entry_in = services.crypto_transfer_in(portfolio=portfolio, asset=crypto, quantity="1", price="100")
    entry_out = services.crypto_transfer_out(portfolio=portfolio, asset=crypto, quantity="1", price="100")

    with pytest.raises(EntryStateError):
        services.deposit_return(deposit=entry_in)
    with pytest.raises(EntryStateError):
        services.entry_reverse(entry=entry_out, reason="mistake")
    assert ledger_problems() == []


def test_verify_ledger_notices_a_lot_emptied_without_a_transfer(portfolio, crypto):
    entry = services.crypto_transfer_in(portfolio=portfolio, asset=crypto, quantity="1", price="100")
    services.crypto_transfer_out(portfolio=portfolio, asset=crypto, quantity="0.5", price="100")
    TaxLot.objects.filter(entry=entry).update(remaining_quantity=Decimal("0.25"), cost_remaining=Decimal("25.00"))
    Position.objects.filter(portfolio=portfolio, asset=crypto).update(
        quantity=Decimal("0.25"), cost_basis=Decimal("25.00")
    )

    checks = {p.check for p in ledger_problems()}
    assert "transfer_lots_mismatch" in checks
