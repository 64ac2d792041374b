"""A crypto wallet registered by a customer: screened, and refused for good when listed."""

from __future__ import annotations

from django.db import transaction

from ..hooks import wallet_mark_unusable
from ..models import ScreeningHit, ScreeningRun
from .ofac_reports import ofac_rejected_transaction_report_create
from .screening import ScreeningOutcome, screen_wallet_address

UNUSABLE_REASON = "The address is on the OFAC SDN list."


@transaction.atomic
def wallet_registration_screen(*, wallet_id, address: str, currency: str = "", user=None) -> ScreeningOutcome:
    """Screen a wallet address trading has registered. A listed address: the wallet is marked
    unusable through `trading.services` and a rejected-transaction report is produced (due in
    10 business days); the hit waits in a review for an officer."""
    reference = f"trading.wallet:{wallet_id}"
    outcome = screen_wallet_address(
        address=address,
        reference=reference,
        currency=currency,
        customer=user,
        trigger=ScreeningRun.Trigger.REGISTRATION,
    )
    if outcome.listed:
        hit = next(
            h
            for h in (*outcome.hits, *outcome.standing)
            if h.band == ScreeningHit.Band.CONFIDENT and h.status != ScreeningHit.Status.SUPPRESSED
        )
        wallet_mark_unusable(wallet_id=wallet_id, reason=UNUSABLE_REASON)
        ofac_rejected_transaction_report_create(
            transaction_reference=f"wallet-registration:{reference}",
            description=f"Registration of a {currency or 'digital currency'} address listed on the SDN list refused",
            entry=hit.entry,
            customer=user,
            subject=outcome.run.subject,
        )
    return outcome
