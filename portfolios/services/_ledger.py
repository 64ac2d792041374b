"""The posting engine every ledger service goes through (private to `portfolios.services`).

Locking: the portfolio row is the lock for everything the portfolio owns (its ledger accounts,
positions, tax lots and reservations). Services lock it first with `select_for_update`, several
portfolios in primary-key order, after the caller's own rows (an order, a loan) and before nothing
else. Customer account balances are then read and written under that lock, and the database's
check constraints refuse a negative cash balance even if a bug got past the service's own check.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from accounts.models import Restriction
from accounts.services import restriction_assert_allows
from blockguardian.calendar import add_settlement_days, business_date
from blockguardian.errors import InvalidInput
from blockguardian.money import ZERO, has_places, quantize_cash, to_decimal

from ..errors import (
    DuplicateReference,
    EntryStateError,
    InsufficientFunds,
    InvalidAmount,
    InvalidQuantity,
    PortfolioClosed,
)
from ..models import (
    CUSTOMER_KINDS,
    PLATFORM_KINDS,
    AccountKind,
    Asset,
    JournalEntry,
    LedgerAccount,
    Portfolio,
    Posting,
    TradingCalendar,
)

K = AccountKind
# How far in the future an `executed_at` may be (clock skew between callers).
FUTURE_SKEW = dt.timedelta(minutes=5)


@dataclass
class Book:
    """A locked portfolio with its accounts (customer and platform) and their balances."""

    portfolio: Portfolio
    accounts: dict[str, LedgerAccount]
    owner_blocked: bool = False
    _blocked_balance: Decimal | None = field(default=None, repr=False)

    def balance(self, kind: str) -> Decimal:
        return self.accounts[kind].balance

    @property
    def settled_destination(self) -> str:
        """Where credits to settled cash go: blocked funds while the owner is blocked."""
        return K.BLOCKED_FUNDS if self.owner_blocked else K.CASH

    def blocked_balance(self) -> Decimal:
        """This portfolio's cash held in the blocked-funds account."""
        if self._blocked_balance is None:
            self._blocked_balance = portfolio_blocked_balance(portfolio=self.portfolio)
        return self._blocked_balance


def portfolio_blocked_balance(*, portfolio: Portfolio) -> Decimal:
    total = Posting.objects.filter(
        account__kind=K.BLOCKED_FUNDS, account__portfolio__isnull=True, entry__portfolio=portfolio
    ).aggregate(total=Sum("amount"))["total"]
    return total or ZERO


# --- input checks -----------------------------------------------------------------------------


def cash_amount(value: Any, *, name: str = "amount", allow_zero: bool = False) -> Decimal:
    """A positive amount in dollars and cents (callers round at their boundary, not here)."""
    try:
        amount = to_decimal(value)
    except (TypeError, ValueError) as exc:
        raise InvalidAmount(f"{name} must be a decimal number", errors={name: [str(exc)]}) from exc
    if amount < 0 or (amount == 0 and not allow_zero):
        raise InvalidAmount(f"{name} must be positive", errors={name: ["must be positive"]})
    if not has_places(amount, 2):
        raise InvalidAmount(f"{name} has more than 2 decimal places", errors={name: ["at most 2 decimal places"]})
    return quantize_cash(amount)


def asset_quantity(value: Any, *, asset: Asset) -> Decimal:
    try:
        quantity = to_decimal(value)
    except (TypeError, ValueError) as exc:
        raise InvalidQuantity("quantity must be a decimal number", errors={"quantity": [str(exc)]}) from exc
    if quantity <= 0:
        raise InvalidQuantity("quantity must be positive", errors={"quantity": ["must be positive"]})
    if not has_places(quantity, asset.quantity_places):
        raise InvalidQuantity(
            f"{asset.symbol} is traded in at most {asset.quantity_places} decimal places",
            errors={"quantity": [f"at most {asset.quantity_places} decimal places"]},
        )
    return quantity


