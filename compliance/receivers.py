"""Signals compliance listens to. Receivers only queue work (through the outbox, so it is not lost)."""

from __future__ import annotations

from django.db import transaction

from blockguardian.outbox import outbox_enqueue


def on_kyc_submitted(sender, user, kyc_record_id=None, **kwargs) -> None:
    """`accounts.signals.kyc_submitted` (kwargs user, kyc_record_id): screen the customer."""
    with transaction.atomic():
        outbox_enqueue(task="compliance.screen_customer", user_id=str(user.pk), trigger="kyc_submitted")
