"""Orders: fills, queueing for the open, limits, cancel, expiry, settlement dates."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from portfolios import selectors as ledger_selectors
from portfolios.models import Position, Reservation, ReservationStatus
from portfolios.verification import ledger_problems
from trading import services
from trading.errors import TransactionStateError
from trading.models import Execution, Status
from trading.tests.factories import funded_portfolio, load_bar, ny

pytestmark = pytest.mark.django_db


def buy(customer, portfolio, asset, **kwargs):
    kwargs.setdefault("quantity", "10")
    return services.order_place(user=customer, portfolio=portfolio, side="buy", asset=asset, **kwargs)


def test_a_market_buy_during_the_session_fills_at_the_latest_price(customer, portfolio, stock, market_open):
    tx = buy(customer, portfolio, stock)

    assert tx.status == Status.FILLED
    assert (tx.filled_quantity, tx.price, tx.amount, tx.fee) == (Decimal("10"), Decimal("100"), Decimal("1000.00"), 0)
    assert tx.trade_date == dt.date(2026, 3, 4) and tx.settlement_date == dt.date(2026, 3, 5)
    assert ledger_selectors.cash_balances(portfolio=portfolio).available == Decimal("9000.00")
    assert Execution.objects.get(transaction=tx).entry_id == tx.entry_id
    assert ledger_problems() == []


def test_a_friday_equity_buy_settles_monday(customer, portfolio, stock):
    with time_machine.travel(ny(2026, 3, 6, 11), tick=False):
        tx = buy(customer, portfolio, stock)
        assert services.settlement_run() == 0
    assert tx.settlement_date == dt.date(2026, 3, 9)
    with time_machine.travel(ny(2026, 3, 9, 18), tick=False):
        services.settlement_run()
    tx.refresh_from_db()
    assert tx.status == Status.SETTLED and tx.settlement_entry_id is not None
    assert ledger_problems() == []


def test_a_buy_on_the_friday_before_columbus_day_settles_tuesday(customer, portfolio, stock):
    with time_machine.travel(ny(2026, 10, 8, 17), tick=False):
        load_bar(stock, dt.date(2026, 10, 8), open_="100", close="100")
    with time_machine.travel(ny(2026, 10, 9, 11), tick=False):
        tx = buy(customer, portfolio, stock)
    assert tx.settlement_date == dt.date(2026, 10, 13)
    with time_machine.travel(ny(2026, 10, 12, 18), tick=False):
        services.settlement_run()
    tx.refresh_from_db()
    assert tx.status == Status.FILLED
    with time_machine.travel(ny(2026, 10, 13, 18), tick=False):
        services.settlement_run()
    tx.refresh_from_db()
    assert tx.status == Status.SETTLED


def test_a_crypto_buy_on_a_sunday_fills_and_settles_the_same_day(customer, portfolio, crypto):
    with time_machine.travel(ny(2026, 3, 8, 10), tick=False):
        load_bar(crypto, dt.date(2026, 3, 8), open_="50000", close="50000", hour=9)
    with time_machine.travel(ny(2026, 3, 8, 11), tick=False):
        tx = buy(customer, portfolio, crypto, quantity="0.1")
        assert tx.status == Status.FILLED
        # 50 bps spread, 100 bps fee on crypto by default.
        assert tx.price == Decimal("50250.00000000") and tx.amount == Decimal("5025.00") and tx.fee == Decimal("50.25")
        assert tx.settlement_date == dt.date(2026, 3, 8)
        services.settlement_run()
    tx.refresh_from_db()
    assert tx.status == Status.SETTLED


def test_an_order_placed_saturday_fills_at_mondays_open(customer, portfolio, stock):
    with time_machine.travel(ny(2026, 3, 7, 10), tick=False):
        tx = buy(customer, portfolio, stock)
        assert tx.status == Status.PENDING and tx.queued_for == dt.date(2026, 3, 9)
        assert tx.reservation.status == ReservationStatus.OPEN
        assert services.queued_orders_fill() == 0
    with time_machine.travel(ny(2026, 3, 9, 16, 5), tick=False):
        load_bar(stock, dt.date(2026, 3, 9), open_="104.50", close="108")
        assert services.queued_orders_fill() == 1
    tx.refresh_from_db()
    assert tx.status == Status.FILLED and tx.price == Decimal("104.50")
    assert tx.executed_at == ny(2026, 3, 9, 9, 30)
    assert tx.settlement_date == dt.date(2026, 3, 10)
    # The reservation was consumed; the excess came back: 10000 - 1045.00.
    assert ledger_selectors.cash_balances(portfolio=portfolio).available == Decimal("8955.00")
    assert ledger_selectors.cash_balances(portfolio=portfolio).reserved == 0
    assert ledger_problems() == []


def test_cancel_releases_exactly_the_reserved_amount(customer, portfolio, stock, market_open):
    tx = buy(customer, portfolio, stock, order_type="limit", limit_price="90.00")
    balances = ledger_selectors.cash_balances(portfolio=portfolio)
    assert tx.status == Status.PENDING
    assert (balances.available, balances.reserved) == (Decimal("9100.00"), Decimal("900.00"))

    services.transaction_cancel(transaction_id=tx.pk)

    tx.refresh_from_db()
    balances = ledger_selectors.cash_balances(portfolio=portfolio)
    assert tx.status == Status.CANCELLED
    assert (balances.available, balances.reserved) == (Decimal("10000.00"), Decimal("0.00"))
    assert Reservation.objects.get(pk=tx.reservation_id).status == ReservationStatus.RELEASED
    assert ledger_problems() == []


def test_cancelling_a_filled_order_is_a_conflict(customer, portfolio, stock, market_open):
    tx = buy(customer, portfolio, stock)
    with pytest.raises(TransactionStateError) as caught:
        services.transaction_cancel(transaction_id=tx.pk)
    assert caught.value.status == 409


def test_a_sell_limit_reserves_quantity_and_cancel_gives_it_back(customer, portfolio, stock, market_open):
    buy(customer, portfolio, stock)
    tx = services.order_place(
        user=customer,
        portfolio=portfolio,
        side="sell",
        asset=stock,
        quantity="4",
        order_type="limit",
        limit_price="150",
    )
    position = Position.objects.get(portfolio=portfolio, asset=stock)
    assert tx.status == Status.PENDING and position.quantity_reserved == Decimal("4")
    services.transaction_cancel(transaction_id=tx.pk)
    position.refresh_from_db()
    assert position.quantity_reserved == 0


def test_a_price_load_that_crosses_a_resting_limit_fills_it(customer, portfolio, stock, market_open):
    tx = buy(customer, portfolio, stock, order_type="limit", limit_price="95", time_in_force="gtc")
    assert tx.status == Status.PENDING
    market_open.move_to(ny(2026, 3, 4, 16, 5))
    load_bar(stock, dt.date(2026, 3, 4), open_="97", close="94.25")

    assert services.limit_orders_cross(asset_ids=[stock.pk]) == 1
    tx.refresh_from_db()
    assert tx.status == Status.FILLED and tx.price == Decimal("94.25") and tx.amount == Decimal("942.50")
    assert ledger_selectors.cash_balances(portfolio=portfolio).available == Decimal("9057.50")


def test_a_limit_the_price_does_not_reach_keeps_resting(customer, portfolio, stock, market_open):
    tx = buy(customer, portfolio, stock, order_type="limit", limit_price="95", time_in_force="gtc")
    market_open.move_to(ny(2026, 3, 4, 16, 5))
    load_bar(stock, dt.date(2026, 3, 4), open_="97", close="96")
    assert services.limit_orders_cross(asset_ids=[stock.pk]) == 0
    tx.refresh_from_db()
    assert tx.status == Status.PENDING


def test_a_day_order_expires_at_the_close_and_releases_its_cash(customer, portfolio, stock, market_open):
    tx = buy(customer, portfolio, stock, order_type="limit", limit_price="90")
    assert tx.expires_at == ny(2026, 3, 4, 16)
    market_open.move_to(ny(2026, 3, 4, 16, 1))
    assert services.orders_expire_due() == 1
    tx.refresh_from_db()
    assert tx.status == Status.EXPIRED
    assert ledger_selectors.cash_balances(portfolio=portfolio).available == Decimal("10000.00")


def test_a_buy_the_settled_cash_does_not_cover_is_refused_and_stores_nothing(customer, stock, market_open):
    from blockguardian.errors import ApplicationError
    from fraud.models import StoredDecision
    from trading.models import Transaction

    portfolio = funded_portfolio(customer, "999.99")
    with pytest.raises(ApplicationError) as caught:
        buy(customer, portfolio, stock)
    assert caught.value.code == "insufficient_funds"
    assert not Transaction.objects.exists()
    assert StoredDecision.objects.filter(customer=customer, event_type="buy").count() == 1


def test_a_notional_buy_spends_at_most_the_notional(customer, portfolio, crypto, market_open):
    tx = buy(customer, portfolio, crypto, quantity=None, notional="1000.00")
    assert tx.status == Status.FILLED
    assert tx.amount <= Decimal("1000.00") and tx.filled_quantity == Decimal("0.01990049")


def test_a_queued_market_order_waits_for_its_opening_bar_past_the_close(customer, portfolio, stock):
    from trading.tasks import cross_limit_orders, fill_queued_orders

    with time_machine.travel(ny(2026, 3, 7, 10), tick=False):
        tx = buy(customer, portfolio, stock)
    with time_machine.travel(ny(2026, 3, 9, 16, 1), tick=False):
        assert fill_queued_orders() == 0  # the beat job: no Monday bar yet, and nothing expires
    tx.refresh_from_db()
    assert tx.status == Status.PENDING
    with time_machine.travel(ny(2026, 3, 9, 16, 5), tick=False):
        load_bar(stock, dt.date(2026, 3, 9), open_="101", close="103")
        assert cross_limit_orders(asset_ids=[stock.pk]) == 1  # what the price load's signal queues
    tx.refresh_from_db()
    assert tx.status == Status.FILLED and tx.price == Decimal("101")


def test_a_market_order_without_a_fresh_price_waits_for_the_next_one(customer, portfolio, crypto):
    with time_machine.travel(ny(2026, 3, 20, 11), tick=False):  # the last price is 17 days old
        tx = buy(customer, portfolio, crypto, quantity="0.01")
        assert tx.status == Status.PENDING and tx.queued_for is None
        assert services.limit_orders_cross(asset_ids=[crypto.pk]) == 0
    with time_machine.travel(ny(2026, 3, 20, 12), tick=False):
        load_bar(crypto, dt.date(2026, 3, 20), open_="40000", close="40000", hour=11, minute=30)
        assert services.limit_orders_cross(asset_ids=[crypto.pk]) == 1
    tx.refresh_from_db()
    assert tx.status == Status.FILLED and tx.price == Decimal("40200.00000000")  # 50 bps spread
    assert tx.executed_at == ny(2026, 3, 20, 11, 30)