def unit_price(value: Any) -> Decimal:
    try:
        price = to_decimal(value)
    except (TypeError, ValueError) as exc:
        raise InvalidAmount("price must be a decimal number", errors={"price": [str(exc)]}) from exc
    if price <= 0 or not has_places(price, 8):
        raise InvalidAmount("price must be positive with at most 8 decimal places", errors={"price": ["invalid"]})
    return price


def moment(value: dt.datetime | None) -> dt.datetime:
    """`executed_at`: now by default; aware; in the past for imports, never in the future."""
    now = timezone.now()
    if value is None:
        return now
    if timezone.is_naive(value):
        raise InvalidInput("executed_at must carry a time zone", errors={"executed_at": ["needs a time zone"]})
    if value > now + FUTURE_SKEW:
        raise InvalidInput("executed_at is in the future", errors={"executed_at": ["is in the future"]})
    return value


def settlement_date_for(*, asset: Asset, executed_at: dt.datetime) -> dt.date:
    """The contractual settlement date of a trade in `asset` executed at `executed_at`.

    NYSE assets settle on the asset's T+n in settlement days (NYSE trading days that are also
    Federal Reserve business days); crypto settles on the trade date, every day of the year.
    """
    return _settlement_date(asset.calendar, asset.settlement_days, business_date(executed_at))


@lru_cache(maxsize=4096)
def _settlement_date(calendar: str, days: int, trade_date: dt.date) -> dt.date:
    """Calendars do not change while the process runs: settlement dates are cached."""
    if calendar == TradingCalendar.ALWAYS:
        return trade_date + dt.timedelta(days=days)
    return add_settlement_days(trade_date, days)


def ach_settlement_date(*, executed_at: dt.datetime) -> dt.date:
    return _settlement_date(TradingCalendar.NYSE, settings.PORTFOLIOS_ACH_SETTLEMENT_DAYS, business_date(executed_at))


# --- the book --------------------------------------------------------------------------------


def lock_portfolio(portfolio: Portfolio | int) -> Portfolio:
    pk = portfolio.pk if isinstance(portfolio, Portfolio) else portfolio
    return Portfolio.objects.select_for_update(of=("self",)).select_related("owner").get(pk=pk)


def _ensure_accounts(portfolio: Portfolio, existing: Iterable[LedgerAccount]) -> list[LedgerAccount]:
    """Create whatever account is missing (platform accounts on first use, in a savepoint so a
    concurrent first use is harmless)."""
    have_customer = {a.kind for a in existing if a.portfolio_id}
    have_platform = {a.kind for a in existing if not a.portfolio_id}
    created = []
    for kind in CUSTOMER_KINDS:
        if kind not in have_customer:
            created.append(LedgerAccount.objects.create(portfolio=portfolio, kind=kind))
    for kind in PLATFORM_KINDS:
        if kind not in have_platform:
            try:
                with transaction.atomic():
                    created.append(LedgerAccount.objects.create(portfolio=None, kind=kind))
            except IntegrityError:
                created.append(LedgerAccount.objects.get(portfolio=None, kind=kind))
    return created


def open_book(
    portfolio: Portfolio | int,
    *,
    movement: str | None = None,
    allow_closed: bool = False,
) -> Book:
    """Lock the portfolio, check the owner's restriction for `movement` ("debit"/"credit", or None
    for system moves that route around a block instead), and load its accounts."""
    locked = lock_portfolio(portfolio)
    if movement is not None:
        restriction_assert_allows(user=locked.owner, movement=movement)
    if not locked.is_open and not allow_closed:
        raise PortfolioClosed()
    accounts = list(LedgerAccount.objects.filter(Q(portfolio=locked) | Q(portfolio__isnull=True)))
    if len(accounts) < len(CUSTOMER_KINDS) + len(PLATFORM_KINDS):
        accounts += _ensure_accounts(locked, accounts)
    by_kind = {a.kind: a for a in accounts}
    return Book(portfolio=locked, accounts=by_kind, owner_blocked=locked.owner.restriction == Restriction.BLOCKED)


