"""Celery tasks of the portfolios app: thin, idempotent wrappers around the services."""

from __future__ import annotations

from celery import shared_task
from django.contrib.auth import get_user_model

from accounts.models import Restriction

from . import services


@shared_task(name="portfolios.hold_blocked_cash", acks_late=True, ignore_result=True)
def hold_blocked_cash(*, user_id: str) -> int:
    """Move a blocked customer's cash to blocked funds (nothing if no longer blocked or nothing
    is left to move)."""
    user = get_user_model().objects.get(pk=user_id)
    if user.restriction != Restriction.BLOCKED:
        return 0
    return len(services.customer_cash_block(user=user, reason="customer blocked"))


@shared_task(name="portfolios.release_blocked_cash", acks_late=True, ignore_result=True)
def release_blocked_cash(*, user_id: str) -> int:
    """Return a customer's blocked funds to their cash once the block is lifted."""
    user = get_user_model().objects.get(pk=user_id)
    if user.restriction == Restriction.BLOCKED:
        return 0
    return len(services.customer_cash_unblock(user=user, reason="block lifted"))


@shared_task(name="portfolios.sweep_blocked_cash", acks_late=True, ignore_result=True)
def sweep_blocked_cash() -> int:
    """Safety net for the beat schedule: hold any cash still outside blocked funds for every
    blocked customer (e.g. proceeds that settled into cash in a race with the block)."""
    from .models import AccountKind, LedgerAccount

    owners = (
        LedgerAccount.objects.filter(
            portfolio__owner__restriction=Restriction.BLOCKED,
            kind__in=[AccountKind.CASH, AccountKind.RESERVED],
            balance__gt=0,
        )
        .values_list("portfolio__owner_id", flat=True)
        .distinct()
    )
    moved = 0
    for owner_id in sorted(set(owners), key=str):
        moved += hold_blocked_cash(user_id=str(owner_id))
    return moved
