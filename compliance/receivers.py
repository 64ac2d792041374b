"""Signals compliance listens to. Receivers only queue work (through the outbox, so it is not lost)."""

from __future__ import annotations

from django.db import transaction

from blockguardian.outbox import outbox_enqueue


def on_kyc_submitted(sender, user, kyc_record_id=None, **kwargs) -> None:
    """`accounts.signals.kyc_submitted` (kwargs user, kyc_record_id): screen the customer."""
    with transaction.atomic():
        outbox_enqueue(task="compliance.screen_customer", user_id=str(user.pk), trigger="kyc_submitted")


def on_anchor_mismatch(sender, kind, record_id, reason, batch_id="", **kwargs) -> None:
    """`blockguardian.chain.signals.anchor_mismatch`: stored for the chain-mismatch rule."""
    from .services.monitoring import chain_mismatch_record

    chain_mismatch_record(kind=kind, record_id=record_id, reason=reason, batch_id=batch_id)


def on_fraud_confirmed(sender, alert_id=None, **kwargs) -> None:
    """`fraud.signals.fraud_confirmed`: run the confirmed-fraud rule (it reads fraud's selector)."""
    with transaction.atomic():
        outbox_enqueue(task="compliance.run_monitoring", rules=["confirmed_fraud"])
