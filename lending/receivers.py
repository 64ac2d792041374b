"""What lending does when another app's signal arrives (connected in `apps.ready`)."""

from __future__ import annotations

from django.db import transaction

from accounts.models import Restriction
from blockguardian.outbox import outbox_enqueue


def on_restriction_changed(sender, *, user, old, new, **kwargs) -> None:
    """A customer became blocked: their undisbursed loans are held (never paid out); the block was
    lifted: the hold ends. Through the outbox (the signal arrives after the restriction's commit),
    so the move is retried until it succeeds; the task is idempotent."""
    if new == Restriction.BLOCKED and old != Restriction.BLOCKED:
        with transaction.atomic():
            outbox_enqueue(task="lending.hold_undisbursed_loans", user_id=str(user.pk))
    elif old == Restriction.BLOCKED and new != Restriction.BLOCKED:
        with transaction.atomic():
            outbox_enqueue(task="lending.release_undisbursed_loans", user_id=str(user.pk))


def on_ach_returned(sender, *, type, reference, return_code, **kwargs) -> None:
    """The bank returned the ACH debit of one of our repayments: unwind it (outbox task, retried
    until done; idempotent)."""
    if type == "loan_repayment" and str(reference or "").startswith("lending.repayment:"):
        with transaction.atomic():
            outbox_enqueue(task="lending.repayment_returned", reference=reference, return_code=return_code)
