"""Data rights: the customer's trading records in their export; what erasure masks; its veto.

Trade records, confirmations and branch cash records (with the conductor's identity) are kept for
their regulatory retention (`RETENTION_CLASSES`: trade records 6 years, CTR records 5): erasure does
not remove them. It masks what the product shows that is not part of those records: the names on
linked bank accounts (encrypted numbers stay, for the transfers they made), wallet labels, and the
request details (IP address, user agent) of every transaction.
"""

from __future__ import annotations

from typing import Any

from .models import OPEN_STATUSES, LinkedBankAccount, Transaction, Wallet


def _s(value: Any) -> str | None:
    return None if value is None else str(value)


def export_trading(user) -> dict:
    transactions = [
        {
            "id": tx.pk,
            "portfolio_id": tx.portfolio_id,
            "type": tx.type,
            "method": tx.method,
            "status": tx.status,
            "asset": tx.asset.symbol if tx.asset_id else None,
            "quantity": _s(tx.filled_quantity or tx.quantity),
            "price": _s(tx.price),
            "amount": _s(tx.amount),
            "fee": _s(tx.fee),
            "requested_at": tx.requested_at.isoformat(),
            "executed_at": tx.executed_at.isoformat() if tx.executed_at else None,
            "settlement_date": _s(tx.settlement_date),
        }
        for tx in Transaction.objects.filter(user=user).select_related("asset").order_by("pk")
    ]
    accounts = [
        {
            "id": a.pk,
            "holder_name": a.holder_name,
            "bank_name": a.bank_name,
            "account_type": a.account_type,
            "account_last4": a.account_last4,
            "status": a.status,
        }
        for a in LinkedBankAccount.objects.filter(user=user).order_by("pk")
    ]
    wallets = [
        {"id": w.pk, "currency": w.currency, "address": w.address, "label": w.label, "status": w.status}
        for w in Wallet.objects.filter(user=user).order_by("pk")
    ]
    return {"transactions": transactions, "bank_accounts": accounts, "wallets": wallets}


def erase_trading(user) -> None:
    LinkedBankAccount.objects.filter(user=user).update(holder_name="***", bank_name="")
    Wallet.objects.filter(user=user).update(label="")
    Transaction.objects.filter(user=user).update(ip_address=None, user_agent="")


def veto_erasure(user) -> str | None:
    if Transaction.objects.filter(user=user, status__in=OPEN_STATUSES).exists():
        return "open orders or transfers"
    return None
