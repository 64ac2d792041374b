"""Celery tasks of the trading app: thin, idempotent wrappers around the services."""

from __future__ import annotations

from celery import shared_task
from django.contrib.auth import get_user_model

from accounts.models import Restriction

from . import services

_OPTIONS = {"acks_late": True, "ignore_result": True}


@shared_task(name="trading.settle_due", soft_time_limit=540, time_limit=600, **_OPTIONS)
def settle_due() -> int:
    """Beat: settle what is due today (runs until nothing due is left in a batch)."""
    total = 0
    while True:
        count = services.settlement_run()
        total += count
        if count == 0:
            return total


@shared_task(name="trading.fill_queued_orders", **_OPTIONS)
def fill_queued_orders() -> int:
    """Beat (every minute): fill market orders queued for a session that has opened, then expire
    day orders whose session has closed."""
    filled = services.queued_orders_fill()
    services.orders_expire_due()
    return filled


@shared_task(name="trading.cross_limit_orders", **_OPTIONS)
def cross_limit_orders(*, asset_ids: list[int]) -> int:
    """After a price load: fill queued market orders whose opening bar arrived and limit orders
    the new prices cross."""
    return services.queued_orders_fill(asset_ids=asset_ids) + services.limit_orders_cross(asset_ids=asset_ids)


@shared_task(name="trading.cancel_open_transactions", **_OPTIONS)
def cancel_open_transactions(*, user_id: str) -> int:
    user = get_user_model().objects.get(pk=user_id)
    if user.restriction != Restriction.BLOCKED:
        return 0
    return services.customer_open_transactions_cancel(user=user)


@shared_task(name="trading.review_resolved", **_OPTIONS)
def review_resolved(*, reference: str, outcome: str) -> None:
    services.review_resolve(reference=reference, outcome=outcome)
