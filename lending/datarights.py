"""Data rights of the lending app: the customer's export, the erasure veto and the eraser."""

from __future__ import annotations

from django.db import transaction

from blockguardian.legalhold import legal_hold_store
from blockguardian.retention import RetentionClass

from .models import SERVICED, UNDISBURSED, Loan
from .selectors import loan_export_row


def export_lending(user) -> dict:
    """The customer's own loans, applications as declared, and repayments."""
    return {"loans": [loan_export_row(loan) for loan in Loan.objects.filter(user=user).order_by("pk")]}


def veto_erasure(user) -> str | None:
    """A held (blocked) loan or a loan still being repaid defers erasure (internal reason)."""
    loans = Loan.objects.filter(user=user)
    if loans.filter(status__in=UNDISBURSED, blocked_at__isnull=False).exists():
        return "blocked property is held"
    if loans.filter(status__in=SERVICED).exists():
        return "a loan is outstanding"
    return None


@transaction.atomic
def erase_lending(user) -> None:
    """The declared application of each loan moves to the legal-hold store (credit applications
    are kept 25 months after the decision) and is masked on the loan; the figures of the loan
    itself (amounts, schedule, repayments) stay, with nothing that names the customer."""
    for loan in Loan.objects.select_for_update().filter(user=user).order_by("pk"):
        if not loan.application and not loan.purpose:
            continue
        legal_hold_store(
            subject_id=str(user.pk),
            source_app="lending",
            record_class=RetentionClass.CREDIT_APPLICATION,
            description=f"loan application {loan.pk}",
            payload=loan_export_row(loan),
            retention_starts_on=(loan.decided_at or loan.created_at).date(),
        )
        loan.application = {}
        loan.purpose = ""
        loan.save(update_fields=["application", "purpose", "updated_at"])
