"""What portfolios does when another app's signal arrives (connected in `apps.ready`)."""

from __future__ import annotations

from django.db import transaction

from accounts.models import Restriction
from blockguardian.outbox import outbox_enqueue


def on_restriction_changed(sender, *, user, old, new, **kwargs) -> None:
    """A customer became blocked: their cash goes to blocked funds; a block was lifted: it comes
    back. The move runs as an outbox task (the signal arrives after the restriction's commit), so
    it is retried until it succeeds; the task is idempotent."""
    if new == Restriction.BLOCKED and old != Restriction.BLOCKED:
        with transaction.atomic():
            outbox_enqueue(task="portfolios.hold_blocked_cash", user_id=str(user.pk))
    elif old == Restriction.BLOCKED and new != Restriction.BLOCKED:
        with transaction.atomic():
            outbox_enqueue(task="portfolios.release_blocked_cash", user_id=str(user.pk))
