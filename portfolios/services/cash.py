"""Cash movements: deposits and their settlement or return, withdrawals, reservations, fees,
dividends, interest, loan money, blocked funds, shortfalls and reversals.

Common contract of every function here:

* keyword-only arguments; `portfolio` may be an instance or a primary key;
* one `@transaction.atomic` unit: the portfolio row is locked (`select_for_update`) first, so call
  these after locking your own rows; a refusal raises and writes nothing;
* the owner's restriction is checked through `accounts.services.restriction_assert_allows` before
  anything is written, where the movement is the customer's (noted per function);
* amounts are positive Decimals with at most 2 places (round at your boundary);
  `executed_at` is the business time (aware; may be in the past for imports; default now);
* `reference` (optional, unique across the ledger) is your handle on the entry, e.g.
  ``"trading.transaction:42:fill"``; a second entry with the same reference is refused with
  `DuplicateReference` (409), which makes retried tasks safe;
* the function returns the `JournalEntry` it posted (or the object named in its docstring).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Restriction
from blockguardian.money import ZERO

from ..errors import BlockStateError, EntryStateError, InvalidAmount, ReservationStateError
from ..models import (
    AccountKind,
    Asset,
    CashMethod,
    EntryKind,
    JournalEntry,
    Portfolio,
    Position,
    Reservation,
    ReservationKind,
    ReservationStatus,
)
from ._ledger import (
    ach_settlement_date,
    asset_quantity,
    cash_amount,
    follow_ups,
    moment,
    open_book,
    post,
)

K = AccountKind
PortfolioRef = Portfolio | int


# --- deposits and withdrawals ------------------------------------------------------------------


def _check_method(method: str) -> None:
    if method not in (CashMethod.ACH, CashMethod.WIRE, CashMethod.CASH):
        raise InvalidAmount("method must be ach, wire or cash", errors={"method": ["ach, wire or cash"]})


@transaction.atomic
def cash_deposit(
    *,
    portfolio: PortfolioRef,
    amount: Any,
    method: str,
    executed_at: dt.datetime | None = None,
    reference: str = "",
    memo: str = "",
    acting_user: Any = None,
) -> JournalEntry:
    """Book money arriving from outside (customer restriction: credit).

    * `method="ach"`: booked at once as **unsettled** cash (bank settlement → unsettled); the
      entry's `settlement_date` says when it is due; `entry_settle` makes it settled
      (withdrawable); `deposit_return` reverses it, before or after settlement.
    * `method="wire"` or `"cash"` (a branch): booked as settled cash straight away.
    """
    amount = cash_amount(amount)
    _check_method(method)
    executed_at = moment(executed_at)
    book = open_book(portfolio, movement="credit")
    if method == CashMethod.ACH:
        legs = [(K.BANK_SETTLEMENT, -amount), (K.UNSETTLED, amount)]
        settlement_date = ach_settlement_date(executed_at=executed_at)
    else:
        legs = [(K.BANK_SETTLEMENT, -amount), (book.settled_destination, amount)]
        settlement_date = None
    return post(
        book,
        kind=EntryKind.DEPOSIT,
        method=method,
        legs=legs,
        executed_at=executed_at,
        reference=reference,
        memo=memo,
        acting_user=acting_user,
        gross=amount,
        flow=amount,
        settlement_date=settlement_date,
    )


@transaction.atomic
def deposit_return(
    *,
    deposit: JournalEntry | int,
    executed_at: dt.datetime | None = None,
    return_code: str = "",
    reference: str = "",
    acting_user: Any = None,
) -> JournalEntry:
    """The bank took a deposit back (an ACH return such as R01), before or after it settled.

    No restriction check: the bank's claw-back books whatever the customer's state. The amount
    comes out of the unsettled cash while the deposit is unsettled; once settled, out of settled
    cash, then out of the portfolio's blocked funds, and whatever is still missing is booked to the
    portfolio's **owed** account (a shortfall operations see; cash itself never goes negative;
    `shortfall_collect` recovers it from later cash). A deposit is returned at most once.
    """
    deposit_id = deposit.pk if isinstance(deposit, JournalEntry) else deposit
    original = JournalEntry.objects.get(pk=deposit_id)
    if original.kind != EntryKind.DEPOSIT:
        raise EntryStateError("only a deposit can be returned")
    if original.method == "crypto":
        raise EntryStateError("a crypto transfer in is corrected by a transfer out, not returned")
    executed_at = moment(executed_at)
    book = open_book(original.portfolio_id, allow_closed=True)
    done = follow_ups(original)
    if "reversed" in done:
        raise EntryStateError("this deposit was already returned")
    amount = original.gross
    settled = original.method != CashMethod.ACH or "settled" in done
    if not settled:
        legs = [(K.UNSETTLED, -amount), (K.BANK_SETTLEMENT, amount)]
    else:
        from_cash = min(book.balance(K.CASH), amount)
        rest = amount - from_cash
        from_blocked = min(book.blocked_balance(), rest) if rest else ZERO
        owed = rest - from_blocked
        legs = [(K.CASH, -from_cash), (K.BLOCKED_FUNDS, -from_blocked), (K.OWED, -owed), (K.BANK_SETTLEMENT, amount)]
    return post(
        book,
        kind=EntryKind.DEPOSIT_RETURN,
        method=original.method,
        legs=legs,
        executed_at=executed_at,
        reference=reference,
        memo=f"return {return_code}".strip(),
        acting_user=acting_user,
        gross=amount,
        flow=-amount,
        reverses=original,
    )


@transaction.atomic
def cash_withdraw(
    *,
    portfolio: PortfolioRef,
    amount: Any,
    method: str,
    executed_at: dt.datetime | None = None,
    reservation: Reservation | int | None = None,
    reference: str = "",
    memo: str = "",
    acting_user: Any = None,
) -> JournalEntry:
    """Pay settled cash out to the customer's bank (customer restriction: debit).

    Only settled, unreserved cash can be withdrawn (`InsufficientFunds`, 422, otherwise). With
    `reservation` (a cash reservation made for this withdrawal while it was pending), the whole
    reservation is consumed: the withdrawal is paid from it and any excess returns to available
    cash in the same entry.
    """
    amount = cash_amount(amount)
    _check_method(method)
    executed_at = moment(executed_at)
    book = open_book(portfolio, movement="debit")
    legs = [(K.CASH, -amount), (K.BANK_SETTLEMENT, amount)]
    held = _take_reservation(book.portfolio, reservation, kind=ReservationKind.CASH) if reservation else None
    if held:
        legs += [(K.RESERVED, -held.amount), (K.CASH, held.amount)]
    entry = post(
        book,
        kind=EntryKind.WITHDRAWAL,
        method=method,
        legs=legs,
        executed_at=executed_at,
        reference=reference,
        memo=memo,
        acting_user=acting_user,
        gross=amount,
        flow=-amount,
    )
    if held:
        _close_reservation(held, status=ReservationStatus.CONSUMED, entry=entry)
    return entry


# --- reservations ------------------------------------------------------------------------------


def _take_reservation(portfolio: Portfolio, reservation: Reservation | int, *, kind: str) -> Reservation:
    pk = reservation.pk if isinstance(reservation, Reservation) else reservation
    held = Reservation.objects.select_for_update().get(pk=pk)
    if held.portfolio_id != portfolio.pk or held.kind != kind:
        raise ReservationStateError("this reservation belongs to another portfolio or is of another kind")
    if held.status != ReservationStatus.OPEN:
        raise ReservationStateError(f"this reservation is already {held.status}")
    return held


def _close_reservation(held: Reservation, *, status: str, entry: JournalEntry | None) -> None:
    held.status = status
    held.closing_entry = entry
    held.closed_at = timezone.now()
    held.save(update_fields=["status", "closing_entry", "closed_at"])


@transaction.atomic
def cash_reserve(
    *,
    portfolio: PortfolioRef,
    amount: Any,
    reference: str = "",
    executed_at: dt.datetime | None = None,
    acting_user: Any = None,
) -> Reservation:
    """Set settled cash aside for a pending order or withdrawal (customer restriction: debit).

    Moves `amount` from available cash to the portfolio's reserved account and returns the open
    `Reservation`. Pass it to `trade_buy`/`cash_withdraw` to consume it at the fill, or to
    `reservation_release` on cancel. `reference` (unique when given) names the order.
    """
    amount = cash_amount(amount)
    executed_at = moment(executed_at)
    book = open_book(portfolio, movement="debit")
    entry = post(
        book,
        kind=EntryKind.RESERVATION,
        legs=[(K.CASH, -amount), (K.RESERVED, amount)],
        executed_at=executed_at,
        reference=f"{reference}:reserve" if reference else "",
        acting_user=acting_user,
        gross=amount,
    )
    return Reservation.objects.create(
        portfolio=book.portfolio, kind=ReservationKind.CASH, amount=amount, reference=reference, entry=entry
    )


@transaction.atomic
def quantity_reserve(
    *,
    portfolio: PortfolioRef,
    asset: Asset,
    quantity: Any,
    reference: str = "",
) -> Reservation:
    """Set a quantity of a position aside for a pending sell (customer restriction: debit).

    Refused with `InsufficientQuantity` when the unreserved quantity is smaller. No cash moves, so
    no journal entry; the position's `quantity_reserved` holds it.
    """
    from ..errors import InsufficientQuantity

    quantity = asset_quantity(quantity, asset=asset)
    book = open_book(portfolio, movement="debit")
    position = Position.objects.filter(portfolio=book.portfolio, asset=asset).first()
    available = (position.quantity - position.quantity_reserved) if position else ZERO
    if quantity > available:
        raise InsufficientQuantity(f"{available} {asset.symbol} is available to sell.")
    position.quantity_reserved += quantity
    position.save(update_fields=["quantity_reserved", "updated_at"])
    return Reservation.objects.create(
        portfolio=book.portfolio, kind=ReservationKind.QUANTITY, asset=asset, quantity=quantity, reference=reference
    )


@transaction.atomic
def reservation_release(
    *,
    reservation: Reservation | int,
    executed_at: dt.datetime | None = None,
    acting_user: Any = None,
) -> Reservation:
    """Release a pending order's reservation in full (on cancel or expiry), exactly what it held.

    No restriction check: releasing never takes money away from the customer (a blocked
    customer's released cash goes to blocked funds). Idempotent: releasing a released reservation
    returns it unchanged (the blocked-funds hold may have released it first). A consumed
    reservation cannot be released (`ReservationStateError`, 409).
    """
    pk = reservation.pk if isinstance(reservation, Reservation) else reservation
    portfolio_id = Reservation.objects.values_list("portfolio_id", flat=True).get(pk=pk)
    executed_at = moment(executed_at)
    book = open_book(portfolio_id, allow_closed=True)
    held = Reservation.objects.select_for_update().get(pk=pk)
    if held.status == ReservationStatus.RELEASED:
        return held
    if held.status != ReservationStatus.OPEN:
        raise ReservationStateError(f"this reservation is already {held.status}")
    entry = None
    if held.kind == ReservationKind.CASH:
        entry = post(
            book,
            kind=EntryKind.RESERVATION_RELEASE,
            legs=[(K.RESERVED, -held.amount), (book.settled_destination, held.amount)],
            executed_at=executed_at,
            reference=f"{held.reference}:release" if held.reference else "",
            acting_user=acting_user,
            gross=held.amount,
        )
    else:
        position = Position.objects.get(portfolio=book.portfolio, asset_id=held.asset_id)
        position.quantity_reserved -= held.quantity
        position.save(update_fields=["quantity_reserved", "updated_at"])
    _close_reservation(held, status=ReservationStatus.RELEASED, entry=entry)
    return held


# --- fees, income, loans -------------------------------------------------------------------------


@transaction.atomic
def fee_charge(
    *,
    portfolio: PortfolioRef,
    amount: Any,
    executed_at: dt.datetime | None = None,
    reference: str = "",
    memo: str = "",
    acting_user: Any = None,
) -> JournalEntry:
    """Charge a platform fee from available settled cash to the fees account (restriction:
    debit). Refused with `InsufficientFunds` when the cash does not cover it (a trade's own fee is
    part of `trade_buy`/`trade_sell`, not this)."""
    amount = cash_amount(amount)
    executed_at = moment(executed_at)
    book = open_book(portfolio, movement="debit")
    return post(
        book,
        kind=EntryKind.FEE,
        legs=[(K.CASH, -amount), (K.FEES, amount)],
        executed_at=executed_at,
        reference=reference,
        memo=memo,
        acting_user=acting_user,
        gross=amount,
        fee=amount,
    )


@transaction.atomic
def dividend_credit(
    *,
    portfolio: PortfolioRef,
    asset: Asset,
    amount: Any,
    executed_at: dt.datetime | None = None,
    reference: str = "",
    memo: str = "",
    acting_user: Any = None,
) -> JournalEntry:
    """Credit a cash dividend on `asset` (received through the bank settlement account) as
    settled cash. System-posted, so no restriction refusal: a blocked customer's dividend goes
    to blocked funds (blocked property keeps its income, held)."""
    amount = cash_amount(amount)
    executed_at = moment(executed_at)
    book = open_book(portfolio, allow_closed=False)
    return post(
        book,
        kind=EntryKind.DIVIDEND,
        legs=[(K.BANK_SETTLEMENT, -amount), (book.settled_destination, amount)],
        executed_at=executed_at,
        reference=reference,
        memo=memo,
        acting_user=acting_user,
        asset=asset,
        gross=amount,
    )


@transaction.atomic
def interest_credit(
    *,
    portfolio: PortfolioRef,
    amount: Any,
    executed_at: dt.datetime | None = None,
    reference: str = "",
    memo: str = "",
    acting_user: Any = None,
) -> JournalEntry:
    """Credit interest on cash from the platform's interest account, as settled cash. Like
    dividends: system-posted, routed to blocked funds while the owner is blocked."""
    amount = cash_amount(amount)
    executed_at = moment(executed_at)
    book = open_book(portfolio)
    return post(
        book,
        kind=EntryKind.INTEREST,
        legs=[(K.INTEREST, -amount), (book.settled_destination, amount)],
        executed_at=executed_at,
        reference=reference,
        memo=memo,
        acting_user=acting_user,
        gross=amount,
    )


@transaction.atomic
def loan_cash_disburse(
    *,
    portfolio: PortfolioRef,
    amount: Any,
    executed_at: dt.datetime | None = None,
    reference: str = "",
    memo: str = "",
    acting_user: Any = None,
) -> JournalEntry:
    """Pay loan proceeds into the portfolio's settled cash from the loans account (restriction:
    credit, so a blocked customer's undisbursed loan is refused). Counted as an external flow."""
    amount = cash_amount(amount)
    executed_at = moment(executed_at)
    book = open_book(portfolio, movement="credit")
    return post(
        book,
        kind=EntryKind.LOAN_DISBURSEMENT,
        legs=[(K.LOANS, -amount), (K.CASH, amount)],
        executed_at=executed_at,
        reference=reference,
        memo=memo,
        acting_user=acting_user,
        gross=amount,
        flow=amount,
    )


@transaction.atomic
def loan_cash_repay(
    *,
    portfolio: PortfolioRef,
    amount: Any,
    executed_at: dt.datetime | None = None,
    reference: str = "",
    memo: str = "",
    acting_user: Any = None,
) -> JournalEntry:
    """Repay a loan from the portfolio's available settled cash into the loans account
    (restriction: debit; `InsufficientFunds` when the cash does not cover it)."""
    amount = cash_amount(amount)
    executed_at = moment(executed_at)
    book = open_book(portfolio, movement="debit")
    return post(
        book,
        kind=EntryKind.LOAN_REPAYMENT,
        legs=[(K.CASH, -amount), (K.LOANS, amount)],
        executed_at=executed_at,
        reference=reference,
        memo=memo,
        acting_user=acting_user,
        gross=amount,
        flow=-amount,
    )


# --- shortfalls, corrections -----------------------------------------------------------------


@transaction.atomic
def shortfall_collect(
    *,
    portfolio: PortfolioRef,
    executed_at: dt.datetime | None = None,
    reference: str = "",
    acting_user: Any = None,
) -> JournalEntry | None:
    """Recover what the customer owes (a returned deposit that had been spent) from available
    settled cash, as far as it goes (restriction: debit). Returns None when nothing is owed or no
    cash is available."""
    executed_at = moment(executed_at)
    book = open_book(portfolio, movement="debit")
    take = min(book.balance(K.CASH), -book.balance(K.OWED))
    if take <= 0:
        return None
    return post(
        book,
        kind=EntryKind.SHORTFALL_COLLECTION,
        legs=[(K.CASH, -take), (K.OWED, take)],
        executed_at=executed_at,
        reference=reference,
        acting_user=acting_user,
        gross=take,
    )


REVERSIBLE_KINDS = (
    EntryKind.FEE,
    EntryKind.DIVIDEND,
    EntryKind.INTEREST,
    EntryKind.WITHDRAWAL,
    EntryKind.LOAN_DISBURSEMENT,
    EntryKind.LOAN_REPAYMENT,
)


@transaction.atomic
def entry_reverse(
    *,
    entry: JournalEntry | int,
    reason: str,
    executed_at: dt.datetime | None = None,
    reference: str = "",
    acting_user: Any = None,
) -> JournalEntry:
    """Correct a posted fee, dividend, interest, withdrawal or loan entry by a new entry with the
    opposite postings (the original never changes). Deposits are reversed by `deposit_return`,
    trades by `trade_fail`. Refused when the entry was already reversed or when the reversal
    would take more cash than is available. No restriction check: corrections are operations'."""
    pk = entry.pk if isinstance(entry, JournalEntry) else entry
    original = JournalEntry.objects.select_related("portfolio").get(pk=pk)
    if original.kind not in REVERSIBLE_KINDS:
        raise EntryStateError(f"a {original.kind} entry is not reversed this way")
    if original.method == "crypto":
        raise EntryStateError("a crypto transfer is corrected by the opposite transfer, not reversed")
    if not reason.strip():
        raise EntryStateError("a reason is required")
    executed_at = moment(executed_at)
    book = open_book(original.portfolio_id, allow_closed=True)
    if "reversed" in follow_ups(original):
        raise EntryStateError("this entry was already reversed")
    legs = []
    for posting in original.postings.select_related("account"):
        kind = posting.account.kind
        legs.append((kind, -posting.amount))
    return post(
        book,
        kind=EntryKind.REVERSAL,
        method=original.method,
        legs=legs,
        executed_at=executed_at,
        reference=reference,
        memo=reason.strip(),
        acting_user=acting_user,
        asset=original.asset,
        gross=original.gross,
        fee=-original.fee,
        flow=-original.flow,
        reverses=original,
    )


# --- blocked property ------------------------------------------------------------------------


@transaction.atomic
def blocked_cash_hold(
    *, portfolio: PortfolioRef, reason: str = "", acting_user: Any = None, executed_at: dt.datetime | None = None
) -> JournalEntry | None:
    """Move a blocked customer's settled cash, reserved cash included, into the blocked-funds
    account (OFAC: blocked property is held, not returned). Open cash reservations are released
    into the hold; unsettled cash follows when it settles. Only while the owner is `blocked`
    (`BlockStateError` otherwise); None when there is nothing to move. Idempotent."""
    executed_at = moment(executed_at)
    book = open_book(portfolio, allow_closed=True)
    if book.portfolio.owner.restriction != Restriction.BLOCKED:
        raise BlockStateError("the customer is not blocked")
    cash, reserved = book.balance(K.CASH), book.balance(K.RESERVED)
    if cash + reserved == 0:
        return None
    entry = post(
        book,
        kind=EntryKind.BLOCK,
        method=CashMethod.INTERNAL,
        legs=[(K.CASH, -cash), (K.RESERVED, -reserved), (K.BLOCKED_FUNDS, cash + reserved)],
        executed_at=executed_at,
        memo=(reason or "customer blocked")[:300],
        acting_user=acting_user,
        gross=cash + reserved,
    )
    for held in Reservation.objects.select_for_update().filter(
        portfolio=book.portfolio, kind=ReservationKind.CASH, status=ReservationStatus.OPEN
    ):
        _close_reservation(held, status=ReservationStatus.RELEASED, entry=entry)
    return entry


@transaction.atomic
def blocked_cash_release(
    *, portfolio: PortfolioRef, reason: str, acting_user: Any = None, executed_at: dt.datetime | None = None
) -> JournalEntry | None:
    """Return a portfolio's blocked funds to its settled cash once the block is lifted
    (`BlockStateError` while the owner is still blocked); None when nothing is held."""
    executed_at = moment(executed_at)
    book = open_book(portfolio, allow_closed=True)
    if book.portfolio.owner.restriction == Restriction.BLOCKED:
        raise BlockStateError("the customer is still blocked")
    held = book.blocked_balance()
    if held <= 0:
        return None
    return post(
        book,
        kind=EntryKind.UNBLOCK,
        method=CashMethod.INTERNAL,
        legs=[(K.BLOCKED_FUNDS, -held), (K.CASH, held)],
        executed_at=executed_at,
        memo=(reason or "block lifted")[:300],
        acting_user=acting_user,
        gross=held,
    )


def customer_cash_block(*, user: Any, reason: str = "", acting_user: Any = None) -> list[JournalEntry]:
    """Hold the cash of every portfolio of a blocked customer (in primary-key order, one
    transaction each so one portfolio never waits on another's lock)."""
    entries = []
    for pk in Portfolio.objects.filter(owner=user).order_by("pk").values_list("pk", flat=True):
        entry = blocked_cash_hold(portfolio=pk, reason=reason, acting_user=acting_user)
        if entry:
            entries.append(entry)
    return entries


def customer_cash_unblock(*, user: Any, reason: str = "", acting_user: Any = None) -> list[JournalEntry]:
    """Release the blocked funds of every portfolio of a customer whose block was lifted."""
    entries = []
    for pk in Portfolio.objects.filter(owner=user).order_by("pk").values_list("pk", flat=True):
        entry = blocked_cash_release(portfolio=pk, reason=reason, acting_user=acting_user)
        if entry:
            entries.append(entry)
    return entries
