"""Orders: placement, fills (at once, at the open, when a price load crosses a limit), cancel,
expiry.

Locking order: the transaction row first (`select_for_update`), then the portfolio through the
`portfolios.services` call. An order that cannot be paid for is refused and leaves nothing but its
fraud decision.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import structlog
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.services import restriction_assert_allows
from blockguardian.calendar import business_date, is_market_open, next_session_open, session_bounds
from blockguardian.errors import ApplicationError
from blockguardian.money import has_places, quantize_cash, to_decimal
from fraud.events import EventType, MoneyMovementEvent
from portfolios import services as ledger
from portfolios.prices import latest_price, session_bar

from ..errors import AssetNotTradable, InvalidOrder, TransactionStateError
from ..models import OPEN_STATUSES, Execution, OrderType, Source, Status, TimeInForce, Transaction, TransactionType
from ._common import (
    fraud_assess,
    fraud_follow_up,
    kyc_assert,
    lock_transaction,
    quantity_for_notional,
    spread_price,
    trade_fee,
)

logger = structlog.get_logger(__name__)
ALWAYS = "always"


def _decimal(value: Any, name: str) -> Decimal:
    try:
        number = to_decimal(value)
    except (TypeError, ValueError) as exc:
        raise InvalidOrder(f"{name} must be a decimal number", errors={name: ["not a decimal number"]}) from exc
    if not number.is_finite() or number <= 0:
        raise InvalidOrder(f"{name} must be positive", errors={name: ["must be positive"]})
    return number


def trades_now(asset: Any, moment: dt.datetime) -> bool:
    return asset.calendar == ALWAYS or is_market_open(moment)


def _session_for(moment: dt.datetime) -> tuple[dt.date, dt.datetime, dt.datetime]:
    """The NYSE session an order placed at `moment` belongs to: the current one while open, else
    the next (its date, open and close)."""
    if is_market_open(moment):
        day = business_date(moment)
    else:
        day = business_date(next_session_open(moment))
    open_, close = session_bounds(day)
    return day, open_, close


def order_validate(
    *,
    side: str,
    asset: Any,
    quantity: Any = None,
    notional: Any = None,
    order_type: str = OrderType.MARKET,
    limit_price: Any = None,
    time_in_force: str = TimeInForce.DAY,
) -> dict:
    """The order's terms, checked: quantity xor notional (notional for market buys only), positive
    amounts in the asset's precision, a limit price for limit orders."""
    if side not in (TransactionType.BUY, TransactionType.SELL):
        raise InvalidOrder("side must be buy or sell", errors={"type": ["buy or sell"]})
    if not asset.tradable:
        raise AssetNotTradable(f"{asset.symbol} is not tradable.")
    if order_type not in OrderType.values:
        raise InvalidOrder("order_type must be market or limit", errors={"order_type": ["market or limit"]})
    if time_in_force not in TimeInForce.values:
        raise InvalidOrder("time_in_force must be day or gtc", errors={"time_in_force": ["day or gtc"]})
    if (quantity is None) == (notional is None):
        raise InvalidOrder("give either quantity or notional", errors={"quantity": ["quantity or notional"]})
    terms = {"quantity": None, "notional": None, "limit_price": None}
    if quantity is not None:
        terms["quantity"] = _decimal(quantity, "quantity")
        if not has_places(terms["quantity"], asset.quantity_places):
            raise InvalidOrder(
                f"{asset.symbol} trades in at most {asset.quantity_places} decimal places",
                errors={"quantity": [f"at most {asset.quantity_places} decimal places"]},
            )
    else:
        if side != TransactionType.BUY or order_type != OrderType.MARKET:
            raise InvalidOrder(
                "a notional amount is accepted for market buys only", errors={"notional": ["market buys only"]}
            )
        terms["notional"] = _decimal(notional, "notional")
        if not has_places(terms["notional"], 2):
            raise InvalidOrder("notional has more than 2 decimal places", errors={"notional": ["2 decimal places"]})
    if order_type == OrderType.LIMIT:
        if limit_price is None:
            raise InvalidOrder("a limit order needs a limit price", errors={"limit_price": ["required"]})
        terms["limit_price"] = _decimal(limit_price, "limit_price")
        if not has_places(terms["limit_price"], 8):
            raise InvalidOrder("limit_price has more than 8 decimal places", errors={"limit_price": ["8 places"]})
    elif limit_price is not None:
        raise InvalidOrder("a market order takes no limit price", errors={"limit_price": ["market order"]})
    return terms


