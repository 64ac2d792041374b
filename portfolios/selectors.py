"""Reads. Customer-facing ones are scoped to the caller; other apps read portfolios through these.

For other apps: `customer_balances`, `portfolio_get_for_user`, `portfolio_list`, `cash_balances`,
`position_get`, `entry_due_list`, `entry_list`, `realized_gain_list`.
Valuation and analytics: `portfolio_holdings`, `portfolio_risk`, `asset_detail`, and
`portfolio_performance` (in `portfolios.performance`, re-exported here).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Case, DecimalField, F, Q, QuerySet, Sum, When
from django.utils import timezone

from blockguardian.calendar import business_date, business_tz
from blockguardian.money import ZERO, quantize_cash

from .errors import AssetNotFound, PortfolioNotFound
from .models import (
    AccountKind,
    Asset,
    AssetClass,
    EntryKind,
    JournalEntry,
    LedgerAccount,
    LotDisposal,
    Portfolio,
    PortfolioStatus,
    Position,
    Posting,
    Price,
    PriceLoad,
    Term,
)

K = AccountKind
RATIO_PLACES = Decimal("0.00000001")
PERCENT_PLACES = Decimal("0.0001")


def ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    if not denominator:
        return None
    return (numerator / denominator).quantize(RATIO_PLACES, rounding=ROUND_HALF_UP)


# --- other apps ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerBalances:
    """A customer's money across their open portfolios.

    settled_cash: settled cash, including what is reserved for pending orders (not blocked funds).
    total_cash: settled plus unsettled cash, less any shortfall the customer owes (negative when
        the shortfall is larger than the cash).
    market_value: positions at each asset's last price, rounded to the cent.
    """

    settled_cash: Decimal
    total_cash: Decimal
    market_value: Decimal


def customer_balances(*, user) -> CustomerBalances:
    """Two queries: the cash accounts by kind, and the positions at last price."""
    by_kind = dict(
        LedgerAccount.objects.filter(portfolio__owner=user, portfolio__status=PortfolioStatus.OPEN)
        .order_by()
        .values_list("kind")
        .annotate(total=Sum("balance"))
        .values_list("kind", "total")
    )
    settled = by_kind.get(K.CASH, ZERO) + by_kind.get(K.RESERVED, ZERO)
    total = settled + by_kind.get(K.UNSETTLED, ZERO) + by_kind.get(K.OWED, ZERO)
    market = Position.objects.filter(
        portfolio__owner=user, portfolio__status=PortfolioStatus.OPEN, quantity__gt=0, asset__last_price__isnull=False
    ).aggregate(
        value=Sum(F("quantity") * F("asset__last_price"), output_field=DecimalField(max_digits=40, decimal_places=16))
    )["value"]
    return CustomerBalances(
        settled_cash=quantize_cash(settled), total_cash=quantize_cash(total), market_value=quantize_cash(market or 0)
    )


def portfolio_list(*, user) -> QuerySet[Portfolio]:
    """The user's portfolios (open and closed), oldest first, with their benchmark."""
    return Portfolio.objects.filter(owner=user).select_related("benchmark").order_by("id")


def portfolio_get_for_user(*, user, pk) -> Portfolio:
    """The user's own portfolio; `NotFound` (404) for anyone else's or a missing one."""
    try:
        return portfolio_list(user=user).get(pk=int(pk))
    except (Portfolio.DoesNotExist, TypeError, ValueError) as exc:
        raise PortfolioNotFound() from exc


@dataclass(frozen=True)
class CashBalances:
    """available: settled and unreserved (withdrawable, buying power); reserved: held for pending
    orders; unsettled: deposits and sale proceeds not yet settled; owed: a shortfall the customer
    owes (positive here); blocked: held in blocked funds; total: available + reserved + unsettled
    - owed."""

    available: Decimal
    reserved: Decimal
    unsettled: Decimal
    owed: Decimal
    blocked: Decimal

    @property
    def settled(self) -> Decimal:
        return self.available + self.reserved

    @property
    def total(self) -> Decimal:
        return self.available + self.reserved + self.unsettled - self.owed


