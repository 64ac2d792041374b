"""GET /api/portfolios/assets/{id}/forecast: volatility forecasts, VaR, next-day direction, the
model versions and each model's backtest skill, with a plain statement that it is not advice."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors as portfolio_selectors
from ..api.serializers import AssetRefSerializer
from . import services

RATIO = {"max_digits": 20, "decimal_places": 8, "allow_null": True}
FRACTION_HELP = "A decimal fraction as a string with 8 places (0.05 is 5%)."


class ForecastVolatilitySkillSerializer(serializers.Serializer):
    observations = serializers.IntegerField(help_text="Walk-forward days scored.")
    qlike = serializers.FloatField(
        allow_null=True, help_text="QLIKE loss of the 1-day variance forecasts (lower is better)."
    )
    baseline_qlike = serializers.FloatField(allow_null=True, help_text="QLIKE of the rolling-variance baseline.")
    beats_baseline = serializers.BooleanField(allow_null=True)
    var_exceedance_rate = serializers.FloatField(allow_null=True, help_text="Share of days the 1-day VaR was exceeded.")
    kupiec_p_value = serializers.FloatField(allow_null=True, help_text="Kupiec POF test p-value.")


class ForecastVolatilitySerializer(serializers.Serializer):
    daily_1d = serializers.DecimalField(**RATIO, help_text="Next day's volatility (log-return std). " + FRACTION_HELP)
    horizon_10d = serializers.DecimalField(
        **RATIO, help_text="Volatility of the next 10 days' return. " + FRACTION_HELP
    )
    annualised = serializers.DecimalField(**RATIO, help_text="daily_1d annualised. " + FRACTION_HELP)
    source = serializers.ChoiceField(choices=["registry", "fitted_now", "formula"])
    model_version = serializers.IntegerField(allow_null=True)
    params = serializers.DictField(child=serializers.FloatField())
    skill = ForecastVolatilitySkillSerializer(
        allow_null=True, help_text="Null: not backtested by a model trained up to as_of."
    )
    used_for_var = serializers.BooleanField()


class ForecastVolatilitySetSerializer(serializers.Serializer):
    ewma = ForecastVolatilitySerializer(help_text="RiskMetrics EWMA, λ = 0.94.")
    garch = ForecastVolatilitySerializer(help_text="GARCH(1,1), maximum likelihood.")
    rolling_variance = ForecastVolatilitySerializer(help_text="The naive baseline: variance of the last 21 returns.")


class ForecastVarSerializer(serializers.Serializer):
    confidence = serializers.FloatField()
    model = serializers.ChoiceField(choices=["ewma", "garch", "rolling_variance"])
    horizon_1d = serializers.DecimalField(**RATIO, help_text="Parametric 1-day VaR, a loss fraction. " + FRACTION_HELP)
    horizon_10d = serializers.DecimalField(**RATIO, help_text="Parametric 10-day VaR. " + FRACTION_HELP)
    historical_1d = serializers.DecimalField(**RATIO, help_text="Historical 1-day VaR over the last 250 days.")
    reason = serializers.CharField(help_text="Why this model is used.")


class ForecastDirectionSkillSerializer(serializers.Serializer):
    observations = serializers.IntegerField()
    accuracy = serializers.FloatField(allow_null=True)
    log_loss = serializers.FloatField(allow_null=True)
    always_up = serializers.DictField(child=serializers.FloatField(allow_null=True))
    fifty_fifty = serializers.DictField(child=serializers.FloatField(allow_null=True))
    beats_baseline = serializers.BooleanField()
    first_date = serializers.DateField()
    last_date = serializers.DateField()


class ForecastDirectionSerializer(serializers.Serializer):
    asset_class = serializers.CharField()
    probability_up = serializers.DecimalField(**RATIO, help_text="Probability that the next daily return is positive.")
    model_version = serializers.IntegerField(allow_null=True)
    skill = ForecastDirectionSkillSerializer(allow_null=True)
    beats_baseline = serializers.BooleanField()
    note = serializers.CharField()


class ForecastModelVersionsSerializer(serializers.Serializer):
    volatility = serializers.IntegerField(allow_null=True)
    direction = serializers.IntegerField(allow_null=True)


class AssetForecastSerializer(serializers.Serializer):
    asset = AssetRefSerializer()
    as_of = serializers.DateTimeField(help_text="The last bar the forecast uses.")
    observations = serializers.IntegerField(help_text="Daily returns used.")
    last_close = serializers.DecimalField(max_digits=28, decimal_places=8)
    volatility = ForecastVolatilitySetSerializer()
    var = ForecastVarSerializer()
    direction = ForecastDirectionSerializer()
    model_versions = ForecastModelVersionsSerializer()
    disclaimer = serializers.CharField()


class AssetForecastApi(APIView):
    @extend_schema(
        operation_id="portfolios_assets_forecast",
        tags=["portfolios"],
        summary="Volatility, VaR and direction forecasts of an asset, with each model's backtest skill",
        description=(
            "EWMA (λ = 0.94) and GARCH(1,1) volatility at 1 and 10 days beside the rolling-variance baseline; a "
            "parametric VaR from the model that beat the baseline in its walk-forward backtest (and passed Kupiec), "
            "else from the baseline; the classifier's probability of an up day with its skill against always-up and "
            "50/50. 404 for an unknown asset; 422 when the asset has too little price history. Not advice."
        ),
        responses=AssetForecastSerializer,
    )
    def get(self, request, pk: int):
        asset = portfolio_selectors.asset_get(pk=pk)
        forecast = services.asset_forecast_current(asset=asset)
        body = {**forecast.payload, "asset": asset, "disclaimer": services.DISCLAIMER}
        return Response(AssetForecastSerializer(body).data)