def order_place(
    *,
    user: Any,
    portfolio: Any,
    side: str,
    asset: Any,
    quantity: Any = None,
    notional: Any = None,
    order_type: str = OrderType.MARKET,
    limit_price: Any = None,
    time_in_force: str = TimeInForce.DAY,
    ip: str | None = None,
    user_agent: str | None = None,
) -> Transaction:
    """Place a customer's buy or sell.

    During its market's hours (crypto: always) a market order fills at once at the latest price
    with the spread and fee schedule, and a limit order that the latest price already crosses fills
    too; otherwise the order rests as `pending` with its cash (buys) or quantity (sells) reserved:
    a market order waits for the next open (a day order expires at that session's close), a limit
    order for a price load that crosses it. A fraud `review` stores it as `pending_review`,
    reserved. Must be called outside any transaction (fraud's decision is durable).
    """
    terms = order_validate(
        side=side,
        asset=asset,
        quantity=quantity,
        notional=notional,
        order_type=order_type,
        limit_price=limit_price,
        time_in_force=time_in_force,
    )
    if not portfolio.is_open:
        raise TransactionStateError("This portfolio is closed.")
    restriction_assert_allows(user=user, movement="debit")
    moment = timezone.now()
    quote = latest_price(asset)
    estimate_price = terms["limit_price"] or quote.price
    estimate = terms["notional"] or quantize_cash(terms["quantity"] * estimate_price)
    if estimate > settings.TRADING_MAX_ORDER_AMOUNT:
        raise InvalidOrder(
            f"orders above {settings.TRADING_MAX_ORDER_AMOUNT} dollars are arranged with operations",
            errors={"quantity": ["the order's value is above the limit"]},
        )
    kyc_assert(user=user, amount=estimate)
    event = MoneyMovementEvent(
        customer=user,
        portfolio_id=portfolio.pk,
        type=side,
        method=None,
        amount=estimate,
        asset=asset.symbol,
        destination=None,
        occurred_at=moment,
        ip=ip,
        user_agent=user_agent,
    )
    decision = fraud_assess(event)
    open_now = trades_now(asset, moment)
    with transaction.atomic():
        tx = Transaction.objects.create(
            user=user,
            portfolio=portfolio,
            type=side,
            status=Status.PENDING_REVIEW if decision.needs_review else Status.PENDING,
            source=Source.API,
            asset=asset,
            order_type=order_type,
            time_in_force=time_in_force,
            quantity=terms["quantity"],
            notional=terms["notional"],
            limit_price=terms["limit_price"],
            fraud_decision_id=decision.id,
            ip_address=ip or None,
            user_agent=(user_agent or "")[:300],
            requested_at=moment,
        )
        fill_price = None
        # A stale quote (older than PORTFOLIOS_PRICE_STALE_HOURS) is no price to fill at: the order
        # rests, queued for the session, and fills at its opening bar.
        if not decision.needs_review and open_now and not quote.is_stale:
            candidate = spread_price(asset=asset, quote=quote.price, side=side)
            if order_type == OrderType.MARKET or _crosses(tx, candidate):
                fill_price = candidate
        if fill_price is not None:
            _fill(tx, quote_price=quote.price, price=fill_price, executed_at=moment, source=quote.source)
        else:
            _rest(tx, moment=moment, quote_price=quote.price)
        fraud_follow_up(event=event, reference=tx.ledger_reference, decision_id=decision.id)
    return tx


def _crosses(tx: Transaction, price: Decimal) -> bool:
    if tx.order_type != OrderType.LIMIT:
        return True
    return price <= tx.limit_price if tx.type == TransactionType.BUY else price >= tx.limit_price


def _buy_reserve_amount(tx: Transaction, quote_price: Decimal) -> Decimal:
    asset = tx.asset
    if tx.notional is not None:
        gross = tx.notional
    elif tx.order_type == OrderType.LIMIT:
        gross = quantize_cash(tx.quantity * tx.limit_price)
    else:
        buffer = (Decimal(10000) + settings.TRADING_MARKET_BUY_RESERVE_BUFFER_BPS) / Decimal(10000)
        gross = quantize_cash(tx.quantity * spread_price(asset=asset, quote=quote_price, side="buy") * buffer)
    return gross + trade_fee(asset=asset, gross=gross)


