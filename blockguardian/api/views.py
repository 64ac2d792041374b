from django.conf import settings
from django.utils.crypto import constant_time_compare
from django_prometheus.exports import ExportToDjangoView
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

import blockguardian

from ..errors import problem_response
from ..health import features, health_report


class HealthComponentSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "degraded", "down", "not_configured"])
    latency_ms = serializers.FloatField()


class HealthSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "degraded", "down"])
    components = serializers.DictField(child=HealthComponentSerializer())


class HealthApi(APIView):
    """Overall `ok | degraded | down` and each component's own state; 503 only when the database is down."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(
        responses={200: HealthSerializer, 503: HealthSerializer},
    )
    def get(self, request):
        report, database_up = health_report()
        return Response(report, status=200 if database_up else 503)


class ProbeHealthApi(HealthApi):
    """`/health` for load balancers and orchestrators; documented once, as `/api/health`."""

    schema = None


class InfoApi(APIView):
    """What this deployment is and which optional features are available right now."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses=inline_serializer(
            "Info",
            fields={
                "name": serializers.CharField(),
                "version": serializers.CharField(),
                "environment": serializers.CharField(),
                "features": serializers.DictField(child=serializers.BooleanField()),
            },
        ),
    )
    def get(self, request):
        return Response(
            {
                "name": "BlockGuardian",
                "version": blockguardian.__version__,
                "environment": settings.ENVIRONMENT,
                "features": features(),
            }
        )


def metrics_view(request):
    """Prometheus metrics; with METRICS_REQUIRE_AUTH only for the bearer token or allowed addresses."""
    if settings.METRICS_REQUIRE_AUTH:
        token = settings.METRICS_TOKEN
        sent = request.headers.get("Authorization", "")
        token_ok = bool(token) and constant_time_compare(sent, f"Bearer {token}")
        address_ok = request.META.get("REMOTE_ADDR") in settings.METRICS_ALLOWED_IPS
        if not (token_ok or address_ok):
            response = problem_response(401, code="not_authenticated", detail="Metrics need the scraper's token.")
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
    return ExportToDjangoView(request)
