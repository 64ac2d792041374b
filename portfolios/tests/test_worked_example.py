"""A worked example with every figure computed by hand (the acceptance example of the ledger and
the analytics): a deposit, two buys at different prices, a partial sell, a withdrawal.

ACME (NYSE, T+1, whole shares), closes: Mon 2 Mar 2026 100, Tue 120, Wed 130, Thu 125.

    Mon  wire deposit 10,000.00
    Mon  buy 10 @ 100, fee 1   cost 1,001.00   lot 1: 10 sh, cost 1,001.00
    Tue  buy 10 @ 120, fee 1   cost 1,201.00   lot 2: 10 sh, cost 1,201.00
    Wed  sell 15 @ 130, fee 1  gross 1,950.00, proceeds 1,949.00
         FIFO: all of lot 1 (10 sh, basis 1,001.00) and 5 sh of lot 2 (basis 1,201 × 5/10 = 600.50)
         proceeds by quantity: 1,949 × 10/15 = 1,299.33 (rounded), lot 2 takes the rest 649.67
         gains: 1,299.33 − 1,001.00 = 298.33 and 649.67 − 600.50 = 49.17; realised 347.50
    Wed  withdraw 1,000.00 of settled cash
    Thu  the sale settles (T+1)

Left: lot 2, 5 sh, cost basis 600.50 (average 120.10); at Thu's close 125 the position is worth
625.00, unrealised P&L 24.50 (24.50 / 600.50 = 4.0799%).

Cash at each close: Mon 8,999 · Tue 7,798 · Wed 7,798 + 1,949 − 1,000 = 8,747 · Thu 8,747.
Value at each close: Mon 8,999 + 1,000 = 9,999 · Tue 7,798 + 2,400 = 10,198 ·
Wed 8,747 + 650 = 9,397 · Thu 8,747 + 625 = 9,372.
Daily returns with flows at the end of the day: Mon none (nothing invested the day before);
Tue 10,198 / 9,999; Wed (9,397 + 1,000) / 10,198; Thu 9,372 / 9,397.
TWR = 10,198/9,999 × 10,397/10,198 × 9,372/9,397 − 1 = (10,397 × 9,372) / (9,999 × 9,397) − 1
    = 97,440,684 / 93,960,603 − 1 = 3,480,081 / 93,960,603 = 0.03703766...
"""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from portfolios import selectors, services
from portfolios.models import AccountKind, LotDisposal, TaxLot, Term
from portfolios.tests.factories import close_at, load_closes
from portfolios.verification import ledger_problems

MON, TUE, WED, THU = (dt.date(2026, 3, d) for d in (2, 3, 4, 5))
TWR = Fraction(10397 * 9372, 9999 * 9397) - 1


def _at(day: dt.date, hour: int) -> dt.datetime:
    return close_at(day).replace(hour=hour)


@pytest.fixture
def worked(after_example, portfolio, stock):
    load_closes(stock, {MON: "100", TUE: "120", WED: "130", THU: "125"})
    services.cash_deposit(portfolio=portfolio, amount="10000.00", method="wire", executed_at=_at(MON, 9))
    buy1 = services.trade_buy(
        portfolio=portfolio, asset=stock, quantity=10, price="100", fee="1", executed_at=_at(MON, 10)
    )
    buy2 = services.trade_buy(
        portfolio=portfolio, asset=stock, quantity=10, price="120", fee="1", executed_at=_at(TUE, 10)
    )
    sell = services.trade_sell(
        portfolio=portfolio, asset=stock, quantity=15, price="130", fee="1", executed_at=_at(WED, 10)
    )
    services.entry_settle(entry=buy1, executed_at=_at(TUE, 17))
    services.entry_settle(entry=buy2, executed_at=_at(WED, 17))
    services.cash_withdraw(portfolio=portfolio, amount="1000.00", method="ach", executed_at=_at(WED, 12))
    services.entry_settle(entry=sell, executed_at=_at(THU, 17))
    return portfolio, sell


def test_fifo_sale_realises_the_hand_computed_gain_per_lot(worked, stock):
    portfolio, sell = worked
    disposals = list(LotDisposal.objects.filter(entry=sell).order_by("acquired_at"))

    assert [(d.quantity, d.proceeds, d.cost_basis, d.gain) for d in disposals] == [
        (Decimal("10"), Decimal("1299.33"), Decimal("1001.00"), Decimal("298.33")),
        (Decimal("5"), Decimal("649.67"), Decimal("600.50"), Decimal("49.17")),
    ]
    assert {d.term for d in disposals} == {Term.SHORT}
    assert sum(d.gain for d in disposals) == Decimal("347.50")


def test_remaining_lot_and_position_carry_the_hand_computed_cost_basis(worked, stock):
    portfolio, _ = worked
    lots = list(TaxLot.objects.filter(portfolio=portfolio).order_by("acquired_at"))
    assert [(lot.remaining_quantity, lot.cost_remaining) for lot in lots] == [
        (Decimal("0"), Decimal("0.00")),
        (Decimal("5"), Decimal("600.50")),
    ]
    holdings = selectors.portfolio_holdings(portfolio=portfolio)
    (line,) = holdings.positions
    assert line.quantity == Decimal("5")
    assert line.cost_basis == Decimal("600.50")
    assert line.average_cost == Decimal("120.10000000")
    assert line.market_value == Decimal("625.00")
    assert line.unrealized_pnl == Decimal("24.50")
    assert line.unrealized_pnl_pct == Decimal("4.0799")


def test_cash_is_settled_after_settlement_and_the_ledger_is_clean(worked):
    portfolio, _ = worked
    cash = selectors.cash_balances(portfolio=portfolio)
    assert (cash.available, cash.unsettled, cash.reserved) == (Decimal("8747.00"), Decimal("0.00"), Decimal("0.00"))
    assert portfolio.accounts.get(kind=AccountKind.CASH).balance == Decimal("8747.00")
    assert ledger_problems() == []


def test_performance_reports_the_hand_computed_twr_and_pnl(worked):
    portfolio, _ = worked
    period = selectors.performance_range(portfolio=portfolio, name="custom", start=MON, end=THU)
    report = selectors.portfolio_performance(portfolio=portfolio, period=period)

    assert report["time_weighted_return"] == f"{Decimal(TWR.numerator) / Decimal(TWR.denominator):.8f}"
    assert report["time_weighted_return"] == "0.03703766"
    assert [(p["date"], p["value"]) for p in report["series"]] == [
        ("2026-03-01", "0.00"),
        ("2026-03-02", "9999.00"),
        ("2026-03-03", "10198.00"),
        ("2026-03-04", "9397.00"),
        ("2026-03-05", "9372.00"),
    ]
    assert report["net_deposits"] == "9000.00"
    assert report["realized_pnl"] == "347.50"
    assert report["unrealized_pnl"] == "24.50"
    assert report["fees"] == "3.00"
    assert report["end_value"] == "9372.00"
