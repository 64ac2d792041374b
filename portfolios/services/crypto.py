"""Crypto quantities moved between a customer's own external wallet and a portfolio.

A transfer moves the asset itself, never cash: the journal entry carries only its security leg
(`asset`, signed `quantity`, `price` = the market price used) and has **no cash postings** (a
balanced entry of zero legs: `cash_delta` 0). It is a `deposit` (in) or `withdrawal` (out) entry
with `method="crypto"`, settled at once (crypto settles T+0, so no `settlement_date`), and its
`flow` is the market value moved (`round(quantity × price)`, positive in, negative out) so that
performance figures treat it as money in or out, not as return. `manage.py verify_ledger` accepts
such an entry without postings (and nothing else without postings).

Cost basis policy: a quantity transferred in opens a FIFO tax lot whose cost basis (and
`acquired_at`) is the **market value at receipt** (`round(quantity × price)`, the price being the
market price at `executed_at` unless the caller gives one). The customer's original basis and
holding period are not known to the platform; the statement says so and the customer may correct
it for tax reporting. A transfer out consumes lots FIFO like a sell, but it is not a disposal (the
customer still owns the asset): no `LotDisposal` and no realised gain are recorded; the lots'
remaining quantity and cost, and the position's quantity and cost basis, go down. So a lot's
remaining quantity is its quantity less its disposals less what transfers out took from it;
`verify_ledger` checks the latter per portfolio and asset against the transfer entries.

Neither is corrected by `entry_reverse` or `deposit_return` (they move cash); a mistaken transfer
is corrected by the opposite transfer. The common contract of `portfolios.services.cash` applies
(keyword-only, atomic, portfolio row locked first, restriction checked first, `reference` unique).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from blockguardian.money import ZERO, quantize_cash

from ..errors import DuplicateReference, InsufficientQuantity, InvalidAmount
from ..models import (
    Asset,
    AssetClass,
    CashMethod,
    EntryKind,
    JournalEntry,
    Portfolio,
    Position,
    TaxLot,
)
from ._ledger import Book, asset_quantity, moment, open_book, unit_price

PortfolioRef = Portfolio | int
# The entries' `method`: crypto moves outside the bank rails.
CRYPTO_METHOD = CashMethod.CRYPTO
CRYPTO_TRANSFER_KINDS = (EntryKind.DEPOSIT, EntryKind.WITHDRAWAL)


def _check_asset(asset: Asset) -> None:
    if asset.asset_class != AssetClass.CRYPTO:
        raise InvalidAmount("only a crypto asset can be transferred", errors={"asset": ["not a crypto asset"]})


def _price(asset: Asset, price: Any, executed_at: dt.datetime) -> Decimal:
    if price is not None:
        return unit_price(price)
    from ..prices import latest_price

    return latest_price(asset, at=executed_at).price


def _value(quantity: Decimal, price: Decimal) -> Decimal:
    value = quantize_cash(quantity * price)
    if value <= 0:
        raise InvalidAmount("the transfer's value rounds to zero", errors={"quantity": ["too small at this price"]})
    return value


def _post_transfer(
    book: Book,
    *,
    kind: str,
    asset: Asset,
    quantity: Decimal,
    price: Decimal,
    value: Decimal,
    executed_at: dt.datetime,
    reference: str,
    memo: str,
    acting_user: Any,
) -> JournalEntry:
    """The entry of a transfer: its security leg only (no postings, so no cash moves)."""
    reference = (reference or "")[:200]
    if reference and JournalEntry.objects.filter(reference=reference).exists():
        raise DuplicateReference(f"An entry with reference {reference!r} was already posted.")
    entry = JournalEntry(
        kind=kind,
        method=CRYPTO_METHOD,
        portfolio=book.portfolio,
        executed_at=executed_at,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
        reference=reference,
        memo=(memo or "")[:300],
        asset=asset,
        quantity=quantity if kind == EntryKind.DEPOSIT else -quantity,
        price=price,
        gross=value,
        cash_delta=ZERO,
        flow=value if kind == EntryKind.DEPOSIT else -value,
    )
    entry.save(force_insert=True)
    Portfolio.objects.filter(pk=book.portfolio.pk).update(ledger_seq=F("ledger_seq") + 1, updated_at=timezone.now())
    book.portfolio.ledger_seq += 1
    return entry


@transaction.atomic
def crypto_transfer_in(
    *,
    portfolio: PortfolioRef,
    asset: Asset,
    quantity: Any,
    price: Any = None,
    executed_at: dt.datetime | None = None,
    reference: str = "",
    memo: str = "",
    acting_user: Any = None,
) -> JournalEntry:
    """Book `quantity` of crypto `asset` received from the customer's own wallet (restriction:
    credit).

    Opens a FIFO tax lot with cost basis = market value at receipt (`round(quantity × price)`;
    `price` defaults to the latest price at `executed_at`, `PriceUnavailable` 422 without one) and
    adds to the position. No customer cash moves. Refused for a non-crypto asset (`InvalidAmount`)
    or a quantity finer than the asset's `quantity_places` (`InvalidQuantity`).
    """
    _check_asset(asset)
    quantity = asset_quantity(quantity, asset=asset)
    executed_at = moment(executed_at)
    book = open_book(portfolio, movement="credit")
    price = _price(asset, price, executed_at)
    value = _value(quantity, price)
    entry = _post_transfer(
        book,
        kind=EntryKind.DEPOSIT,
        asset=asset,
        quantity=quantity,
        price=price,
        value=value,
        executed_at=executed_at,
        reference=reference,
        memo=memo,
        acting_user=acting_user,
    )
    TaxLot.objects.create(
        portfolio=book.portfolio,
        asset=asset,
        entry=entry,
        acquired_at=executed_at,
        quantity=quantity,
        remaining_quantity=quantity,
        cost=value,
        cost_remaining=value,
    )
    position, _ = Position.objects.get_or_create(portfolio=book.portfolio, asset=asset)
    position.quantity += quantity
    position.cost_basis += value
    position.save(update_fields=["quantity", "cost_basis", "updated_at"])
    return entry


def settled_quantity_available(*, portfolio: Portfolio, asset: Asset, position: Position | None) -> Decimal:
    """What may leave the portfolio: the position less reserved quantity and less what unsettled
    buys (not yet settled, not failed) added. Read under the portfolio's lock."""
    if position is None:
        return ZERO
    unsettled_buys = (
        JournalEntry.objects.filter(
            portfolio=portfolio,
            asset=asset,
            kind=EntryKind.BUY,
            settlement__isnull=True,
            reversal__isnull=True,
        ).aggregate(total=Sum("quantity"))["total"]
        or ZERO
    )
    return max(ZERO, position.quantity - position.quantity_reserved - unsettled_buys)