def post(
    book: Book,
    *,
    kind: str,
    legs: Iterable[tuple[str, Decimal]],
    executed_at: dt.datetime,
    reference: str = "",
    memo: str = "",
    method: str = "",
    acting_user: Any = None,
    asset: Asset | None = None,
    quantity: Decimal | None = None,
    price: Decimal | None = None,
    gross: Decimal | None = None,
    fee: Decimal = ZERO,
    flow: Decimal = ZERO,
    settlement_date: dt.date | None = None,
    reverses: JournalEntry | None = None,
    settles: JournalEntry | None = None,
) -> JournalEntry:
    """Write one balanced journal entry for the locked `book` and apply it to the balances.

    `legs` are (account kind, signed amount); legs on one account are merged, zero legs dropped.
    Refuses (nothing written) when the legs do not sum to zero, when a customer cash account would
    go negative (InsufficientFunds) or the reference was used before (DuplicateReference).
    """
    merged: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for account_kind, amount in legs:
        merged[account_kind] += quantize_cash(amount)
    merged = {k: v for k, v in merged.items() if v != 0}
    if sum(merged.values(), ZERO) != 0:
        raise AssertionError(f"unbalanced journal entry {kind}: {merged}")
    if len(merged) < 2:
        raise AssertionError(f"a journal entry needs two legs: {kind} {merged}")

    new_balances: dict[str, Decimal] = {}
    for account_kind, amount in merged.items():
        if account_kind not in CUSTOMER_KINDS:
            continue
        new = book.balance(account_kind) + amount
        if account_kind == K.CASH and new < 0:
            raise InsufficientFunds(
                f"This needs {-amount} of available settled cash; {book.balance(K.CASH)} is available.",
                errors={"amount": ["exceeds the available settled cash"]},
            )
        if account_kind in (K.RESERVED, K.UNSETTLED) and new < 0:
            raise EntryStateError(f"the {account_kind} balance cannot cover {-amount}")
        if account_kind == K.OWED and new > 0:
            raise EntryStateError("more would be collected than is owed")
        new_balances[account_kind] = new

    reference = (reference or "")[:200]
    if reference and JournalEntry.objects.filter(reference=reference).exists():
        raise DuplicateReference(f"An entry with reference {reference!r} was already posted.")

    cash_delta = sum((v for k, v in merged.items() if k in CUSTOMER_KINDS or k == K.BLOCKED_FUNDS), ZERO)
    entry = JournalEntry(
        kind=kind,
        method=method,
        portfolio=book.portfolio,
        executed_at=executed_at,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
        reference=reference,
        memo=(memo or "")[:300],
        reverses=reverses,
        settles=settles,
        settlement_date=settlement_date,
        asset=asset,
        quantity=quantity,
        price=price,
        gross=gross,
        fee=fee,
        cash_delta=cash_delta,
        flow=flow,
    )
    entry.save(force_insert=True)
    Posting.objects.bulk_create(
        [Posting(entry=entry, account=book.accounts[k], amount=v) for k, v in sorted(merged.items())]
    )
    changed = []
    for account_kind, new in new_balances.items():
        account = book.accounts[account_kind]
        account.balance = new
        changed.append(account)
    if changed:
        LedgerAccount.objects.bulk_update(changed, ["balance"])
    Portfolio.objects.filter(pk=book.portfolio.pk).update(ledger_seq=F("ledger_seq") + 1, updated_at=timezone.now())
    book.portfolio.ledger_seq += 1
    if K.BLOCKED_FUNDS in merged and book._blocked_balance is not None:
        book._blocked_balance += merged[K.BLOCKED_FUNDS]
    return entry


def follow_ups(entry: JournalEntry) -> set[str]:
    """{"settled", "reversed"}: what later entries did to `entry` (a settled deposit may still be
    returned, so both can hold)."""
    found: set[str] = set()
    for settles_id, reverses_id in JournalEntry.objects.filter(Q(settles=entry) | Q(reverses=entry)).values_list(
        "settles_id", "reverses_id"
    ):
        if settles_id:
            found.add("settled")
        if reverses_id:
            found.add("reversed")
    return found
