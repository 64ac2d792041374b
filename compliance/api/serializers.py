"""compliance: staff API serializers."""

from __future__ import annotations

import datetime as dt

from rest_framework import serializers

from ..screening.engine import ENTRY_TYPES


class ScreeningQuerySerializer(serializers.Serializer):
    name = serializers.CharField(max_length=400, trim_whitespace=True)
    date_of_birth = serializers.CharField(
        required=False, allow_blank=True, max_length=10, help_text="YYYY-MM-DD, or a year of birth YYYY."
    )
    country = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="ISO 3166 code or country name."
    )
    type = serializers.ChoiceField(choices=ENTRY_TYPES, required=False, allow_null=True)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100)

    def validate_date_of_birth(self, value: str) -> str:
        if not value:
            return value
        if len(value) == 4 and value.isdigit():
            return value
        try:
            dt.date.fromisoformat(value)
        except ValueError as exc:
            raise serializers.ValidationError("Use YYYY-MM-DD or YYYY.") from exc
        return value


class WalletScreeningQuerySerializer(serializers.Serializer):
    address = serializers.CharField(max_length=200, trim_whitespace=True)


class ListedEntrySerializer(serializers.Serializer):
    ent_num = serializers.IntegerField()
    name = serializers.CharField()
    type = serializers.CharField(source="entry_type")
    programs = serializers.ListField(child=serializers.CharField())
    dates_of_birth = serializers.SerializerMethodField()
    countries = serializers.ListField(child=serializers.CharField())

    def get_dates_of_birth(self, entry) -> list[str]:
        return [d.text for d in entry.dates_of_birth]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["countries"] = sorted(instance.countries)
        return data


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    effect = serializers.FloatField()


class ScreeningMatchSerializer(serializers.Serializer):
    entry = ListedEntrySerializer()
    matched_name = serializers.CharField()
    alias_type = serializers.CharField(source="listed.alias_type")
    score = serializers.FloatField()
    name_score = serializers.FloatField()
    band = serializers.CharField(allow_null=True, help_text="confident, review, or null below the review threshold.")
    reasons = ReasonSerializer(many=True)


class ScreeningResultSerializer(serializers.Serializer):
    run_id = serializers.IntegerField()
    list_version = serializers.IntegerField()
    query = serializers.DictField()
    review_threshold = serializers.FloatField()
    confident_threshold = serializers.FloatField()
    matches = ScreeningMatchSerializer(many=True)


class ListedWalletSerializer(serializers.Serializer):
    ent_num = serializers.IntegerField()
    name = serializers.CharField()
    currency = serializers.CharField()
    address = serializers.CharField()


class WalletScreeningResultSerializer(serializers.Serializer):
    address = serializers.CharField()
    listed = serializers.BooleanField()
    entries = ListedWalletSerializer(many=True)


# --- cases and SARs ------------------------------------------------------------------------------


class CaseTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(
        choices=["investigating", "escalated", "sar_required", "closed_no_action"],
        help_text="The state to move to (closed_sar_filed follows the SAR's filing).",
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class CaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    customer_id = serializers.CharField()
    status = serializers.CharField()
    assigned_to_id = serializers.CharField(allow_null=True)
    detected_on = serializers.DateField()
    due_on = serializers.DateField()
    terrorist_financing = serializers.BooleanField()
    alert_ids = serializers.SerializerMethodField()

    def get_alert_ids(self, case) -> list[int]:
        return sorted(case.alerts.values_list("pk", flat=True))


class SarDraftSerializer(serializers.Serializer):
    classifications = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=2),
        min_length=1,
        help_text="[[type id, subtype id], …] from the FinCEN SAR schema (e.g. [[1, 114]]).",
    )
    suspect_identified = serializers.BooleanField(default=True)


class SarSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case_id = serializers.IntegerField()
    status = serializers.CharField()
    suspicious_amount = serializers.DecimalField(max_digits=20, decimal_places=2)
    activity_start = serializers.DateField()
    activity_end = serializers.DateField()
    classifications = serializers.ListField(child=serializers.ListField(child=serializers.IntegerField()))
    narrative = serializers.CharField()
    evidence = serializers.ListField(child=serializers.CharField())
    detected_on = serializers.DateField()
    due_on = serializers.DateField()
    suspect_identified = serializers.BooleanField()
    terrorist_financing = serializers.BooleanField()
    prepared_by_id = serializers.CharField()
    approved_by_id = serializers.CharField(allow_null=True)
    bsa_id = serializers.CharField(allow_blank=True)