def cash_balances(*, portfolio: Portfolio) -> CashBalances:
    """The portfolio's cash by state (two queries). Not locked: for a decision that must hold,
    call a service, which checks again under the portfolio's lock."""
    by_kind = dict(LedgerAccount.objects.filter(portfolio=portfolio).values_list("kind", "balance"))
    blocked = Posting.objects.filter(
        account__kind=K.BLOCKED_FUNDS, account__portfolio__isnull=True, entry__portfolio=portfolio
    ).aggregate(total=Sum("amount"))["total"]
    return CashBalances(
        available=by_kind.get(K.CASH, ZERO),
        reserved=by_kind.get(K.RESERVED, ZERO),
        unsettled=by_kind.get(K.UNSETTLED, ZERO),
        owed=-by_kind.get(K.OWED, ZERO),
        blocked=blocked or ZERO,
    )


def position_get(*, portfolio: Portfolio, asset: Asset) -> Position | None:
    return Position.objects.filter(portfolio=portfolio, asset=asset).first()


def entry_list(*, portfolio: Portfolio) -> QuerySet[JournalEntry]:
    """The portfolio's journal entries, newest first, with asset and postings' accounts ready."""
    return (
        JournalEntry.objects.filter(portfolio=portfolio)
        .select_related("asset")
        .prefetch_related("postings__account")
        .order_by("-executed_at", "-id")
    )


def entry_due_list(*, on_or_before: dt.date) -> QuerySet[JournalEntry]:
    """Buys, sells and ACH deposits due to settle by `on_or_before` that are neither settled nor
    reversed (what the settlement job passes to `services.entry_settle`), oldest first."""
    return (
        JournalEntry.objects.filter(
            kind__in=[EntryKind.BUY, EntryKind.SELL, EntryKind.DEPOSIT],
            settlement_date__isnull=False,
            settlement_date__lte=on_or_before,
            settlement__isnull=True,
            reversal__isnull=True,
        )
        .select_related("asset")
        .order_by("settlement_date", "id")
    )


def realized_gain_list(*, portfolio: Portfolio, year: int | None = None) -> QuerySet[LotDisposal]:
    """Closed lots (one row per lot a sell consumed) with acquisition and sale dates, proceeds,
    cost basis, gain and term; disposals of failed sells are left out. `year` is the tax year of
    the sale (business time zone)."""
    rows = LotDisposal.objects.filter(portfolio=portfolio, voided_by__isnull=True).select_related("asset")
    if year is not None:
        tz = business_tz()
        rows = rows.filter(
            disposed_at__gte=dt.datetime(year, 1, 1, tzinfo=tz), disposed_at__lt=dt.datetime(year + 1, 1, 1, tzinfo=tz)
        )
    return rows.order_by("disposed_at", "id")


@dataclass(frozen=True)
class RealizedGainsReport:
    portfolio_id: int
    year: int
    lots: list[LotDisposal]
    proceeds: Decimal
    cost_basis: Decimal
    gain: Decimal
    short_term_gain: Decimal
    long_term_gain: Decimal


def realized_gains_report(*, portfolio: Portfolio, year: int | None = None) -> RealizedGainsReport:
    """The closed lots of a tax year (default the current one) with their totals (one query)."""
    year = year or today().year
    lots = list(realized_gain_list(portfolio=portfolio, year=year))
    return RealizedGainsReport(
        portfolio_id=portfolio.pk,
        year=year,
        lots=lots,
        proceeds=sum((lot.proceeds for lot in lots), ZERO),
        cost_basis=sum((lot.cost_basis for lot in lots), ZERO),
        gain=sum((lot.gain for lot in lots), ZERO),
        short_term_gain=sum((lot.gain for lot in lots if lot.term == Term.SHORT), ZERO),
        long_term_gain=sum((lot.gain for lot in lots if lot.term == Term.LONG), ZERO),
    )


# --- assets -------------------------------------------------------------------------------------


def asset_list(*, asset_class: str | None = None, search: str | None = None) -> QuerySet[Asset]:
    assets = Asset.objects.all().order_by("symbol")
    if asset_class:
        assets = assets.filter(asset_class=asset_class)
    if search:
        assets = assets.filter(Q(symbol__icontains=search.strip()) | Q(name__icontains=search.strip()))
    return assets


def asset_get(*, pk) -> Asset:
    try:
        return Asset.objects.get(pk=int(pk))
    except (Asset.DoesNotExist, TypeError, ValueError) as exc:
        raise AssetNotFound() from exc


@dataclass(frozen=True)
class AssetDetail:
    asset: Asset
    last_price: Decimal | None
    last_price_at: dt.datetime | None
    change_1d: Decimal | None
    change_1d_pct: Decimal | None
    change_30d: Decimal | None
    change_30d_pct: Decimal | None


