"""Where compliance reaches into the apps that hold a customer's property.

Compliance imports the other apps (never the reverse) and uses only their `selectors` and
`services`. The functions named here are looked up when called, so compliance works before
those apps exist; each one's contract is written below.
"""

from __future__ import annotations

import datetime as dt
import importlib

import structlog

logger = structlog.get_logger(__name__)

# (module, function) pairs that report a customer's blocked property; each is called as
# `fn(*, user, as_of)` and returns a list of {"app", "kind", "description", "amount", "currency"}
# with amounts as decimal strings.
PROPERTY_SOURCES = (
    ("portfolios.selectors", "blocked_property_list"),
    ("trading.selectors", "blocked_property_list"),
    ("lending.selectors", "blocked_property_list"),
)


def _lookup(module: str, name: str):
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


def blocked_property(*, customer, as_of: dt.date) -> list[dict]:
    """The customer's blocked property as the apps that hold it report it."""
    items: list[dict] = []
    for module, name in PROPERTY_SOURCES:
        reader = _lookup(module, name)
        if reader is not None:
            items.extend(reader(user=customer, as_of=as_of))
    return items


def wallet_mark_unusable(*, wallet_id, reason: str) -> bool:
    """Ask trading to mark a registered wallet unusable for good
    (`trading.services.wallet_mark_unusable(*, wallet_id, reason, acting_user=None)`).
    Returns False when trading does not offer it (yet)."""
    service = _lookup("trading.services", "wallet_mark_unusable")
    if service is None:
        logger.warning("wallet_mark_unusable_unavailable", wallet_id=str(wallet_id))
        return False
    service(wallet_id=wallet_id, reason=reason, acting_user=None)
    return True


def party_refuse(*, kind: str, reference: str, reason: str) -> bool:
    """Ask trading to refuse a registered party that screening found listed (a linked bank
    account whose holder is listed, a counterparty, an issuer):
    `trading.services.screening_refuse(*, kind, reference, reason, acting_user=None)`.
    Returns False when trading does not offer it (yet)."""
    service = _lookup("trading.services", "screening_refuse")
    if service is None:
        logger.warning("screening_refuse_unavailable", kind=kind, reference=reference)
        return False
    service(kind=kind, reference=reference, reason=reason, acting_user=None)
    return True


# (module, function) pairs that yield the named parties of transaction records, each called as
# `fn(*, since)` and yielding {"reference", "customer_id", "name", "date_of_birth", "executed_at"}
# (FinCEN 314(a) searches transactions as well as accounts).
TRANSACTION_PARTY_SOURCES = (("trading.selectors", "transaction_parties_since"),)


def transaction_parties(*, since: dt.datetime):
    """The named parties of the transaction records since `since`, as the apps that hold them report them."""
    for module, name in TRANSACTION_PARTY_SOURCES:
        reader = _lookup(module, name)
        if reader is not None:
            yield from reader(since=since)
