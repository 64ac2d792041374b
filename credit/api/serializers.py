from decimal import Decimal

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from blockguardian.chain.api.serializers import AnchorStatusSerializer
from blockguardian.money import MoneyAmountField, StrictDecimalField

from ..mapping import (
    EMPLOYMENT_STATUSES,
    GUARANTORS,
    HOUSING,
    OCCUPATIONS,
    OTHER_LOANS,
    PROPERTY,
    PURPOSES,
    Application,
)
from ..models import CreditScore, ScoreBand, ScoreMethod, ScoreSource
from ..selectors import score_anchoring


class CreditScoreCalculateInputSerializer(serializers.Serializer):
    """What the applicant declares. Balances, the repayment record and age come from the
    platform, not from the request; sex, marital status, nationality and telephone are never asked."""

    loan_amount = MoneyAmountField(
        max_value=Decimal(settings.CREDIT_MAX_LOAN_AMOUNT), help_text="Amount requested, USD."
    )
    loan_term_months = serializers.IntegerField(min_value=1, max_value=settings.CREDIT_MAX_TERM_MONTHS)
    purpose = serializers.ChoiceField(choices=sorted(PURPOSES))
    monthly_income = StrictDecimalField(
        max_digits=18,
        decimal_places=2,
        min_value=Decimal("0.00"),
        required=False,
        allow_null=True,
        help_text="Net monthly income, USD.",
    )
    employment_status = serializers.ChoiceField(choices=EMPLOYMENT_STATUSES, required=False, allow_null=True)
    employment_years = StrictDecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("80"),
        required=False,
        allow_null=True,
        help_text="Years with the current employer (or self-employed).",
    )
    housing = serializers.ChoiceField(choices=sorted(HOUSING), required=False, allow_null=True)
    property = serializers.ChoiceField(choices=sorted(PROPERTY), required=False, allow_null=True)
    other_loans = serializers.ChoiceField(
        choices=sorted(OTHER_LOANS), required=False, allow_null=True, help_text="Other installment loans outstanding."
    )
    guarantor = serializers.ChoiceField(choices=sorted(GUARANTORS), required=False, allow_null=True)
    years_at_address = StrictDecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        required=False,
        allow_null=True,
    )
    occupation = serializers.ChoiceField(choices=sorted(OCCUPATIONS), required=False, allow_null=True)
    dependants = serializers.IntegerField(min_value=0, max_value=30, required=False, allow_null=True)

    def validate(self, attrs: dict) -> dict:
        if attrs.get("employment_years") is not None and attrs.get("employment_status") in ("unemployed", "retired"):
            raise serializers.ValidationError({"employment_years": ["Only for employed or self-employed applicants."]})
        return attrs

    def to_application(self) -> Application:
        return Application(**self.validated_data)


class CreditReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    feature = serializers.CharField()
    text = serializers.CharField()
    points_below_best = serializers.FloatField()


class CreditModelRefSerializer(serializers.Serializer):
    name = serializers.CharField()
    version = serializers.IntegerField()


class CreditScoreOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id")
    band = serializers.ChoiceField(choices=ScoreBand.choices)
    method = serializers.ChoiceField(choices=ScoreMethod.choices)
    source = serializers.ChoiceField(choices=ScoreSource.choices)
    probability_of_default = serializers.DecimalField(max_digits=7, decimal_places=6)
    model = serializers.SerializerMethodField()
    points = serializers.DictField(
        child=serializers.FloatField(),
        help_text="Points each feature scored; they add up to the score before clipping.",
    )
    reasons = CreditReasonSerializer(many=True, help_text="Up to four principal reasons, the most important first.")
    anchoring = serializers.SerializerMethodField()

    class Meta:
        model = CreditScore
        fields = [
            "id",
            "score",
            "band",
            "probability_of_default",
            "method",
            "model",
            "points",
            "reasons",
            "source",
            "scored_at",
            "valid_until",
            "anchoring",
        ]
        read_only_fields = fields

    @extend_schema_field(AnchorStatusSerializer(allow_null=True))
    def get_anchoring(self, score: CreditScore) -> dict | None:
        """The score's anchoring on chain (`pending`, `anchored` with its transaction, or `failed`);
        the views pass the statuses of a whole page in the context (one query)."""
        anchors = self.context.get("anchors")
        if anchors is None:
            anchors = score_anchoring(scores=[score])
        status = anchors.get(str(score.public_id))
        return None if status is None else AnchorStatusSerializer(status).data

    @extend_schema_field(CreditModelRefSerializer(allow_null=True))
    def get_model(self, score: CreditScore) -> dict | None:
        if score.model_version_id is None:
            return None
        return {"name": score.model_version.name, "version": score.model_version.version}