def _close_at_or_before(asset: Asset, moment: dt.datetime) -> Decimal | None:
    return (
        Price.objects.filter(asset=asset, timestamp__lte=moment)
        .order_by("-timestamp")
        .values_list("close", flat=True)
        .first()
    )


def asset_detail(*, asset: Asset) -> AssetDetail:
    """Latest price and its change over 1 and 30 days (against the last close at or before the
    latest bar's time minus 1 and 30 days)."""
    last, at = asset.last_price, asset.last_price_at
    if last is None or at is None:
        return AssetDetail(asset, None, None, None, None, None, None)
    changes = []
    for days in (1, 30):
        before = _close_at_or_before(asset, at - dt.timedelta(days=days))
        if before:
            changes += [last - before, ((last / before - 1) * 100).quantize(PERCENT_PLACES, ROUND_HALF_UP)]
        else:
            changes += [None, None]
    return AssetDetail(asset, last, at, *changes)


# --- holdings -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HoldingLine:
    asset: Asset
    quantity: Decimal
    quantity_reserved: Decimal
    average_cost: Decimal
    cost_basis: Decimal
    last_price: Decimal | None
    last_price_at: dt.datetime | None
    market_value: Decimal | None
    unrealized_pnl: Decimal | None
    unrealized_pnl_pct: Decimal | None
    weight: Decimal | None


@dataclass(frozen=True)
class Holdings:
    portfolio: Portfolio
    positions: list[HoldingLine]
    cash: CashBalances
    market_value: Decimal
    cost_basis: Decimal
    unrealized_pnl: Decimal
    unrealized_pnl_pct: Decimal | None
    total_value: Decimal
    cash_weight: Decimal | None
    as_of: dt.datetime


def portfolio_holdings(*, portfolio: Portfolio) -> Holdings:
    """Each position at its asset's last price: quantity, average cost, cost basis, market value,
    unrealised P&L (amount and %), weight in the total value (positions plus cash), and the cash
    by state. Exact decimals; three queries whatever the number of positions."""
    positions = list(
        Position.objects.filter(portfolio=portfolio, quantity__gt=0).select_related("asset").order_by("asset__symbol")
    )
    cash = cash_balances(portfolio=portfolio)
    valued = []
    for position in positions:
        price = position.asset.last_price
        value = quantize_cash(position.quantity * price) if price is not None else None
        valued.append((position, price, value))
    market_value = sum((v for _, _, v in valued if v is not None), ZERO)
    cost_basis = sum((p.cost_basis for p in positions), ZERO)
    total = market_value + cash.total + cash.blocked
    lines = []
    for position, price, value in valued:
        pnl = value - position.cost_basis if value is not None else None
        lines.append(
            HoldingLine(
                asset=position.asset,
                quantity=position.quantity,
                quantity_reserved=position.quantity_reserved,
                average_cost=(position.cost_basis / position.quantity).quantize(RATIO_PLACES, ROUND_HALF_UP),
                cost_basis=position.cost_basis,
                last_price=price,
                last_price_at=position.asset.last_price_at,
                market_value=value,
                unrealized_pnl=pnl,
                unrealized_pnl_pct=(
                    (pnl / position.cost_basis * 100).quantize(PERCENT_PLACES, ROUND_HALF_UP)
                    if pnl is not None and position.cost_basis
                    else None
                ),
                weight=ratio(value, total) if value is not None and total > 0 else None,
            )
        )
    pnl_total = market_value - sum((p.cost_basis for p, _, v in valued if v is not None), ZERO)
    return Holdings(
        portfolio=portfolio,
        positions=lines,
        cash=cash,
        market_value=market_value,
        cost_basis=cost_basis,
        unrealized_pnl=pnl_total,
        unrealized_pnl_pct=(pnl_total / cost_basis * 100).quantize(PERCENT_PLACES, ROUND_HALF_UP)
        if cost_basis
        else None,
        total_value=total,
        cash_weight=ratio(cash.total + cash.blocked, total) if total > 0 else None,
        as_of=timezone.now(),
    )


# --- risk -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskCheck:
    rule: str
    description: str
    value: Decimal | None
    threshold: Decimal
    status: str  # "pass" | "warn"
    detail: str


