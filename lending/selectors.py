"""Reads of the lending app, scoped to the customer they are about."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from .errors import LoanNotFound, NoticeNotFound, ProductNotFound
from .models import UNDISBURSED, AdverseActionNotice, Installment, Loan, LoanProduct, LoanStatus


def product_list() -> QuerySet[LoanProduct]:
    return LoanProduct.objects.filter(is_active=True).order_by("code")


def product_get(*, code_or_id: Any) -> LoanProduct:
    qs = LoanProduct.objects.filter(is_active=True)
    product = qs.filter(code=str(code_or_id)).first()
    if product is None and str(code_or_id).isdigit():
        product = qs.filter(pk=int(code_or_id)).first()
    if product is None:
        raise ProductNotFound()
    return product


def loan_list(*, user) -> QuerySet[Loan]:
    """The customer's own loans, newest first."""
    return Loan.objects.filter(user=user).select_related("product").order_by("-created_at", "-id")


def loan_get_for_user(*, user, pk: Any) -> Loan:
    """The customer's own loan; 404 for anyone else's (staff included) or a missing one."""
    try:
        key = int(pk)
        if not 0 < key < 2**63:
            raise ValueError("out of range")
        return loan_list(user=user).get(pk=key)
    except (Loan.DoesNotExist, TypeError, ValueError) as exc:
        raise LoanNotFound() from exc


def schedule_list(*, loan: Loan) -> QuerySet[Installment]:
    return Installment.objects.filter(loan=loan).order_by("number")


def adverse_action_notice_get(*, loan: Loan) -> AdverseActionNotice:
    notice = AdverseActionNotice.objects.filter(loan=loan).first()
    if notice is None:
        raise NoticeNotFound()
    return notice


def review_queue() -> QuerySet[Loan]:
    """Applications waiting for a loan officer, oldest first."""
    return (
        Loan.objects.filter(status__in=[LoanStatus.SUBMITTED, LoanStatus.UNDER_REVIEW])
        .select_related("product", "user", "reviewed_by")
        .order_by("created_at", "id")
    )


def loan_decision_anchor_payload(*, loan: Loan, decision: str | None = None) -> dict:
    """A loan decision as anchored on the chain: no personal data (no customer, no income).
    `decision` is the state the decision put the loan in (default: its state now)."""
    return {
        "kind": "loan_decision",
        "loan_id": loan.pk,
        "product": loan.product.code,
        "decision": decision or loan.status,
        "amount": loan.offer_amount,
        "term_months": loan.offer_term_months,
        "annual_rate": loan.annual_rate,
        "apr": loan.apr,
        "score": loan.score,
        "reason_codes": [r["code"] for r in loan.decision_reasons],
        "decided_at": loan.decided_at,
    }


def blocked_property_list(*, user, as_of: dt.date) -> list[dict]:
    """The customer's undisbursed loans held because the customer is blocked (for compliance's
    blocked-property report): the committed amount that will not be paid out."""
    loans = Loan.objects.filter(user=user, status__in=UNDISBURSED, blocked_at__isnull=False).filter(
        blocked_at__date__lte=as_of
    )
    return [
        {
            "app": "lending",
            "kind": "undisbursed_loan",
            "description": f"Undisbursed loan {loan.pk} ({loan.status})",
            "amount": str(loan.amount),
            "currency": loan.currency,
        }
        for loan in loans.order_by("pk")
    ]


def loan_export_row(loan: Loan) -> dict:
    return {
        "id": loan.pk,
        "product": loan.product.code,
        "status": loan.status,
        "requested_amount": str(loan.requested_amount),
        "requested_term_months": loan.requested_term_months,
        "purpose": loan.purpose,
        "monthly_income": str(loan.monthly_income),
        "monthly_debts": str(loan.monthly_debts),
        "offer_amount": None if loan.offer_amount is None else str(loan.offer_amount),
        "apr": None if loan.apr is None else str(loan.apr),
        "principal_balance": str(loan.principal_balance),
        "created_at": loan.created_at.isoformat(),
        "decision_reasons": loan.decision_reasons,
        "repayments": [
            {"amount": str(r.amount), "received_at": r.received_at.isoformat(), "allocation": r.allocation}
            for r in loan.repayments.order_by("pk")
        ],
    }


def outstanding(loan: Loan) -> Decimal:
    return loan.principal_balance


LOAN_DECISION_ANCHOR_KIND = "loan_decision"