def _rest(tx: Transaction, *, moment: dt.datetime, quote_price: Decimal) -> None:
    """Reserve what the order needs and leave it open (`pending` or `pending_review`)."""
    asset = tx.asset
    update = ["reservation"]
    # A market order while its market is open rests only for want of a fresh price (or for a fraud
    # review): the next price load fills it (`limit_orders_cross`), at that price and time.
    awaiting_price = tx.order_type == OrderType.MARKET and trades_now(asset, moment)
    if awaiting_price:
        pass
    elif asset.calendar != ALWAYS:
        day, _open, close = _session_for(moment)
        if tx.order_type == OrderType.MARKET or not is_market_open(moment):
            tx.queued_for = day
            update.append("queued_for")
        if tx.time_in_force == TimeInForce.DAY:
            tx.expires_at = close
            update.append("expires_at")
    elif tx.time_in_force == TimeInForce.DAY:
        tx.expires_at = moment + dt.timedelta(days=1)
        update.append("expires_at")
    if tx.type == TransactionType.BUY:
        tx.reservation = ledger.cash_reserve(
            portfolio=tx.portfolio_id,
            amount=_buy_reserve_amount(tx, quote_price),
            reference=tx.ledger_reference,
            executed_at=moment,
        )
    else:
        tx.reservation = ledger.quantity_reserve(
            portfolio=tx.portfolio_id, asset=asset, quantity=tx.quantity, reference=tx.ledger_reference
        )
    tx.save(update_fields=[*update, "updated_at"])


def _fill(tx: Transaction, *, quote_price: Decimal, price: Decimal, executed_at: dt.datetime, source: str) -> None:
    """Book the fill through portfolios (consuming the reservation, if any) and record it."""
    asset = tx.asset
    quantity = tx.quantity
    if quantity is None:
        quantity = quantity_for_notional(asset=asset, notional=tx.notional, price=price)
        if quantity <= 0:
            raise InvalidOrder(
                f"{tx.notional} buys no {asset.symbol} at {price}", errors={"notional": ["too small at this price"]}
            )
    gross = quantize_cash(quantity * price)
    fee = trade_fee(asset=asset, gross=gross)
    book = ledger.trade_buy if tx.type == TransactionType.BUY else ledger.trade_sell
    entry = book(
        portfolio=tx.portfolio_id,
        asset=asset,
        quantity=quantity,
        price=price,
        fee=fee,
        executed_at=executed_at,
        reservation=tx.reservation_id,
        reference=f"{tx.ledger_reference}:fill",
    )
    Execution.objects.create(
        transaction=tx,
        quantity=quantity,
        quote_price=quote_price,
        price=price,
        gross=gross,
        fee=fee,
        price_source=source[:32],
        executed_at=executed_at,
        entry=entry,
    )
    tx.status = Status.FILLED
    tx.filled_quantity = quantity
    tx.price = price
    tx.amount = gross
    tx.fee = fee
    tx.entry = entry
    tx.executed_at = executed_at
    tx.trade_date = business_date(executed_at)
    tx.settlement_date = entry.settlement_date
    tx.save(
        update_fields=[
            "status",
            "filled_quantity",
            "price",
            "amount",
            "fee",
            "entry",
            "executed_at",
            "trade_date",
            "settlement_date",
            "updated_at",
        ]
    )


def _close(tx: Transaction, *, status: str, reason: str = "", moment: dt.datetime | None = None) -> Transaction:
    """Release the reservation exactly and close an open transaction (the row is locked)."""
    if tx.reservation_id:
        ledger.reservation_release(reservation=tx.reservation_id)
    tx.status = status
    tx.status_reason = reason[:300]
    tx.closed_at = moment or timezone.now()
    tx.save(update_fields=["status", "status_reason", "closed_at", "updated_at"])
    return tx


@transaction.atomic
def transaction_cancel(*, transaction_id: int, reason: str = "cancelled by the customer") -> Transaction:
    """Cancel a `pending_review` or `pending` order or transfer: its reservation is released in
    full (exactly what it held). Any other state: `TransactionStateError` (409)."""
    tx = lock_transaction(transaction_id)
    if tx.status not in OPEN_STATUSES:
        raise TransactionStateError(f"A {tx.status} transaction cannot be cancelled.")
    return _close(tx, status=Status.CANCELLED, reason=reason)


def _open_orders(**filters: Any):
    return Transaction.objects.filter(
        type__in=[TransactionType.BUY, TransactionType.SELL], status=Status.PENDING, **filters
    ).order_by("requested_at", "id")


