"""Historical activity from a legacy or branch system (`manage.py import_transactions`).

Rows are booked through the same `portfolios.services` as live activity, with `executed_at` as
the business time (monitoring and analytics read it, never the import time), in time order per
batch, each row in a savepoint of its batch's transaction. What a row's dates say is already due
is settled at once. Idempotent by external id (the transaction's `reference` is
``import:<external_id>``). Imported rows are not fraud-assessed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from blockguardian.calendar import business_date, business_tz
from blockguardian.errors import ApplicationError
from blockguardian.money import has_places, quantize_cash, to_decimal
from portfolios import services as ledger
from portfolios.models import Asset, Portfolio

from ..models import CashDirection, Execution, Method, Source, Status, Transaction
from .transfers import branch_cash_record

IMPORT_TYPES = {"buy", "sell", "deposit", "withdrawal", "dividend", "fee", "interest"}
# Every column a row may carry (import_transactions' docstring says which each type needs).
IMPORT_COLUMNS = (
    "external_id",
    "customer_external_id",
    "portfolio",
    "type",
    "method",
    "amount",
    "asset",
    "quantity",
    "price",
    "fee",
    "executed_at",
    "branch",
    "conductor_name",
    "conductor_date_of_birth",
    "conductor_address",
    "conductor_id_type",
    "conductor_id_number",
    "conductor_id_issuer",
    "conductor_is_customer",
    "on_behalf_of",
    "conductor_identity_verified",
)
SETTLE_HOUR = dt.time(16, 0)


class RowRejected(Exception):
    pass


@dataclass
class ImportResult:
    read: int = 0
    imported: int = 0
    skipped: int = 0
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # (line, external id, reason)


def _dec(row: dict, name: str, *, places: int, required: bool = True, zero: bool = False) -> Decimal | None:
    raw = (row.get(name) or "").strip()
    if not raw:
        if required:
            raise RowRejected(f"{name} is required")
        return None
    try:
        value = to_decimal(raw)
    except (TypeError, ValueError) as exc:
        raise RowRejected(f"{name} is not a number") from exc
    if not value.is_finite() or value < 0 or (value == 0 and not zero) or not has_places(value, places):
        kind = "zero or positive" if zero else "positive"
        raise RowRejected(f"{name} must be {kind} with at most {places} decimal places")
    return value


def _when(raw: str, now: dt.datetime) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat((raw or "").strip())
    except ValueError as exc:
        raise RowRejected("executed_at must be an ISO 8601 date-time") from exc
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=business_tz())
    if moment >= now:
        raise RowRejected("executed_at must be in the past")
    return moment


def parse_row(row: dict, *, users: dict, portfolios: dict, assets: dict, now: dt.datetime) -> dict:
    """Check one CSV row (the lookups are the batch's, keyed by external id, portfolio id, symbol)."""
    external_id = (row.get("external_id") or "").strip()
    if not external_id or len(external_id) > 150:
        raise RowRejected("external_id is required (at most 150 characters)")
    kind = (row.get("type") or "").strip().lower()
    if kind not in IMPORT_TYPES:
        raise RowRejected(f"type must be one of {', '.join(sorted(IMPORT_TYPES))}")
    user = users.get((row.get("customer_external_id") or "").strip())
    if user is None:
        raise RowRejected("unknown customer_external_id")
    portfolio_key = (row.get("portfolio") or "").strip()
    portfolio = portfolios.get(int(portfolio_key)) if portfolio_key.isdigit() else None
    if portfolio is None or portfolio.owner_id != user.pk:
        raise RowRejected("portfolio is not one of this customer's portfolios")
    parsed = {"external_id": external_id, "type": kind, "user": user, "portfolio": portfolio}
    parsed["executed_at"] = _when(row.get("executed_at", ""), now)
    method = (row.get("method") or "").strip().lower()
    if kind in ("buy", "sell"):
        asset = assets.get((row.get("asset") or "").strip().upper())
        if asset is None:
            raise RowRejected("unknown asset")
        parsed.update(
            asset=asset,
            quantity=_dec(row, "quantity", places=asset.quantity_places),
            price=_dec(row, "price", places=8),
            fee=_dec(row, "fee", places=2, required=False, zero=True) or Decimal("0"),
        )
    else:
        parsed["amount"] = _dec(row, "amount", places=2)
        if kind in ("deposit", "withdrawal"):
            if method not in (Method.ACH, Method.WIRE, Method.CASH):
                raise RowRejected("method must be ach, wire or cash")
            parsed["method"] = method
            if method == Method.CASH:
                parsed["conductor"] = {
                    "name": (row.get("conductor_name") or "").strip(),
                    "date_of_birth": dt.date.fromisoformat(row["conductor_date_of_birth"])
                    if (row.get("conductor_date_of_birth") or "").strip()
                    else None,
                    "address": (row.get("conductor_address") or "").strip(),
                    "id_type": (row.get("conductor_id_type") or "").strip(),
                    "id_number": (row.get("conductor_id_number") or "").strip(),
                    "id_issuer": (row.get("conductor_id_issuer") or "").strip(),
                    "on_behalf_of": (row.get("on_behalf_of") or "").strip(),
                    "is_customer": (row.get("conductor_is_customer") or "true").strip().lower() in ("1", "true", "yes"),
                    "identity_verified": (row.get("conductor_identity_verified") or "").strip().lower()
                    in ("1", "true", "yes"),
                }
                parsed["branch"] = (row.get("branch") or "").strip()
        elif kind == "dividend":
            asset = assets.get((row.get("asset") or "").strip().upper())
            if asset is None:
                raise RowRejected("a dividend names its asset")
            parsed["asset"] = asset
    return parsed


def _settle_due(tx: Transaction, today: dt.date) -> None:
    if tx.entry_id is None or tx.settlement_date is None or tx.settlement_date > today:
        return
    moment = min(dt.datetime.combine(tx.settlement_date, SETTLE_HOUR, tzinfo=business_tz()), timezone.now())
    tx.settlement_entry = ledger.entry_settle(entry=tx.entry_id, executed_at=moment, reference=f"{tx.reference}:settle")
    tx.status = Status.SETTLED
    tx.settled_at = moment
    tx.save(update_fields=["settlement_entry", "status", "settled_at", "updated_at"])


def import_row(parsed: dict, *, acting_user: Any = None) -> Transaction:
    """Book one checked row (inside the batch's transaction)."""
    reference = f"import:{parsed['external_id']}"
    moment = parsed["executed_at"]
    portfolio = parsed["portfolio"]
    kind = parsed["type"]
    today = business_date()
    if kind in ("deposit", "withdrawal") and parsed["method"] == Method.CASH:
        return branch_cash_record(
            acting_user=acting_user,
            portfolio=portfolio,
            direction=CashDirection.IN if kind == "deposit" else CashDirection.OUT,
            amount=parsed["amount"],
            branch=parsed["branch"] or "import",
            conductor=parsed["conductor"],
            occurred_at=moment,
            source=Source.IMPORT,
            reference=reference,
        )
    tx = Transaction(
        user=parsed["user"],
        portfolio=portfolio,
        type=kind,
        status=Status.PENDING,
        source=Source.IMPORT,
        reference=reference,
        requested_at=moment,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    if kind in ("buy", "sell"):
        asset = parsed["asset"]
        tx.asset, tx.order_type, tx.time_in_force, tx.quantity = asset, "market", "day", parsed["quantity"]
        tx.save()
        book = ledger.trade_buy if kind == "buy" else ledger.trade_sell
        entry = book(
            portfolio=portfolio.pk,
            asset=asset,
            quantity=parsed["quantity"],
            price=parsed["price"],
            fee=parsed["fee"],
            executed_at=moment,
            reference=f"{reference}:fill",
            acting_user=acting_user,
        )
        gross = quantize_cash(parsed["quantity"] * parsed["price"])
        Execution.objects.create(
            transaction=tx,
            quantity=parsed["quantity"],
            quote_price=parsed["price"],
            price=parsed["price"],
            gross=gross,
            fee=entry.fee,
            price_source="import",
            executed_at=moment,
            entry=entry,
        )
        tx.filled_quantity, tx.price, tx.amount, tx.fee = parsed["quantity"], parsed["price"], gross, entry.fee
        tx.status, tx.entry, tx.executed_at = Status.FILLED, entry, moment
        tx.trade_date, tx.settlement_date = business_date(moment), entry.settlement_date
        tx.save()
        _settle_due(tx, today)
        return tx
    tx.amount = parsed["amount"]
    if kind in ("deposit", "withdrawal"):
        tx.method = parsed["method"]
        tx.save()
        if kind == "deposit":
            entry = ledger.cash_deposit(
                portfolio=portfolio.pk,
                amount=tx.amount,
                method=tx.method,
                executed_at=moment,
                reference=f"{reference}:book",
            )
        else:
            entry = ledger.cash_withdraw(
                portfolio=portfolio.pk,
                amount=tx.amount,
                method=tx.method,
                executed_at=moment,
                reference=f"{reference}:book",
            )
        tx.entry, tx.executed_at, tx.trade_date = entry, moment, business_date(moment)
        if tx.method == Method.ACH:
            tx.status = Status.FILLED
            tx.settlement_date = entry.settlement_date or ledger.ach_settlement_date(executed_at=moment)
            if kind == "withdrawal" and tx.settlement_date <= today:
                tx.status, tx.settled_at = Status.SETTLED, moment
        else:
            tx.status, tx.settlement_date, tx.settled_at = Status.SETTLED, tx.trade_date, moment
        tx.save()
        if kind == "deposit" and tx.method == Method.ACH:
            _settle_due(tx, today)
        return tx
    tx.method = Method.INTERNAL
    tx.asset = parsed.get("asset")
    tx.save()
    posting = {"dividend": ledger.dividend_credit, "fee": ledger.fee_charge, "interest": ledger.interest_credit}[kind]
    kwargs = {"asset": tx.asset} if kind == "dividend" else {}
    entry = posting(
        portfolio=portfolio.pk, amount=tx.amount, executed_at=moment, reference=f"{reference}:book", **kwargs
    )
    tx.entry, tx.status, tx.executed_at, tx.settled_at = entry, Status.SETTLED, moment, moment
    tx.trade_date = tx.settlement_date = business_date(moment)
    tx.save()
    return tx


def import_batch(rows: list[tuple[int, dict]], *, result: ImportResult, acting_user: Any = None) -> None:
    """Check and book one batch of (line, row) in one transaction, in time order; a rejected row
    is rolled back to its savepoint and reported."""
    from accounts.models import User

    now = timezone.now()
    ids = {(r.get("customer_external_id") or "").strip() for _, r in rows}
    users = {
        u.profile.external_id: u for u in User.objects.filter(profile__external_id__in=ids).select_related("profile")
    }
    keys = {int(k) for _, r in rows if (k := (r.get("portfolio") or "").strip()).isdigit()}
    portfolios = Portfolio.objects.in_bulk(keys)
    symbols = {(r.get("asset") or "").strip().upper() for _, r in rows}
    assets = {a.symbol.upper(): a for a in Asset.objects.filter(symbol__in=symbols)}
    refs = {f"import:{(r.get('external_id') or '').strip()}" for _, r in rows}
    done = set(Transaction.objects.filter(reference__in=refs).values_list("reference", flat=True))
    parsed_rows = []
    for line, row in rows:
        result.read += 1
        external_id = (row.get("external_id") or "").strip()
        if f"import:{external_id}" in done:
            result.skipped += 1
            continue
        try:
            parsed_rows.append((line, parse_row(row, users=users, portfolios=portfolios, assets=assets, now=now)))
        except (RowRejected, ValueError) as exc:
            result.rejected.append((line, external_id, str(exc)))
    parsed_rows.sort(key=lambda item: (item[1]["executed_at"], item[0]))
    seen: set[str] = set()
    with transaction.atomic():
        for line, parsed in parsed_rows:
            if parsed["external_id"] in seen:
                result.rejected.append((line, parsed["external_id"], "external_id repeated in the file"))
                continue
            seen.add(parsed["external_id"])
            try:
                with transaction.atomic():
                    import_row(parsed, acting_user=acting_user)
                result.imported += 1
            except (ApplicationError, IntegrityError) as exc:
                reason = exc.detail if isinstance(exc, ApplicationError) else "conflicts with an existing record"
                result.rejected.append((line, parsed["external_id"], str(reason)))