@transaction.atomic
def crypto_transfer_out(
    *,
    portfolio: PortfolioRef,
    asset: Asset,
    quantity: Any,
    price: Any = None,
    executed_at: dt.datetime | None = None,
    reference: str = "",
    memo: str = "",
    acting_user: Any = None,
) -> JournalEntry:
    """Book `quantity` of crypto `asset` sent to the customer's own wallet (restriction: debit).

    Needs that much settled, unreserved quantity (`InsufficientQuantity`, 422, otherwise: reserved
    quantity of pending sells and quantity of unsettled buys do not count). Consumes tax lots FIFO
    (oldest `acquired_at` first), reducing their remaining quantity and cost and the position;
    records no disposal or realised gain (the customer keeps the asset). `price` (default: the
    latest price) only values the entry's `flow`. No customer cash moves.
    """
    _check_asset(asset)
    quantity = asset_quantity(quantity, asset=asset)
    executed_at = moment(executed_at)
    book = open_book(portfolio, movement="debit")
    position = Position.objects.filter(portfolio=book.portfolio, asset=asset).first()
    available = settled_quantity_available(portfolio=book.portfolio, asset=asset, position=position)
    if quantity > available:
        raise InsufficientQuantity(
            f"{available} {asset.symbol} is available to transfer out.",
            errors={"quantity": ["exceeds the settled, unreserved quantity held"]},
        )
    price = _price(asset, price, executed_at)
    value = _value(quantity, price)
    entry = _post_transfer(
        book,
        kind=EntryKind.WITHDRAWAL,
        asset=asset,
        quantity=quantity,
        price=price,
        value=value,
        executed_at=executed_at,
        reference=reference,
        memo=memo,
        acting_user=acting_user,
    )
    basis = _take_lots(portfolio=book.portfolio, asset=asset, quantity=quantity)
    position.quantity -= quantity
    position.cost_basis -= basis
    position.save(update_fields=["quantity", "cost_basis", "updated_at"])
    return entry


def _take_lots(*, portfolio: Portfolio, asset: Asset, quantity: Decimal) -> Decimal:
    """FIFO without disposals: take `quantity` from the oldest open lots; returns the cost taken."""
    left = quantity
    taken = ZERO
    changed: list[TaxLot] = []
    for lot in TaxLot.objects.filter(portfolio=portfolio, asset=asset, remaining_quantity__gt=0).order_by(
        "acquired_at", "id"
    ):
        take = min(lot.remaining_quantity, left)
        if take == lot.remaining_quantity:
            basis = lot.cost_remaining
        else:
            basis = quantize_cash(lot.cost_remaining * take / lot.remaining_quantity)
        lot.remaining_quantity -= take
        lot.cost_remaining -= basis
        changed.append(lot)
        taken += basis
        left -= take
        if left == 0:
            break
    if left > 0:
        raise AssertionError(f"tax lots of portfolio {portfolio.pk} do not cover its position in {asset.symbol}")
    TaxLot.objects.bulk_update(changed, ["remaining_quantity", "cost_remaining"])
    return taken


def is_crypto_transfer() -> Q:
    """Entries booked by this module (for checks that treat them apart)."""
    return Q(method=CRYPTO_METHOD, kind__in=CRYPTO_TRANSFER_KINDS)