def portfolio_risk(*, portfolio: Portfolio) -> list[RiskCheck]:
    """Pass/warn per rule against the thresholds in settings: concentration in one asset and in
    one asset class, crypto share, fee ratio (fees of the last 365 days over the current total
    value) and cash drag (cash share of the total value)."""
    holdings = portfolio_holdings(portfolio=portfolio)
    total = holdings.total_value
    by_asset = sorted(
        ((line.market_value or ZERO, line.asset) for line in holdings.positions), key=lambda x: x[0], reverse=True
    )
    by_class: dict[str, Decimal] = {}
    for value, asset in by_asset:
        by_class[asset.asset_class] = by_class.get(asset.asset_class, ZERO) + value
    since = timezone.now() - dt.timedelta(days=365)
    fees = (
        JournalEntry.objects.filter(portfolio=portfolio, executed_at__gte=since).aggregate(total=Sum("fee"))["total"]
        or ZERO
    )

    def check(rule, description, value, threshold_setting, detail) -> RiskCheck:
        threshold = Decimal(getattr(settings, threshold_setting))
        status = "warn" if value is not None and value > threshold else "pass"
        return RiskCheck(rule, description, value, threshold, status, detail)

    top_value, top_asset = by_asset[0] if by_asset else (ZERO, None)
    top_class = max(by_class.items(), key=lambda kv: kv[1]) if by_class else (None, ZERO)
    return [
        check(
            "asset_concentration",
            "Largest single position as a share of the total value.",
            ratio(top_value, total) if total > 0 else None,
            "PORTFOLIOS_RISK_MAX_ASSET_SHARE",
            top_asset.symbol if top_asset else "",
        ),
        check(
            "class_concentration",
            "Largest asset class as a share of the total value.",
            ratio(top_class[1], total) if total > 0 else None,
            "PORTFOLIOS_RISK_MAX_CLASS_SHARE",
            top_class[0] or "",
        ),
        check(
            "crypto_share",
            "Crypto assets as a share of the total value.",
            ratio(by_class.get(AssetClass.CRYPTO, ZERO), total) if total > 0 else None,
            "PORTFOLIOS_RISK_MAX_CRYPTO_SHARE",
            "",
        ),
        check(
            "fee_ratio",
            "Fees charged over the last 365 days as a share of the current total value.",
            ratio(fees, total) if total > 0 else None,
            "PORTFOLIOS_RISK_MAX_FEE_RATIO",
            f"fees {fees}",
        ),
        check(
            "cash_drag",
            "Cash (settled, unsettled and held) as a share of the total value.",
            holdings.cash_weight,
            "PORTFOLIOS_RISK_MAX_CASH_SHARE",
            "",
        ),
    ]


# --- versions for caches ----------------------------------------------------------------------


def price_version() -> str:
    """Changes with every price load (the analytics caches key on it)."""
    row = PriceLoad.objects.order_by("-id").values_list("id", "finished_at").first()
    if row is None:
        return "0"
    return f"{row[0]}.{row[1].timestamp() if row[1] else 'running'}"


def fees_and_income(*, portfolio: Portfolio, start: dt.datetime, end: dt.datetime) -> dict[str, Decimal]:
    """Fees, dividends and interest of entries executed in [start, end), reversals netted."""
    sign = Case(When(kind=EntryKind.REVERSAL, then=-1), default=1)
    rows = JournalEntry.objects.filter(portfolio=portfolio, executed_at__gte=start, executed_at__lt=end).aggregate(
        fees=Sum("fee"),
        dividends=Sum(
            Case(When(Q(kind=EntryKind.DIVIDEND) | Q(reverses__kind=EntryKind.DIVIDEND), then=F("gross") * sign)),
            output_field=DecimalField(max_digits=20, decimal_places=2),
        ),
        interest=Sum(
            Case(When(Q(kind=EntryKind.INTEREST) | Q(reverses__kind=EntryKind.INTEREST), then=F("gross") * sign)),
            output_field=DecimalField(max_digits=20, decimal_places=2),
        ),
    )
    return {k: quantize_cash(v or 0) for k, v in rows.items()}


def business_day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, the day after end 00:00) in the business time zone."""
    tz = business_tz()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def today() -> dt.date:
    return business_date(timezone.now())


from .performance import PerformanceRange, performance_range, portfolio_performance  # noqa: E402

__all__ = [
    "CashBalances",
    "CustomerBalances",
    "PerformanceRange",
    "asset_detail",
    "asset_get",
    "asset_list",
    "cash_balances",
    "customer_balances",
    "entry_due_list",
    "entry_list",
    "performance_range",
    "portfolio_get_for_user",
    "portfolio_holdings",
    "portfolio_list",
    "portfolio_performance",
    "portfolio_risk",
    "position_get",
    "realized_gain_list",
]
