"""Reads of the trading app, scoped to what the caller may see."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from blockguardian.calendar import business_tz
from blockguardian.money import ZERO, quantize_cash
from portfolios import selectors as portfolio_selectors

from .errors import BankAccountNotFound, TransactionNotFound, WalletNotFound
from .models import OPEN_STATUSES, LinkedBankAccount, Method, SourceStatus, Status, Transaction, TransactionType, Wallet


def transaction_list(
    *,
    portfolio: Any,
    type: str | None = None,
    status: str | None = None,
    asset: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[Transaction]:
    """A portfolio's transactions, newest first; `date_from`/`date_to` bound the request date
    (business time zone, inclusive); `asset` is a symbol."""
    rows = Transaction.objects.filter(portfolio=portfolio).select_related("asset")
    if type:
        rows = rows.filter(type=type)
    if status:
        rows = rows.filter(status=status)
    if asset:
        rows = rows.filter(asset__symbol__iexact=asset)
    tz = business_tz()
    if date_from:
        rows = rows.filter(requested_at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=tz))
    if date_to and date_to < dt.date.max:
        rows = rows.filter(requested_at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    return rows.order_by("-requested_at", "-id")


def transaction_get(*, portfolio: Any, pk: Any) -> Transaction:
    """One transaction of the portfolio (the portfolio already scoped to the user); 404 otherwise."""
    try:
        return Transaction.objects.select_related("asset", "bank_account").get(portfolio=portfolio, pk=int(pk))
    except (Transaction.DoesNotExist, TypeError, ValueError) as exc:
        raise TransactionNotFound() from exc


def portfolio_get_for_user(*, user: Any, pk: Any):
    return portfolio_selectors.portfolio_get_for_user(user=user, pk=pk)


def bank_account_list(*, user: Any) -> QuerySet[LinkedBankAccount]:
    return LinkedBankAccount.objects.filter(user=user).order_by("id")


def bank_account_get(*, user: Any, pk: Any) -> LinkedBankAccount:
    try:
        return bank_account_list(user=user).get(pk=int(pk))
    except (LinkedBankAccount.DoesNotExist, TypeError, ValueError) as exc:
        raise BankAccountNotFound("No such bank account.") from exc


def bank_account_verified_get(*, user: Any, bank_account_id: Any) -> LinkedBankAccount:
    """The user's own verified bank account; `BankAccountNotFound` (404) otherwise."""
    account = bank_account_get(user=user, pk=bank_account_id)
    if account.status != SourceStatus.VERIFIED:
        raise BankAccountNotFound()
    return account


def wallet_list(*, user: Any) -> QuerySet[Wallet]:
    return Wallet.objects.filter(user=user).order_by("id")


def wallet_get(*, user: Any, pk: Any) -> Wallet:
    try:
        return wallet_list(user=user).get(pk=int(pk))
    except (Wallet.DoesNotExist, TypeError, ValueError) as exc:
        raise WalletNotFound() from exc


def shortfall_list() -> list[dict]:
    """For operations: ACH returns that left a customer owing money (the portfolio's shortfall)."""
    rows = []
    returned = (
        Transaction.objects.filter(type=TransactionType.DEPOSIT, status=Status.RETURNED, portfolio__isnull=False)
        .select_related("portfolio")
        .order_by("-closed_at")
    )
    seen = set()
    for tx in returned:
        if tx.portfolio_id in seen:
            continue
        seen.add(tx.portfolio_id)
        owed = portfolio_selectors.cash_balances(portfolio=tx.portfolio).owed
        if owed > 0:
            rows.append({"portfolio_id": tx.portfolio_id, "user_id": str(tx.user_id), "owed": owed, "return": tx.pk})
    return rows