def _decision_record_id(loan: Loan) -> str | None:
    """The anchored record of the loan's decision (`"<loan id>:<decision>"`), or None before one."""
    from blockguardian.chain.models import AnchoredRecord

    return (
        AnchoredRecord.objects.filter(kind=LOAN_DECISION_ANCHOR_KIND, record_id__startswith=f"{loan.pk}:")
        .order_by("-id")
        .values_list("record_id", flat=True)
        .first()
    )


def loan_decision_anchoring(*, loan: Loan):
    """Where the loan's decision stands in anchoring (`blockguardian.chain.selectors.AnchorStatus`),
    or None when no decision has been made yet."""
    from blockguardian.chain.selectors import anchor_status

    record_id = _decision_record_id(loan)
    return None if record_id is None else anchor_status(kind=LOAN_DECISION_ANCHOR_KIND, record_id=record_id)


def loan_decision_anchoring_map(*, loans) -> dict[int, Any]:
    """`loan_decision_anchoring` for many loans in two queries, keyed by loan id (a loan without a
    decision is absent)."""
    from django.db.models import Q

    from blockguardian.chain.models import AnchoredRecord
    from blockguardian.chain.selectors import anchor_status_map

    pks = [loan.pk for loan in loans]
    if not pks:
        return {}
    prefixes = Q()
    for pk in pks:
        prefixes |= Q(record_id__startswith=f"{pk}:")
    latest: dict[int, str] = {}
    rows = AnchoredRecord.objects.filter(prefixes, kind=LOAN_DECISION_ANCHOR_KIND).order_by("id")
    for record_id in rows.values_list("record_id", flat=True):
        latest[int(record_id.split(":", 1)[0])] = record_id  # the newest decision wins
    statuses = anchor_status_map(kind=LOAN_DECISION_ANCHOR_KIND, record_ids=latest.values())
    return {pk: statuses[rid] for pk, rid in latest.items() if rid in statuses}


def loan_decision_verify(*, loan: Loan) -> str:
    """`verified`, `mismatch`, `pending` or `unavailable`: the loan's decision as the database holds
    it now, compared with what was anchored; `pending` before any decision. A mismatch sends
    `blockguardian.chain.signals.anchor_mismatch`."""
    from blockguardian.chain.services import PENDING, anchor_verify

    record_id = _decision_record_id(loan)
    if record_id is None:
        return PENDING
    decision = record_id.split(":", 1)[1]
    payload = loan_decision_anchor_payload(loan=loan, decision=decision)
    return anchor_verify(kind=LOAN_DECISION_ANCHOR_KIND, record_id=record_id, payload=payload)


def loan_disbursement_events() -> QuerySet:
    """For monitoring: loans paid out into a portfolio, as values `event_id` (the loan id),
    `user_id`, `occurred_at` (the disbursement) and `amount` (the proceeds: the amount less the
    origination fee). Read-only; no customer sees it."""
    from django.db.models import DecimalField, ExpressionWrapper, F, Value
    from django.db.models.functions import Coalesce

    from .models import DisburseTo

    proceeds = ExpressionWrapper(
        F("offer_amount") - Coalesce(F("origination_fee"), Value(Decimal("0"))),
        output_field=DecimalField(max_digits=18, decimal_places=2),
    )
    return (
        Loan.objects.filter(disbursed_at__isnull=False, disburse_to=DisburseTo.PORTFOLIO, offer_amount__isnull=False)
        .order_by()
        .annotate(event_id=F("id"), occurred_at=F("disbursed_at"), amount=proceeds)
        .values("event_id", "user_id", "occurred_at", "amount")
    )


def review_queue_counts(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The loan officers' dashboard: applications waiting, by state and age, and undisbursed loans
    held because the customer is blocked (one query)."""
    from django.db.models import Count, Q
    from django.utils import timezone

    now = now or timezone.now()
    waiting = [LoanStatus.SUBMITTED, LoanStatus.UNDER_REVIEW]
    return Loan.objects.aggregate(
        submitted=Count("id", filter=Q(status=LoanStatus.SUBMITTED)),
        under_review=Count("id", filter=Q(status=LoanStatus.UNDER_REVIEW)),
        waiting_over_2_days=Count("id", filter=Q(status__in=waiting, created_at__lt=now - dt.timedelta(days=2))),
        held=Count("id", filter=Q(status__in=UNDISBURSED, blocked_at__isnull=False)),
    )
