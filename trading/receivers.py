"""What trading does when another app's signal arrives (connected in `apps.ready`). Each reaction
is an outbox task, so it is retried until it succeeds."""

from __future__ import annotations

from django.db import transaction

from accounts.models import Restriction
from blockguardian.outbox import outbox_enqueue


def on_restriction_changed(sender, *, user, old, new, **kwargs) -> None:
    """A customer became blocked: their pending orders and transfers are cancelled."""
    if new == Restriction.BLOCKED and old != Restriction.BLOCKED:
        with transaction.atomic():
            outbox_enqueue(task="trading.cancel_open_transactions", user_id=str(user.pk))


def on_prices_loaded(sender, *, load_id=None, asset_ids=(), **kwargs) -> None:
    """New prices: resting limit orders they cross and queued orders whose open arrived fill."""
    if asset_ids:
        with transaction.atomic():
            outbox_enqueue(task="trading.cross_limit_orders", asset_ids=sorted(int(a) for a in asset_ids))


def on_fraud_review_resolved(sender, *, reference=None, outcome=None, **kwargs) -> None:
    """A review ended: the held transaction goes on or is cancelled."""
    if reference and str(reference).startswith("trading.transaction:"):
        with transaction.atomic():
            outbox_enqueue(task="trading.review_resolved", reference=str(reference), outcome=str(outcome))