def blocked_property_list(*, user: Any, as_of: dt.date) -> list[dict]:
    """What trading holds for a blocked customer beyond the portfolio ledger: transactions still
    open on `as_of` (reserved cash or quantity; cancelled once the block is processed) and ACH
    deposits in transit (booked as unsettled cash, not yet settled). Amounts as decimal strings.
    Compliance asks for customers it has blocked; the list does not re-check the restriction."""
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min, tzinfo=business_tz())
    items = []
    rows = Transaction.objects.filter(user=user, requested_at__lt=end).filter(
        Q(status__in=OPEN_STATUSES) | Q(type=TransactionType.DEPOSIT, method=Method.ACH, status=Status.FILLED)
    )
    for tx in rows.select_related("asset", "reservation").order_by("id"):
        if tx.status in OPEN_STATUSES:
            if tx.reservation and tx.reservation.quantity:
                description = f"open {tx.type} order {tx.pk}: {tx.reservation.quantity} {tx.asset.symbol} reserved"
                amount = quantize_cash((tx.asset.last_price or ZERO) * tx.reservation.quantity)
            else:
                description = f"open {tx.type} {tx.pk}: cash reserved"
                amount = tx.reservation.amount if tx.reservation else (tx.amount or ZERO)
        else:
            description = f"ACH deposit {tx.pk} in transit (unsettled)"
            amount = tx.amount
        items.append(
            {
                "app": "trading",
                "kind": "transaction",
                "description": description,
                "amount": str(amount),
                "currency": "USD",
            }
        )
    return items


# --- documents ----------------------------------------------------------------------------------


def confirmation_for(*, tx: Transaction) -> dict:
    """A trade confirmation (SEC Rule 10b-10 items) for a filled order, built from the immutable
    fill; `TransactionNotFound` when the transaction is not a filled order."""
    if not tx.is_order or tx.executed_at is None or tx.entry_id is None:
        raise TransactionNotFound("There is no confirmation for this transaction.")
    execution = tx.executions.order_by("id").first()
    net = tx.amount + tx.fee if tx.type == TransactionType.BUY else tx.amount - tx.fee
    return {
        "confirmation_number": f"TC-{tx.pk:010d}",
        "transaction_id": tx.pk,
        "portfolio_id": tx.portfolio_id,
        "side": tx.type,
        "symbol": tx.asset.symbol,
        "asset_name": tx.asset.name,
        "asset_class": tx.asset.asset_class,
        "quantity": tx.filled_quantity,
        "price": tx.price,
        "quote_price": execution.quote_price if execution else tx.price,
        "gross_amount": tx.amount,
        "fee": tx.fee,
        "net_amount": net,
        "order_type": tx.order_type,
        "time_in_force": tx.time_in_force,
        "limit_price": tx.limit_price,
        "executed_at": tx.executed_at,
        "trade_date": tx.trade_date,
        "settlement_date": tx.settlement_date,
        "capacity": "agent",
        "currency": "USD",
    }


def month_bounds(month: str) -> tuple[dt.date, dt.datetime, dt.datetime]:
    first = dt.date.fromisoformat(f"{month}-01")
    nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    tz = business_tz()
    return first, dt.datetime.combine(first, dt.time.min, tzinfo=tz), dt.datetime.combine(nxt, dt.time.min, tzinfo=tz)


def _cash_at(portfolio: Any, moment: dt.datetime) -> Decimal:
    """The customer's own cash (settled, reserved, unsettled, less what is owed, plus blocked funds
    held for them) just before `moment`: the sum of entries' `cash_delta`."""
    from portfolios.models import JournalEntry

    total = JournalEntry.objects.filter(portfolio=portfolio, executed_at__lt=moment).aggregate(t=Sum("cash_delta"))["t"]
    return total or ZERO


