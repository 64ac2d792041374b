"""What the trading services share: fraud calls, prices with spread and fees, row locks."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

import structlog
from django.conf import settings
from django.utils import timezone

from accounts.selectors import kyc_is_verified
from blockguardian.money import ZERO, quantize_cash
from blockguardian.outbox import outbox_enqueue
from fraud.errors import DecisionNotFound, DecisionReferenceConflict
from fraud.events import MoneyMovementEvent, event_to_payload
from fraud.services import assess, customer_message, decision_attach_reference

from ..errors import KycRequired, RequestRefused
from ..models import Transaction

logger = structlog.get_logger(__name__)

BPS = Decimal("10000")
PRICE_PLACES = Decimal("0.00000001")


def spread_price(*, asset: Any, quote: Decimal, side: str) -> Decimal:
    """The price a buy (above the quote) or a sell (below it) fills at, to 8 places."""
    bps = Decimal(settings.TRADING_SPREAD_BPS.get(asset.asset_class, 0))
    factor = (BPS + bps) / BPS if side == "buy" else (BPS - bps) / BPS
    rounding = ROUND_HALF_UP
    return (quote * factor).quantize(PRICE_PLACES, rounding=rounding)


def trade_fee(*, asset: Any, gross: Decimal) -> Decimal:
    """The fee schedule: a flat part plus basis points of the trade value, per asset class."""
    flat = Decimal(settings.TRADING_FEE_FLAT.get(asset.asset_class, "0"))
    bps = Decimal(settings.TRADING_FEE_BPS.get(asset.asset_class, 0))
    return quantize_cash(flat + gross * bps / BPS)


def quantity_for_notional(*, asset: Any, notional: Decimal, price: Decimal) -> Decimal:
    """The most of `asset` that `notional` dollars buy at `price`, in the asset's places."""
    step = Decimal(1).scaleb(-asset.quantity_places)
    return (notional / price).quantize(step, rounding=ROUND_DOWN)


def kyc_assert(*, user: Any, amount: Decimal) -> None:
    if amount > settings.TRADING_UNVERIFIED_MAX_AMOUNT and not kyc_is_verified(user=user):
        raise KycRequired("Verify your identity before moving money or trading above the small limit.")


def fraud_assess(event: MoneyMovementEvent):
    """`fraud.services.assess` (outside any transaction); a `block` is a refusal that says nothing
    about why."""
    decision = assess(event)
    if decision.blocked:
        raise RequestRefused(customer_message(decision))
    return decision


def fraud_follow_up(*, event: MoneyMovementEvent, reference: str, decision_id: int | None) -> None:
    """Inside the caller's transaction: link the decision to what is being stored (it commits with
    it) and record the movement through the outbox (sent only if it commits)."""
    if decision_id is not None:
        try:
            decision_attach_reference(decision_id=decision_id, reference=reference)
        except (DecisionNotFound, DecisionReferenceConflict):  # neither stops the movement it was made for
            logger.exception("fraud_decision_attach_failed", decision_id=decision_id, reference=reference)
    outbox_enqueue(task="fraud.record_movement", payload=event_to_payload(event.with_reference(reference)))


def lock_transaction(pk: int) -> Transaction:
    return Transaction.objects.select_for_update(of=("self",)).select_related("asset").get(pk=pk)


def now() -> dt.datetime:
    return timezone.now()


def cash(value: Decimal | None) -> Decimal:
    return quantize_cash(value) if value is not None else ZERO
