"""Trades with trade-date accounting: buys and sells at fill, their settlement or failure.

At the fill, cash and position move at once; the cash side goes through the unsettled-trades
clearing account:

* buy:  customer cash -(gross + fee) · unsettled trades +gross · fees +fee
* sell: unsettled trades -gross · customer unsettled cash +(gross - fee) · fees +fee

`entry_settle` later moves the clearing balances (buy: unsettled trades → bank settlement; sell:
bank settlement → unsettled trades and the customer's unsettled proceeds → settled cash).
Positions are FIFO tax lots; a sell consumes the oldest lots first and records each lot's realised
gain, short- or long-term by holding period.

The common contract of `portfolios.services.cash` applies (keyword-only, atomic, portfolio row
locked first, restriction checked first where the movement is the customer's, `reference` unique).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction

from blockguardian.calendar import business_date
from blockguardian.money import ZERO, quantize_cash

from ..errors import EntryStateError, InsufficientQuantity, InvalidAmount
from ..models import (
    AccountKind,
    Asset,
    CashMethod,
    EntryKind,
    JournalEntry,
    LotDisposal,
    Portfolio,
    Position,
    Reservation,
    ReservationKind,
    ReservationStatus,
    TaxLot,
    Term,
)
from ._ledger import asset_quantity, cash_amount, follow_ups, moment, open_book, post, settlement_date_for, unit_price
from .cash import _close_reservation, _take_reservation

K = AccountKind
PortfolioRef = Portfolio | int
_LOT_BATCH = 200


def holding_term(*, acquired_at: dt.datetime, disposed_at: dt.datetime) -> str:
    """Long-term when held more than `PORTFOLIOS_LONG_TERM_MONTHS` (the holding period starts the
    day after acquisition: bought 2024-01-02, sold 2025-01-02 is short-term, 2025-01-03 long)."""
    acquired, disposed = business_date(acquired_at), business_date(disposed_at)
    return Term.LONG if disposed > acquired + relativedelta(months=settings.PORTFOLIOS_LONG_TERM_MONTHS) else Term.SHORT


def _trade_values(quantity: Decimal, price: Decimal, fee: Any) -> tuple[Decimal, Decimal]:
    fee = cash_amount(fee, name="fee", allow_zero=True)
    gross = quantize_cash(quantity * price)
    if gross <= 0:
        raise InvalidAmount("the trade's value rounds to zero", errors={"quantity": ["too small at this price"]})
    return gross, fee


@transaction.atomic
def trade_buy(
    *,
    portfolio: PortfolioRef,
    asset: Asset,
    quantity: Any,
    price: Any,
    fee: Any = ZERO,
    executed_at: dt.datetime | None = None,
    reservation: Reservation | int | None = None,
    reference: str = "",
    memo: str = "",
    acting_user: Any = None,
) -> JournalEntry:
    """Book a filled buy of `quantity` `asset` at `price` (restriction: debit).

    Costs `round(quantity × price) + fee` of available settled cash (`InsufficientFunds`, 422,
    otherwise); opens a tax lot whose cost basis includes the fee; the entry's `settlement_date`
    is the asset's T+n. With `reservation` (the order's cash reservation), the whole reservation
    is consumed in the same entry: the cost is paid from it and any excess returns to available
    cash; if the cost exceeds it, the difference must be available. `quantity` must respect the
    asset's `quantity_places`. Tradability and market hours are the caller's checks.
    """
    quantity = asset_quantity(quantity, asset=asset)
    price = unit_price(price)
    gross, fee = _trade_values(quantity, price, fee)
    executed_at = moment(executed_at)
    book = open_book(portfolio, movement="debit")
    legs = [(K.CASH, -(gross + fee)), (K.UNSETTLED_TRADES, gross), (K.FEES, fee)]
    held = _take_reservation(book.portfolio, reservation, kind=ReservationKind.CASH) if reservation else None
    if held:
        legs += [(K.RESERVED, -held.amount), (K.CASH, held.amount)]
    entry = post(
        book,
        kind=EntryKind.BUY,
        legs=legs,
        executed_at=executed_at,
        reference=reference,
        memo=memo,
        acting_user=acting_user,
        asset=asset,
        quantity=quantity,
        price=price,
        gross=gross,
        fee=fee,
        settlement_date=settlement_date_for(asset=asset, executed_at=executed_at),
    )
    TaxLot.objects.create(
        portfolio=book.portfolio,
        asset=asset,
        entry=entry,
        acquired_at=executed_at,
        quantity=quantity,
        remaining_quantity=quantity,
        cost=gross + fee,
        cost_remaining=gross + fee,
    )
    position, _ = Position.objects.get_or_create(portfolio=book.portfolio, asset=asset)
    position.quantity += quantity
    position.cost_basis += gross + fee
    position.save(update_fields=["quantity", "cost_basis", "updated_at"])
    if held:
        _close_reservation(held, status=ReservationStatus.CONSUMED, entry=entry)
    return entry


@transaction.atomic
def trade_sell(
    *,
    portfolio: PortfolioRef,
    asset: Asset,
    quantity: Any,
    price: Any,
    fee: Any = ZERO,
    executed_at: dt.datetime | None = None,
    reservation: Reservation | int | None = None,
    reference: str = "",
    memo: str = "",
    acting_user: Any = None,
) -> JournalEntry:
    """Book a filled sell (restriction: debit).

    Needs `quantity` of unreserved position (`InsufficientQuantity`, 422); with `reservation` (the
    order's quantity reservation) the reserved quantity counts and the whole reservation is
    consumed. Proceeds `round(quantity × price) - fee` are unsettled cash until `entry_settle`.
    Consumes tax lots FIFO (oldest `acquired_at` first) and records one `LotDisposal` per lot with
    proceeds and cost basis allocated to the cent (the last lot takes the rounding remainder) and
    the gain's term.
    """
    quantity = asset_quantity(quantity, asset=asset)
    price = unit_price(price)
    gross, fee = _trade_values(quantity, price, fee)
    proceeds = gross - fee
    if proceeds < 0:
        raise InvalidAmount("the fee exceeds the sale's value", errors={"fee": ["exceeds the sale's value"]})
    executed_at = moment(executed_at)
    book = open_book(portfolio, movement="debit")
    held = _take_reservation(book.portfolio, reservation, kind=ReservationKind.QUANTITY) if reservation else None
    if held and held.asset_id != asset.pk:
        raise InvalidAmount("the reservation is for another asset", errors={"reservation": ["another asset"]})
    position = Position.objects.filter(portfolio=book.portfolio, asset=asset).first()
    released = held.quantity if held else ZERO
    available = (position.quantity - position.quantity_reserved + released) if position else ZERO
    if quantity > available:
        raise InsufficientQuantity(f"{available} {asset.symbol} is available to sell.")
    entry = post(
        book,
        kind=EntryKind.SELL,
        legs=[(K.UNSETTLED_TRADES, -gross), (K.UNSETTLED, proceeds), (K.FEES, fee)],
        executed_at=executed_at,
        reference=reference,
        memo=memo,
        acting_user=acting_user,
        asset=asset,
        quantity=-quantity,
        price=price,
        gross=gross,
        fee=fee,
        settlement_date=settlement_date_for(asset=asset, executed_at=executed_at),
    )
    basis = _consume_lots(
        portfolio=book.portfolio,
        asset=asset,
        quantity=quantity,
        proceeds=proceeds,
        entry=entry,
        disposed_at=executed_at,
    )
    position.quantity -= quantity
    position.quantity_reserved -= released
    position.cost_basis -= basis
    position.save(update_fields=["quantity", "quantity_reserved", "cost_basis", "updated_at"])
    if held:
        _close_reservation(held, status=ReservationStatus.CONSUMED, entry=entry)
    return entry


def _consume_lots(
    *, portfolio: Portfolio, asset: Asset, quantity: Decimal, proceeds: Decimal, entry: JournalEntry, disposed_at
) -> Decimal:
    """FIFO: take `quantity` from the oldest open lots; returns the cost basis taken."""
    left = quantity
    proceeds_allocated = ZERO
    basis_total = ZERO
    disposals: list[LotDisposal] = []
    changed: list[TaxLot] = []
    open_lots = TaxLot.objects.filter(portfolio=portfolio, asset=asset, remaining_quantity__gt=0).order_by(
        "acquired_at", "id"
    )
    offset = 0
    while left > 0:
        batch = list(open_lots[offset : offset + _LOT_BATCH])
        if not batch:
            raise AssertionError(f"tax lots of portfolio {portfolio.pk} do not cover its position in {asset.symbol}")
        offset += len(batch)
        for lot in batch:
            take = min(lot.remaining_quantity, left)
            if take == lot.remaining_quantity:
                basis = lot.cost_remaining
            else:
                basis = quantize_cash(lot.cost_remaining * take / lot.remaining_quantity)
            left -= take
            if left == 0:
                part = proceeds - proceeds_allocated
            else:
                part = quantize_cash(proceeds * take / quantity)
            proceeds_allocated += part
            basis_total += basis
            lot.remaining_quantity -= take
            lot.cost_remaining -= basis
            changed.append(lot)
            disposals.append(
                LotDisposal(
                    lot=lot,
                    entry=entry,
                    portfolio=portfolio,
                    asset=asset,
                    quantity=take,
                    acquired_at=lot.acquired_at,
                    disposed_at=disposed_at,
                    proceeds=part,
                    cost_basis=basis,
                    gain=part - basis,
                    term=holding_term(acquired_at=lot.acquired_at, disposed_at=disposed_at),
                )
            )
            if left == 0:
                break
    TaxLot.objects.bulk_update(changed, ["remaining_quantity", "cost_remaining"])
    LotDisposal.objects.bulk_create(disposals)
    return basis_total


SETTLING_KINDS = (EntryKind.BUY, EntryKind.SELL, EntryKind.DEPOSIT)


@transaction.atomic
def entry_settle(
    *,
    entry: JournalEntry | int,
    executed_at: dt.datetime | None = None,
    reference: str = "",
    acting_user: Any = None,
) -> JournalEntry:
    """Settle a buy, a sell or an ACH deposit (the entry returned is the settlement entry).

    * buy: unsettled trades → bank settlement (the customer's cash already left at the fill);
    * sell: the customer's unsettled proceeds become settled cash; bank settlement → unsettled
      trades;
    * ACH deposit: unsettled → settled cash (now withdrawable).

    No restriction check (the movement was accepted at the fill); while the owner is blocked,
    what would become settled cash goes to blocked funds. Refused (`EntryStateError`, 409) for an
    entry that does not settle, is already settled, or was reversed/returned. The caller decides
    when (normally on or after the entry's `settlement_date`; see `selectors.entry_due_list`).
    """
    pk = entry.pk if isinstance(entry, JournalEntry) else entry
    original = JournalEntry.objects.get(pk=pk)
    if original.kind not in SETTLING_KINDS or original.settlement_date is None:
        raise EntryStateError("this entry does not settle")
    executed_at = moment(executed_at)
    book = open_book(original.portfolio_id, allow_closed=True)
    done = follow_ups(original)
    if done:
        raise EntryStateError(f"this entry is already {' and '.join(sorted(done))}")
    gross = original.gross
    if original.kind == EntryKind.BUY:
        legs = [(K.UNSETTLED_TRADES, -gross), (K.BANK_SETTLEMENT, gross)]
    elif original.kind == EntryKind.SELL:
        proceeds = gross - original.fee
        legs = [
            (K.UNSETTLED, -proceeds),
            (book.settled_destination, proceeds),
            (K.BANK_SETTLEMENT, -gross),
            (K.UNSETTLED_TRADES, gross),
        ]
    else:
        legs = [(K.UNSETTLED, -gross), (book.settled_destination, gross)]
    return post(
        book,
        kind=EntryKind.SETTLEMENT,
        method=CashMethod.INTERNAL if original.kind != EntryKind.DEPOSIT else original.method,
        legs=legs,
        executed_at=executed_at,
        reference=reference,
        acting_user=acting_user,
        asset=original.asset,
        gross=gross,
        settles=original,
    )


@transaction.atomic
def trade_fail(
    *,
    entry: JournalEntry | int,
    reason: str = "",
    executed_at: dt.datetime | None = None,
    reference: str = "",
    acting_user: Any = None,
) -> JournalEntry:
    """Reverse an unsettled trade that failed to settle, by a new `trade_failure` entry.

    * buy: the cost and fee return to settled cash (blocked funds while blocked), the tax lot is
      voided and the position reduced. Refused when the lot was already sold from or its
      quantity is reserved for a pending sell (`EntryStateError`, 409).
    * sell: the unsettled proceeds and the fee are taken back, the lot disposals voided and the
      lots and position restored.

    Refused for settled or already reversed entries. No restriction check (a settlement event).
    """
    pk = entry.pk if isinstance(entry, JournalEntry) else entry
    original = JournalEntry.objects.select_related("asset").get(pk=pk)
    if original.kind not in (EntryKind.BUY, EntryKind.SELL):
        raise EntryStateError("only a trade can fail")
    executed_at = moment(executed_at)
    book = open_book(original.portfolio_id, allow_closed=True)
    done = follow_ups(original)
    if done:
        raise EntryStateError(f"this trade is already {' and '.join(sorted(done))}")
    gross, fee, asset = original.gross, original.fee, original.asset
    position = Position.objects.get(portfolio=book.portfolio, asset=asset)
    if original.kind == EntryKind.BUY:
        quantity = original.quantity
        lot = TaxLot.objects.get(entry=original)
        if lot.remaining_quantity != lot.quantity or lot.voided_by_id:
            raise EntryStateError("shares of this buy were already sold; it can no longer fail")
        if position.quantity - position.quantity_reserved < quantity:
            raise EntryStateError("shares of this buy are reserved for a pending sell")
        failure = post(
            book,
            kind=EntryKind.TRADE_FAILURE,
            legs=[(K.UNSETTLED_TRADES, -gross), (K.FEES, -fee), (book.settled_destination, gross + fee)],
            executed_at=executed_at,
            reference=reference,
            memo=reason,
            acting_user=acting_user,
            asset=asset,
            quantity=-quantity,
            price=original.price,
            gross=gross,
            fee=-fee,
            reverses=original,
        )
        cost = lot.cost
        lot.remaining_quantity = ZERO
        lot.cost_remaining = ZERO
        lot.voided_by = failure
        lot.save(update_fields=["remaining_quantity", "cost_remaining", "voided_by"])
        position.quantity -= quantity
        position.cost_basis -= cost
    else:
        quantity = -original.quantity
        failure = post(
            book,
            kind=EntryKind.TRADE_FAILURE,
            legs=[(K.UNSETTLED_TRADES, gross), (K.UNSETTLED, -(gross - fee)), (K.FEES, -fee)],
            executed_at=executed_at,
            reference=reference,
            memo=reason,
            acting_user=acting_user,
            asset=asset,
            quantity=quantity,
            price=original.price,
            gross=gross,
            fee=-fee,
            reverses=original,
        )
        restored = ZERO
        disposals = list(LotDisposal.objects.select_related("lot").filter(entry=original, voided_by__isnull=True))
        lots = []
        for disposal in disposals:
            disposal.lot.remaining_quantity += disposal.quantity
            disposal.lot.cost_remaining += disposal.cost_basis
            disposal.voided_by = failure
            restored += disposal.cost_basis
            lots.append(disposal.lot)
        TaxLot.objects.bulk_update(lots, ["remaining_quantity", "cost_remaining"])
        LotDisposal.objects.bulk_update(disposals, ["voided_by"])
        position.quantity += quantity
        position.cost_basis += restored
    position.save(update_fields=["quantity", "cost_basis", "updated_at"])
    return failure