def statement_for(*, portfolio: Any, month: str) -> dict:
    """A monthly statement: opening and closing cash, the month's activity, holdings at the close
    of the month (quantity from the ledger's trades, valued at each asset's last close in the
    month) and the realised gains of the month."""
    from portfolios.models import JournalEntry, LotDisposal, Price

    first, start, end = month_bounds(month)
    entries = JournalEntry.objects.filter(portfolio=portfolio, executed_at__lt=end)
    quantities: dict[int, Decimal] = {}
    for asset_id, quantity in entries.filter(quantity__isnull=False).values_list("asset_id", "quantity"):
        quantities[asset_id] = quantities.get(asset_id, ZERO) + quantity
    holdings = []
    from portfolios.models import Asset

    assets = {a.pk: a for a in Asset.objects.filter(pk__in=[k for k, v in quantities.items() if v])}
    for asset_id, quantity in sorted(
        quantities.items(), key=lambda kv: assets[kv[0]].symbol if kv[0] in assets else ""
    ):
        if not quantity:
            continue
        close = (
            Price.objects.filter(asset_id=asset_id, timestamp__lt=end)
            .order_by("-timestamp")
            .values_list("close", flat=True)
            .first()
        )
        holdings.append(
            {
                "symbol": assets[asset_id].symbol,
                "quantity": quantity,
                "price": close,
                "market_value": quantize_cash(quantity * close) if close is not None else None,
            }
        )
    activity = [
        {
            "transaction_id": tx.pk,
            "date": tx.executed_at or tx.requested_at,
            "type": tx.type,
            "method": tx.method,
            "status": tx.status,
            "symbol": tx.asset.symbol if tx.asset_id else None,
            "quantity": tx.filled_quantity or tx.quantity,
            "price": tx.price,
            "amount": tx.amount,
            "fee": tx.fee,
        }
        for tx in Transaction.objects.filter(portfolio=portfolio)
        .filter(
            Q(executed_at__gte=start, executed_at__lt=end)
            | Q(executed_at__isnull=True, requested_at__gte=start, requested_at__lt=end)
        )
        .select_related("asset")
        .order_by("requested_at", "id")
    ]
    gains = LotDisposal.objects.filter(
        portfolio=portfolio, voided_by__isnull=True, disposed_at__gte=start, disposed_at__lt=end
    ).aggregate(g=Sum("gain"))["g"]
    opening, closing = _cash_at(portfolio, start), _cash_at(portfolio, end)
    value = sum((h["market_value"] or ZERO for h in holdings), ZERO)
    return {
        "portfolio_id": portfolio.pk,
        "month": first.strftime("%Y-%m"),
        "period_start": first,
        "period_end": (end - dt.timedelta(days=1)).date(),
        "opening_cash": opening,
        "closing_cash": closing,
        "holdings_value": value,
        "closing_total": closing + value,
        "activity": activity,
        "holdings": holdings,
        "realized_gains": gains or ZERO,
        "generated_at": timezone.now(),
    }


def portfolio_for_staff(*, pk: Any):
    """Any open portfolio, for operations (staff endpoints); `TransactionNotFound`-style 404 otherwise."""
    from portfolios.errors import PortfolioNotFound
    from portfolios.models import Portfolio

    try:
        return Portfolio.objects.select_related("owner").get(pk=int(pk))
    except (Portfolio.DoesNotExist, TypeError, ValueError) as exc:
        raise PortfolioNotFound() from exc


def transaction_parties_since(*, since: dt.datetime):
    """The named parties of the transaction records since `since`, for FinCEN 314(a) searches:
    who conducted branch cash and on whose behalf, the holders of the bank accounts money moved to
    or from, and the beneficiaries of recorded wires. Yields dicts with `reference`
    ("trading.transaction:<id>"), `customer_id`, `name`, `date_of_birth` (or None) and
    `executed_at`; streamed, never the whole table in memory."""
    from .models import BranchCashTransaction

    cash = (
        BranchCashTransaction.objects.filter(occurred_at__gte=since)
        .values_list(
            "transaction_id",
            "customer_id",
            "conductor_name",
            "conductor_date_of_birth",
            "on_behalf_of_name",
            "occurred_at",
        )
        .order_by("id")
    )
    for tx_id, customer_id, conductor, dob, on_behalf_of, at in cash.iterator(chunk_size=2000):
        reference = f"trading.transaction:{tx_id}"
        yield {
            "reference": reference,
            "customer_id": customer_id,
            "name": conductor,
            "date_of_birth": dob,
            "executed_at": at,
        }
        if on_behalf_of:
            yield {
                "reference": reference,
                "customer_id": customer_id,
                "name": on_behalf_of,
                "date_of_birth": None,
                "executed_at": at,
            }
    moved = (
        Transaction.objects.filter(bank_account__isnull=False, requested_at__gte=since)
        .values_list("pk", "user_id", "bank_account__holder_name", "wire_details", "requested_at")
        .order_by("id")
    )
    for tx_id, customer_id, holder, wire, at in moved.iterator(chunk_size=2000):
        reference = f"trading.transaction:{tx_id}"
        names = {holder}
        beneficiary = ((wire or {}).get("beneficiary") or {}).get("name")
        if beneficiary:
            names.add(beneficiary)
        for name in sorted(n for n in names if n):
            yield {
                "reference": reference,
                "customer_id": customer_id,
                "name": name,
                "date_of_birth": None,
                "executed_at": at,
            }
