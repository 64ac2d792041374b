"""Demo data for `make run`: the asset catalogue, the bundled price history, and a portfolio for
the demo customer built through the ledger services (a deposit, monthly savings, buys, a sale,
dividends, a fee), so the holdings and performance endpoints show real-looking numbers.

Idempotent: the catalogue is upserted, the prices are loaded once (a re-load would change
nothing anyway), and the portfolio is built only if the customer has none by that name.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from blockguardian.calendar import business_date
from blockguardian.money import quantize_cash

from . import services
from .catalogue import CATALOGUE
from .models import Asset, EntryKind, JournalEntry, Portfolio, Price, PriceLoad
from .pricefiles import price_records

DEMO_PORTFOLIO_NAME = "Demo growth"
# (symbol, share of the initial deposit)
DEMO_ALLOCATION = [
    ("SPY", "0.22"),
    ("AAPL", "0.12"),
    ("MSFT", "0.10"),
    ("QQQ", "0.10"),
    ("NVDA", "0.06"),
    ("AGG", "0.10"),
    ("GLD", "0.08"),
    ("BTC-USD", "0.06"),
    ("ETH-USD", "0.04"),
]
INITIAL_DEPOSIT = Decimal("100000.00")
MONTHLY_SAVING = Decimal("1000.00")
TRADE_FEE = Decimal("1.00")


def load_catalogue() -> int:
    created = 0
    for item in CATALOGUE:
        _, new = services.asset_upsert(
            symbol=item.symbol,
            name=item.name,
            asset_class=item.asset_class,
            exchange=item.exchange,
            issuer_name=item.issuer,
            issuer_country=item.issuer_country,
        )
        created += new
    return created


def load_bundled_prices() -> int:
    path = Path(settings.PORTFOLIOS_DEMO_PRICES_FILE)
    if PriceLoad.objects.filter(source=str(path), finished_at__isnull=False, rows_written__gt=0).exists():
        return 0
    with price_records(path) as records:
        result = services.prices_load(records=records, source=str(path))
    return result.rows_written


def _bar(symbol: str, on_or_after: dt.datetime) -> tuple[Asset, Price] | None:
    asset = Asset.objects.get(symbol=symbol)
    bar = Price.objects.filter(asset=asset, timestamp__gte=on_or_after).order_by("timestamp").first()
    return (asset, bar) if bar else None


def _settle_due(portfolio: Portfolio, now: dt.datetime) -> None:
    from .selectors import entry_due_list

    for entry in entry_due_list(on_or_before=business_date(now)).filter(portfolio=portfolio):
        settle_at = dt.datetime.combine(entry.settlement_date, dt.time(17, 0), tzinfo=now.tzinfo)
        services.entry_settle(entry=entry, executed_at=min(max(settle_at, entry.executed_at), now))


@transaction.atomic
def build_demo_portfolio(*, owner, now: dt.datetime) -> Portfolio:
    spy = Asset.objects.get(symbol="SPY")
    end = spy.last_price_at or now
    start = end - dt.timedelta(days=730)
    portfolio = services.portfolio_create(owner=owner, name=DEMO_PORTFOLIO_NAME, benchmark=spy)
    first = _bar("SPY", start)
    opened = first[1].timestamp - dt.timedelta(hours=3)
    services.cash_deposit(portfolio=portfolio, amount=INITIAL_DEPOSIT, method="wire", executed_at=opened)
    for symbol, share in DEMO_ALLOCATION:
        found = _bar(symbol, opened)
        if not found:
            continue
        asset, bar = found
        budget = INITIAL_DEPOSIT * Decimal(share) - TRADE_FEE
        places = Decimal(1).scaleb(-min(asset.quantity_places, 4))
        quantity = (budget / bar.close).quantize(places, rounding=ROUND_DOWN)
        if quantity > 0:
            services.trade_buy(
                portfolio=portfolio,
                asset=asset,
                quantity=quantity,
                price=bar.close,
                fee=TRADE_FEE,
                executed_at=max(bar.timestamp, opened + dt.timedelta(minutes=1)),
            )
    # Monthly savings by ACH, invested in SPY; quarterly SPY dividends; a sale; a platform fee.
    month = start
    for index in range(1, 24):
        month = start + dt.timedelta(days=30 * index)
        if month >= end:
            break
        found = _bar("SPY", month)
        if not found:
            break
        asset, bar = found
        _settle_due(portfolio, bar.timestamp)
        services.cash_deposit(
            portfolio=portfolio, amount=MONTHLY_SAVING, method="ach", executed_at=bar.timestamp - dt.timedelta(hours=5)
        )
        _settle_due(portfolio, bar.timestamp + dt.timedelta(days=3))
        if index % 3 == 0:
            held = portfolio.positions.get(asset=asset).quantity
            services.dividend_credit(
                portfolio=portfolio,
                asset=asset,
                amount=quantize_cash(held * Decimal("1.65")),
                executed_at=bar.timestamp - dt.timedelta(hours=4),
            )
        later = _bar("SPY", bar.timestamp + dt.timedelta(days=3))
        if later:
            cash = portfolio.accounts.get(kind="cash").balance
            quantity = ((cash - TRADE_FEE) / later[1].close).quantize(Decimal(1), rounding=ROUND_DOWN)
            if quantity > 0:
                services.trade_buy(
                    portfolio=portfolio,
                    asset=asset,
                    quantity=quantity,
                    price=later[1].close,
                    fee=TRADE_FEE,
                    executed_at=later[1].timestamp,
                )
        if index == 18:
            aapl = _bar("AAPL", bar.timestamp)
            if aapl:
                services.trade_sell(
                    portfolio=portfolio,
                    asset=aapl[0],
                    quantity=portfolio.positions.get(asset=aapl[0]).quantity // 3,
                    price=aapl[1].close,
                    fee=TRADE_FEE,
                    executed_at=aapl[1].timestamp,
                )
        if index == 12:
            services.fee_charge(
                portfolio=portfolio,
                amount=Decimal("25.00"),
                memo="annual platform fee",
                executed_at=bar.timestamp - dt.timedelta(hours=2),
            )
    _settle_due(portfolio, now)
    return portfolio


def load_demo_portfolios() -> list[str]:
    from accounts.demo import DEMO_CUSTOMER_EMAIL

    from .selectors import portfolio_holdings

    created = load_catalogue()
    written = load_bundled_prices()
    lines = ["", "Portfolios:", f"  {Asset.objects.count()} assets ({created} new), {written} price bars loaded now"]
    owner = get_user_model().objects.filter(email=DEMO_CUSTOMER_EMAIL).first()
    if owner is None:
        return [*lines, "  (no demo customer: skipped the demo portfolio)"]
    portfolio = Portfolio.objects.filter(owner=owner, name=DEMO_PORTFOLIO_NAME).first()
    if portfolio is None:
        from django.utils import timezone

        portfolio = build_demo_portfolio(owner=owner, now=timezone.now())
    holdings = portfolio_holdings(portfolio=portfolio)
    trades = JournalEntry.objects.filter(portfolio=portfolio, kind__in=[EntryKind.BUY, EntryKind.SELL]).count()
    lines += [
        f"  demo customer's portfolio {portfolio.pk} '{portfolio.name}': {len(holdings.positions)} positions, "
        f"{trades} trades, total value ${holdings.total_value:,}",
        f"  try GET /api/portfolios/{portfolio.pk}/holdings and /api/portfolios/{portfolio.pk}/performance?range=1y",
    ]
    return lines
