"""The event every caller hands to fraud: one customer-initiated money movement (or a new funding
source, or an ACH return), described in plain values.

The contract:

* Before writing anything, the caller builds a `MoneyMovementEvent` and calls
  `fraud.services.assess(event)` OUTSIDE any database transaction (the decision is committed at
  once, so it is kept even when the caller then refuses the request). `block` → refuse, with
  `fraud.services.customer_message(decision)` as the only text the customer sees; `review` → store
  the movement as `pending_review`; `allow` → go on.
* In the transaction that stores the movement (or once it has committed), the caller calls
  `fraud.services.decision_attach_reference(decision_id=..., reference=...)` with the id of what it
  stored; once it has committed (`transaction.on_commit`, or an outbox task), it calls
  `fraud.services.record(event)` with `reference` set, for every movement it stored
  (whatever its status, `pending_review` included) and for events it does not assess (an ACH
  return). `record()` is idempotent per (customer, type, reference). Refused requests are not
  recorded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any


class EventType:
    BUY = "buy"
    SELL = "sell"
    DEPOSIT = "deposit"
    WITHDRAWAL = "withdrawal"
    LOAN_DISBURSEMENT = "loan_disbursement"
    LOAN_REPAYMENT = "loan_repayment"
    NEW_FUNDING_SOURCE = "new_funding_source"
    ACH_RETURN = "ach_return"


class Method:
    ACH = "ach"
    WIRE = "wire"
    CRYPTO = "crypto"
    CASH = "cash"
    INTERNAL = "internal"


# Which way money goes, seen from the customer's account at the institution.
INBOUND = "in"
OUTBOUND = "out"
TRADE = "trade"
SOURCE = "source"
RETURN = "return"

DIRECTIONS: dict[str, str] = {
    EventType.BUY: TRADE,
    EventType.SELL: TRADE,
    EventType.DEPOSIT: INBOUND,
    EventType.LOAN_DISBURSEMENT: INBOUND,
    EventType.WITHDRAWAL: OUTBOUND,
    EventType.LOAN_REPAYMENT: OUTBOUND,
    EventType.NEW_FUNDING_SOURCE: SOURCE,
    EventType.ACH_RETURN: RETURN,
}
EVENT_TYPES = frozenset(DIRECTIONS)
METHODS = frozenset({Method.ACH, Method.WIRE, Method.CRYPTO, Method.CASH, Method.INTERNAL})


@dataclass(frozen=True, kw_only=True)
class MoneyMovementEvent:
    """One money movement as the caller sees it.

    customer      the User (accounts.models.User) whose account moves
    portfolio_id  the portfolio's id, or None (a new funding source, a loan disbursement to a bank)
    type          one of EVENT_TYPES
    method        ach | wire | crypto | cash | internal, or None (a trade)
    amount        Decimal in USD (the order's notional for a trade; 0 for a new funding source)
    asset         the asset's symbol for a trade, else None
    destination   a stable identifier of the bank account, wallet or other counterparty the money
                  goes to or comes from (e.g. "bank_account:42", "wallet:7"), or None
    occurred_at   an aware datetime: when the customer asked (the caller's clock, not fraud's)
    ip, user_agent  of the customer's request, or None
    reference     the caller's id of what it stored (e.g. "trading.transaction:981"), once known
    """

    customer: Any
    portfolio_id: int | None
    type: str
    method: str | None
    amount: Decimal
    asset: str | None
    destination: str | None
    occurred_at: dt.datetime
    ip: str | None = None
    user_agent: str | None = None
    reference: str | None = None

    def __post_init__(self) -> None:
        if self.type not in EVENT_TYPES:
            raise ValueError(f"unknown money-movement type {self.type!r}; one of {sorted(EVENT_TYPES)}")
        if self.method is not None and self.method not in METHODS:
            raise ValueError(f"unknown method {self.method!r}; one of {sorted(METHODS)} or None")
        if isinstance(self.amount, (bool, float)) or not isinstance(self.amount, Decimal):
            raise TypeError("amount must be a Decimal (USD)")
        if not self.amount.is_finite() or self.amount < 0:
            raise ValueError("amount must be a finite, non-negative Decimal")
        if not isinstance(self.occurred_at, dt.datetime) or self.occurred_at.tzinfo is None:
            raise ValueError("occurred_at must be an aware datetime")
        if self.customer is None or getattr(self.customer, "pk", None) is None:
            raise ValueError("customer must be a saved User")

    @property
    def direction(self) -> str:
        return DIRECTIONS[self.type]

    def with_reference(self, reference: str) -> MoneyMovementEvent:
        """The same event with the caller's id of what it stored (for `record`)."""
        return replace(self, reference=str(reference))


def event_to_payload(event: MoneyMovementEvent) -> dict[str, Any]:
    """JSON-safe form of an event (for the outbox task `fraud.record_movement`)."""
    return {
        "customer_id": str(event.customer.pk),
        "portfolio_id": event.portfolio_id,
        "type": event.type,
        "method": event.method,
        "amount": str(event.amount),
        "asset": event.asset,
        "destination": event.destination,
        "occurred_at": event.occurred_at.isoformat(),
        "ip": event.ip,
        "user_agent": event.user_agent,
        "reference": event.reference,
    }


def event_from_payload(payload: dict[str, Any]) -> MoneyMovementEvent:
    from accounts.models import User

    return MoneyMovementEvent(
        customer=User.objects.get(pk=payload["customer_id"]),
        portfolio_id=payload.get("portfolio_id"),
        type=payload["type"],
        method=payload.get("method"),
        amount=Decimal(payload["amount"]),
        asset=payload.get("asset"),
        destination=payload.get("destination"),
        occurred_at=dt.datetime.fromisoformat(payload["occurred_at"]),
        ip=payload.get("ip"),
        user_agent=payload.get("user_agent"),
        reference=payload.get("reference"),
    )
