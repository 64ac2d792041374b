"""Input and output shapes of the lending API (money as strings)."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from blockguardian.chain.api.serializers import AnchorStatusSerializer
from blockguardian.money import MoneyAmountField, StrictDecimalField

from ..models import Installment, Loan, LoanProduct, Repayment

MAX_ID = 2**63 - 1  # the largest primary key (bigint)

PURPOSES = [
    "new_car",
    "used_car",
    "furniture",
    "electronics",
    "appliances",
    "repairs",
    "education",
    "retraining",
    "business",
    "other",
]


def _percent(value: Decimal | None, places: str = "0.01") -> str | None:
    return None if value is None else str(value.quantize(Decimal(places)))


class ProductSerializer(serializers.ModelSerializer):
    rate_grid = serializers.SerializerMethodField()

    class Meta:
        model = LoanProduct
        fields = [
            "code",
            "name",
            "currency",
            "min_amount",
            "max_amount",
            "min_term_months",
            "max_term_months",
            "amortization",
            "day_count",
            "rate_grid",
            "origination_fee_rate",
            "origination_fee_flat",
            "late_fee",
            "grace_days",
            "portfolio_disbursement_allowed",
        ]

    def get_rate_grid(self, obj) -> list[dict]:
        return [
            {"min_score": int(b["min_score"]), "annual_rate_percent": _percent(Decimal(str(b["annual_rate"])) * 100)}
            for b in sorted(obj.rate_grid, key=lambda b: -int(b["min_score"]))
        ]


class CalculateInputSerializer(serializers.Serializer):
    product = serializers.CharField(max_length=40, help_text="The product's code.")
    amount = MoneyAmountField()
    term_months = serializers.IntegerField(min_value=1, max_value=600)


class ScheduleRowSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    due_date = serializers.DateField()
    payment = serializers.DecimalField(max_digits=20, decimal_places=2)
    principal = serializers.DecimalField(max_digits=20, decimal_places=2)
    interest = serializers.DecimalField(max_digits=20, decimal_places=2)
    balance = serializers.DecimalField(max_digits=20, decimal_places=2)


class CalculateSerializer(serializers.Serializer):
    product = serializers.CharField()
    amount = serializers.DecimalField(max_digits=20, decimal_places=2)
    term_months = serializers.IntegerField()
    annual_rate_percent = serializers.CharField(help_text="The note rate, in percent.")
    rate_basis = serializers.CharField(
        help_text="score_band: the rate of your latest valid score's band; highest_rate: no valid score yet.",
    )
    installment = serializers.DecimalField(max_digits=20, decimal_places=2)
    total_interest = serializers.DecimalField(max_digits=20, decimal_places=2)
    origination_fee = serializers.DecimalField(max_digits=20, decimal_places=2)
    finance_charge = serializers.DecimalField(max_digits=20, decimal_places=2)
    amount_financed = serializers.DecimalField(max_digits=20, decimal_places=2)
    total_of_payments = serializers.DecimalField(max_digits=20, decimal_places=2)
    apr = serializers.CharField(help_text="Annual percentage rate (Regulation Z Appendix J), in percent.")
    schedule = ScheduleRowSerializer(many=True)


class ApplyInputSerializer(serializers.Serializer):
    product = serializers.CharField(max_length=40)
    amount = MoneyAmountField()
    term_months = serializers.IntegerField(min_value=1, max_value=600)
    purpose = serializers.ChoiceField(choices=PURPOSES)
    monthly_income = MoneyAmountField(min_value=Decimal("0"))
    monthly_debts = MoneyAmountField(min_value=Decimal("0"))
    mla_covered_borrower = serializers.BooleanField(
        help_text="Covered borrower under the Military Lending Act (active duty or a dependant)."
    )
    portfolio_id = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
    bank_account_id = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
    employment_status = serializers.ChoiceField(
        choices=["employed", "self_employed", "unemployed", "retired"], required=False
    )
    employment_years = StrictDecimalField(max_digits=4, decimal_places=1, min_value=0, required=False)
    housing = serializers.ChoiceField(choices=["own", "rent", "rent_free"], required=False)
    property = serializers.ChoiceField(
        choices=["real_estate", "savings_plan_or_life_insurance", "car_or_other", "none"], required=False
    )
    other_loans = serializers.ChoiceField(choices=["none", "bank", "store"], required=False)
    guarantor = serializers.ChoiceField(choices=["none", "co_applicant", "guarantor"], required=False)
    years_at_address = StrictDecimalField(max_digits=4, decimal_places=1, min_value=0, required=False)
    occupation = serializers.ChoiceField(
        choices=["unskilled", "skilled", "management_or_self_employed"], required=False
    )
    dependants = serializers.IntegerField(min_value=0, max_value=30, required=False)

    def validate(self, attrs):
        if (attrs.get("portfolio_id") is None) == (attrs.get("bank_account_id") is None):
            raise serializers.ValidationError({"portfolio_id": ["give exactly one of portfolio_id or bank_account_id"]})
        return attrs


class OfferSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=20, decimal_places=2)
    term_months = serializers.IntegerField()
    annual_rate_percent = serializers.CharField()
    origination_fee = serializers.DecimalField(max_digits=20, decimal_places=2)
    apr = serializers.CharField()
    military_apr = serializers.CharField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)


class LoanReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()


class LoanSerializer(serializers.ModelSerializer):
    product = serializers.CharField(source="product.code")
    status = serializers.CharField(
        help_text="submitted, under_review, approved, counteroffered, declined, accepted, active, delinquent, "
        "repaid, charged_off or cancelled."
    )
    disburse_to = serializers.CharField(help_text="portfolio or bank_account.")
    offer = serializers.SerializerMethodField()
    decision_reasons = serializers.SerializerMethodField()
    disbursement = serializers.SerializerMethodField()
    anchoring = serializers.SerializerMethodField(
        help_text="The decision's anchoring on chain; null before a decision."
    )

    class Meta:
        model = Loan
        fields = [
            "id",
            "product",
            "status",
            "currency",
            "requested_amount",
            "requested_term_months",
            "purpose",
            "mla_covered",
            "disburse_to",
            "portfolio_id",
            "bank_account_id",
            "offer",
            "decision_reasons",
            "disbursement",
            "principal_balance",
            "days_past_due",
            "delinquency_bucket",
            "created_at",
            "decided_at",
            "accepted_at",
            "disbursed_at",
            "repaid_at",
            "charged_off_at",
            "cancelled_at",
            "anchoring",
        ]

    @extend_schema_field(AnchorStatusSerializer(allow_null=True))
    def get_anchoring(self, obj: Loan) -> dict | None:
        from ..selectors import loan_decision_anchoring

        known = self.context.get("anchoring")  # a list view looks them up for the whole page
        status = known.get(obj.pk) if known is not None else loan_decision_anchoring(loan=obj)
        return None if status is None else AnchorStatusSerializer(status).data

    def get_offer(self, obj: Loan) -> OfferSerializer(allow_null=True):  # type: ignore[valid-type]
        if obj.offer_amount is None:
            return None
        return {
            "amount": str(obj.offer_amount),
            "term_months": obj.offer_term_months,
            "annual_rate_percent": _percent(obj.annual_rate * 100),
            "origination_fee": str(obj.origination_fee),
            "apr": _percent(obj.apr),
            "military_apr": _percent(obj.mapr) if obj.mla_covered else None,
            "expires_at": obj.offer_expires_at.isoformat() if obj.offer_expires_at else None,
        }

    def get_decision_reasons(self, obj: Loan) -> LoanReasonSerializer(many=True):  # type: ignore[valid-type]
        return [{"code": r["code"], "text": r["text"]} for r in obj.decision_reasons]

    def get_disbursement(self, obj: Loan) -> str | None:
        """Only what the customer may know: a held payout is "under review", nothing more."""
        if obj.disbursed_at:
            return "disbursed"
        if obj.status != "accepted":
            return None
        if obj.blocked_at or "disbursement_fraud_hold" in obj.flags:
            return "under_review"
        return "pending"


class InstallmentSerializer(serializers.ModelSerializer):
    amount_due = serializers.DecimalField(max_digits=20, decimal_places=2, read_only=True)
    paid = serializers.SerializerMethodField()

    class Meta:
        model = Installment
        fields = ["number", "due_date", "payment", "principal", "interest", "balance", "amount_due", "paid", "paid_on"]

    def get_paid(self, obj: Installment) -> str:
        return str(obj.principal_paid + obj.interest_paid)


class ScheduleSerializer(serializers.Serializer):
    loan_id = serializers.IntegerField()
    status = serializers.CharField()
    amount_due = serializers.DecimalField(max_digits=20, decimal_places=2)
    payoff_amount = serializers.DecimalField(max_digits=20, decimal_places=2)
    late_fees_due = serializers.DecimalField(max_digits=20, decimal_places=2)
    installments = InstallmentSerializer(many=True)


class DisclosureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    digest = serializers.CharField()
    content = serializers.JSONField()


class AcceptInputSerializer(serializers.Serializer):
    disclosure_id = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The id of the disclosure you were shown (GET …/disclosure)."
    )


class RepayInputSerializer(serializers.Serializer):
    amount = MoneyAmountField()
    portfolio_id = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
    bank_account_id = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)

    def validate(self, attrs):
        if (attrs.get("portfolio_id") is None) == (attrs.get("bank_account_id") is None):
            raise serializers.ValidationError({"portfolio_id": ["give exactly one of portfolio_id or bank_account_id"]})
        return attrs


class RepaymentSerializer(serializers.ModelSerializer):
    loan = LoanSerializer()
    source = serializers.CharField(help_text="portfolio or bank_account.")

    class Meta:
        model = Repayment
        fields = ["id", "amount", "source", "received_at", "allocation", "is_recovery", "loan"]


class NoticeSerializer(serializers.Serializer):
    action = serializers.CharField()
    action_taken_at = serializers.DateTimeField()
    generated_at = serializers.DateTimeField()
    content = serializers.JSONField()