def _try_fill(pk: int, *, quote_price: Decimal, price: Decimal, executed_at: dt.datetime, source: str) -> bool:
    """Fill one resting order in its own transaction; an order that can no longer be paid for is
    cancelled (its reservation released) rather than left half-done."""
    try:
        with transaction.atomic():
            tx = lock_transaction(pk)
            if tx.status != Status.PENDING:
                return False
            _fill(tx, quote_price=quote_price, price=price, executed_at=executed_at, source=source)
            return True
    except ApplicationError as exc:
        logger.info("resting_order_not_filled", transaction_id=pk, error=exc.code)
        with transaction.atomic():
            tx = lock_transaction(pk)
            if tx.status == Status.PENDING:
                _close(tx, status=Status.CANCELLED, reason=f"could not be filled: {exc.detail}")
        return False


def queued_orders_fill(*, now: dt.datetime | None = None, asset_ids: list[int] | None = None) -> int:
    """Fill market orders queued for a session that has opened, at that session's opening price
    (`portfolios.prices.session_bar`); orders whose bar is not available yet keep waiting."""
    now = now or timezone.now()
    today = business_date(now)
    filters = {"order_type": OrderType.MARKET, "queued_for__lte": today}
    if asset_ids is not None:
        filters["asset_id__in"] = asset_ids
    filled = 0
    for tx in _open_orders(**filters).select_related("asset"):
        bounds = session_bounds(tx.queued_for)
        if bounds is None or bounds[0] > now:
            continue
        try:
            bar = session_bar(tx.asset, tx.queued_for)
        except ApplicationError:
            continue
        price = spread_price(asset=tx.asset, quote=bar.open, side=tx.type)
        if _try_fill(tx.pk, quote_price=bar.open, price=price, executed_at=bounds[0], source=bar.source):
            filled += 1
    return filled


def limit_orders_cross(*, asset_ids: list[int], now: dt.datetime | None = None) -> int:
    """After a price load: fill resting limit orders on these assets that the latest price crosses
    (buys at or below, sells at or above the limit, spread included), and market orders that were
    waiting for a fresh price, at that price and time (a price older than the order never fills it)."""
    now = now or timezone.now()
    filled = 0
    quotes: dict[int, Any] = {}
    waiting = Q(order_type=OrderType.LIMIT) | Q(order_type=OrderType.MARKET, queued_for__isnull=True)
    for tx in _open_orders(asset_id__in=asset_ids).filter(waiting).select_related("asset"):
        if tx.asset_id not in quotes:
            try:
                quotes[tx.asset_id] = latest_price(tx.asset)
            except ApplicationError:
                quotes[tx.asset_id] = None
        quote = quotes[tx.asset_id]
        if quote is None or quote.at < tx.requested_at or quote.at > now:
            continue
        if tx.expires_at is not None and quote.at >= tx.expires_at:
            continue
        price = spread_price(asset=tx.asset, quote=quote.price, side=tx.type)
        if not _crosses(tx, price):
            continue
        if _try_fill(tx.pk, quote_price=quote.price, price=price, executed_at=quote.at, source=quote.source):
            filled += 1
    return filled


def orders_expire_due(*, now: dt.datetime | None = None) -> int:
    """Day limit orders whose session has closed: `expired`, reservation released. A market order
    queued for an open is not expired: it fills at that session's opening price as soon as the
    session's bar is available (a daily bar arrives after the close)."""
    now = now or timezone.now()
    expired = 0
    due = _open_orders(order_type=OrderType.LIMIT, time_in_force=TimeInForce.DAY, expires_at__lte=now)
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            tx = lock_transaction(pk)
            if tx.status == Status.PENDING and tx.expires_at <= now:
                _close(tx, status=Status.EXPIRED, reason="the session closed", moment=now)
                expired += 1
    return expired


def order_release_after_review(tx: Transaction) -> None:
    """A `pending_review` order cleared by fraud (the row is locked): it becomes `pending` and is
    handled like a new order (filled now when its market is open and the price allows)."""
    moment = timezone.now()
    tx.status = Status.PENDING
    tx.save(update_fields=["status", "updated_at"])
    asset = tx.asset
    if trades_now(asset, moment):
        quote = latest_price(asset)
        price = spread_price(asset=asset, quote=quote.price, side=tx.type)
        if not quote.is_stale and _crosses(tx, price):
            _fill(tx, quote_price=quote.price, price=price, executed_at=moment, source=quote.source)
            return
        if tx.order_type == OrderType.MARKET:
            return  # waits for a fresh price (`limit_orders_cross`)
    if asset.calendar != ALWAYS:
        day, _open, close = _session_for(moment)
        tx.queued_for = day
        if tx.time_in_force == TimeInForce.DAY:
            tx.expires_at = close
        tx.save(update_fields=["queued_for", "expires_at", "updated_at"])


EVENT_TYPES = {TransactionType.BUY: EventType.BUY, TransactionType.SELL: EventType.SELL}
