"""Test-only endpoints, mounted beside the real URLs for the infrastructure tests."""

import time

from django.db import transaction
from django.http import HttpResponse
from django.urls import path
from django.views import View
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from blockguardian.errors import StateConflict
from blockguardian.idempotency import idempotent
from blockguardian.models import OutboxTask
from blockguardian.urls import urlpatterns as real_urlpatterns

EFFECT_TASK = "tests.effect"


class EchoSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)


class EchoApi(APIView):
    permission_classes = [AllowAny]

    def post(self, request):
        serializer = EchoSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response({"amount": serializer.validated_data["amount"]})


class ConflictApi(APIView):
    permission_classes = [AllowAny]

    def post(self, request):
        raise StateConflict("the loan is already disbursed", code="loan_invalid_move")


class BoomApi(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        raise RuntimeError("boom")


class PlainBoomView(View):
    def get(self, request):
        raise RuntimeError("boom outside DRF")


class PlainGetOnlyView(View):
    def get(self, request):
        return HttpResponse("ok")


class MoveMoneyApi(APIView):
    """Stands in for a money-moving command: one row written per execution, slowly."""

    @idempotent
    def post(self, request):
        serializer = EchoSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        time.sleep(float(request.query_params.get("delay", "0")))
        with transaction.atomic():
            row = OutboxTask.objects.create(
                task_name=EFFECT_TASK,
                kwargs={"amount": str(serializer.validated_data["amount"])},
                available_at="2100-01-01T00:00:00Z",
                sent_at="2100-01-01T00:00:00Z",
            )
        return Response({"id": row.pk, "amount": serializer.validated_data["amount"]}, status=201)


class FailingMoveApi(APIView):
    @idempotent
    def post(self, request):
        if OutboxTask.objects.filter(task_name="tests.fail-once").exists():
            return Response({"ok": True}, status=201)
        OutboxTask.objects.create(
            task_name="tests.fail-once", available_at="2100-01-01T00:00:00Z", sent_at="2100-01-01T00:00:00Z"
        )
        return Response({"detail": "upstream failed"}, status=502)


urlpatterns = [
    path("api/test/echo", EchoApi.as_view()),
    path("api/test/conflict", ConflictApi.as_view()),
    path("api/test/boom", BoomApi.as_view()),
    path("api/test/plain-boom", PlainBoomView.as_view()),
    path("api/test/plain-get-only", PlainGetOnlyView.as_view()),
    path("api/test/move", MoveMoneyApi.as_view()),
    path("api/test/failing-move", FailingMoveApi.as_view()),
    *real_urlpatterns,
]
