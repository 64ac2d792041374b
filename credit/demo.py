"""Demo data for `make run`: the default scorecard, trained and activated when none is active, and
a score for the demo customer (anchored on chain with the rest of the demo data)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from .models import CreditScore
from .services import credit_model_ensure_active, credit_score_calculate

# What the demo customer declares when applying (the fields of POST /api/credit/calculate-score).
DEMO_APPLICATION = {
    "loan_amount": "6000.00",
    "loan_term_months": 24,
    "purpose": "used_car",
    "monthly_income": "5200.00",
    "employment_status": "employed",
    "employment_years": "6",
    "housing": "rent",
    "property": "car_or_other",
    "other_loans": "none",
    "guarantor": "none",
    "years_at_address": "4",
    "occupation": "skilled",
    "dependants": 1,
}


def load_default_model() -> list[str]:
    version, trained = credit_model_ensure_active()
    auc = (version.metrics or {}).get("auc")
    state = "trained and activated now" if trained else "already active"
    lines = [
        "",
        f"Credit scorecard: {version.name} v{version.version} ({state}; cross-validated AUC {auc}).",
        "  Score an application: POST /api/credit/calculate-score",
    ]
    from accounts.demo import DEMO_CUSTOMER_EMAIL

    customer = get_user_model().objects.filter(email=DEMO_CUSTOMER_EMAIL).first()
    if customer is None:
        return lines
    score = CreditScore.objects.filter(user=customer).order_by("-scored_at").first()
    if score is None:
        from .api.serializers import CreditScoreCalculateInputSerializer

        serializer = CreditScoreCalculateInputSerializer(data=DEMO_APPLICATION)
        serializer.is_valid(raise_exception=True)
        score = credit_score_calculate(user=customer, application=serializer.to_application())
    lines.append(f"  The demo customer's score: {score.score}; GET /api/credit/scores/{score.public_id}/verify")
    return lines
