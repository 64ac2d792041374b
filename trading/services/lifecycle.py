"""What happens to transactions after they are accepted: settlement, fraud review outcomes, and
a customer's block."""

from __future__ import annotations

import datetime as dt
from typing import Any

import structlog
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from blockguardian.calendar import business_date
from blockguardian.errors import ApplicationError
from portfolios import selectors as ledger_selectors
from portfolios import services as ledger

from ..models import OPEN_STATUSES, Status, Transaction, TransactionType
from ._common import lock_transaction
from .orders import _close, order_release_after_review
from .transfers import transfer_book

logger = structlog.get_logger(__name__)

NON_LEDGER_SETTLING = (TransactionType.WITHDRAWAL, TransactionType.LOAN_DISBURSEMENT, TransactionType.LOAN_REPAYMENT)


def settlement_run(*, on: dt.date | None = None, limit: int | None = None) -> int:
    """Settle what is due by business date `on` (default today): buys, sells and ACH deposits
    through `portfolios.services.entry_settle` (the entry's transaction, if trading's, becomes
    `settled`), then ACH withdrawals and lending's bank legs, which settle without a ledger entry.
    Each item in its own transaction; safe to run twice or concurrently. Returns how many settled."""
    on = on or business_date()
    limit = limit or settings.TRADING_SETTLEMENT_BATCH
    settled = 0
    for entry in list(ledger_selectors.entry_due_list(on_or_before=on)[:limit]):
        tx_id = Transaction.objects.filter(entry_id=entry.pk).values_list("pk", flat=True).first()
        try:
            with transaction.atomic():
                tx = lock_transaction(tx_id) if tx_id else None
                if tx is not None and tx.status != Status.FILLED:
                    continue
                reference = f"{tx.ledger_reference}:settle" if tx else f"settlement:entry:{entry.pk}"
                result = ledger.entry_settle(entry=entry.pk, reference=reference)
                if tx is not None:
                    tx.status = Status.SETTLED
                    tx.settlement_entry = result
                    tx.settled_at = timezone.now()
                    tx.save(update_fields=["status", "settlement_entry", "settled_at", "updated_at"])
                settled += 1
        except ApplicationError as exc:  # settled or returned meanwhile
            logger.info("settlement_skipped", entry_id=entry.pk, error=exc.code)
    due = Transaction.objects.filter(
        type__in=NON_LEDGER_SETTLING, status=Status.FILLED, settlement_date__lte=on
    ).values_list("pk", flat=True)[:limit]
    for pk in list(due):
        with transaction.atomic():
            tx = lock_transaction(pk)
            if tx.status != Status.FILLED:
                continue
            tx.status = Status.SETTLED
            tx.settled_at = timezone.now()
            tx.save(update_fields=["status", "settled_at", "updated_at"])
            settled += 1
    return settled


def review_resolve(*, reference: str, outcome: str) -> Transaction | None:
    """Fraud ended a review: `released` → the transaction goes on as if just accepted (an order
    fills or rests, a deposit or withdrawal is booked); `refused` → cancelled, reservation
    released. Not trading's reference, or no longer `pending_review`: nothing (idempotent)."""
    prefix, _, pk = (reference or "").partition(":")
    if prefix != "trading.transaction" or not pk.isdigit():
        return None
    try:
        with transaction.atomic():
            tx = lock_transaction(int(pk))
            if tx.status != Status.PENDING_REVIEW:
                return tx
            if outcome != "released":
                return _close(tx, status=Status.CANCELLED, reason="refused after review")
            if tx.is_order:
                order_release_after_review(tx)
            else:
                transfer_book(tx, executed_at=timezone.now())
            return tx
    except ApplicationError as exc:
        logger.info("review_release_refused", transaction_id=pk, error=exc.code)
        with transaction.atomic():
            tx = lock_transaction(int(pk))
            if tx.status == Status.PENDING_REVIEW:
                _close(tx, status=Status.CANCELLED, reason=f"could not proceed after review: {exc.detail}")
            return tx


def customer_open_transactions_cancel(*, user: Any, reason: str = "the account is blocked") -> int:
    """Cancel every `pending_review`/`pending` transaction of a customer (a block), each in its own
    transaction; reservations are released (into blocked funds while the customer is blocked)."""
    count = 0
    pks = Transaction.objects.filter(user=user, status__in=OPEN_STATUSES).order_by("pk").values_list("pk", flat=True)
    for pk in list(pks):
        with transaction.atomic():
            tx = lock_transaction(pk)
            if tx.status in OPEN_STATUSES:
                _close(tx, status=Status.CANCELLED, reason=reason)
                count += 1
    return count
