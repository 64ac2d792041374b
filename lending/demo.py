"""Demo data for `make run`: a personal loan product to apply for, and an application of the demo
customer's, decided and anchored on chain with the rest of the demo data (idempotent)."""

from __future__ import annotations

from decimal import Decimal

from .models import LoanProduct, default_allocation_order, default_rate_grid

DEMO_PRODUCT = {
    "name": "Personal loan",
    "min_amount": Decimal("1000.00"),
    "max_amount": Decimal("40000.00"),
    "min_term_months": 6,
    "max_term_months": 60,
    "origination_fee_rate": Decimal("0.0200"),
    "late_fee": Decimal("25.00"),
    "grace_days": 15,
    "max_dti": Decimal("0.4300"),
    "second_approval_limit": Decimal("25000.00"),
}


def load_demo_lending() -> list[str]:
    product, created = LoanProduct.objects.get_or_create(
        code="personal",
        defaults={**DEMO_PRODUCT, "rate_grid": default_rate_grid(), "allocation_order": default_allocation_order()},
    )
    verb = "created" if created else "already there"
    lines = [
        f"Loan product '{product.code}' {verb}: POST /api/loans/calculate "
        '{"product": "personal", "amount": "5000.00", "term_months": 24}'
    ]
    loan = _demo_application(product)
    if loan is not None:
        lines.append(f"  The demo customer's loan {loan.pk}: {loan.status}; GET /api/loans/{loan.pk}/verify")
    return lines


def _demo_application(product: LoanProduct):
    """The demo customer's application (once), into their first portfolio."""
    from django.contrib.auth import get_user_model

    from accounts.demo import DEMO_CUSTOMER_EMAIL
    from portfolios.models import Portfolio

    from .models import Loan
    from .services import ApplicationInput, loan_apply

    customer = get_user_model().objects.filter(email=DEMO_CUSTOMER_EMAIL).first()
    if customer is None:
        return None
    existing = Loan.objects.filter(user=customer).order_by("id").first()
    if existing is not None:
        return existing
    portfolio = Portfolio.objects.filter(owner=customer).order_by("id").first()
    if portfolio is None:
        return None
    data = ApplicationInput(
        product=product,
        amount=Decimal("8000.00"),
        term_months=36,
        purpose="repairs",
        monthly_income=Decimal("7500.00"),
        monthly_debts=Decimal("900.00"),
        portfolio_id=portfolio.pk,
    )
    return loan_apply(user=customer, data=data)
