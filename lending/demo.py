"""Demo data for `make run`: a personal loan product to apply for (idempotent)."""

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
    return [
        f"Loan product '{product.code}' {verb}: POST /api/loans/calculate "
        '{"product": "personal", "amount": "5000.00", "term_months": 24}'
    ]
