"""Data rights API: the customer's export, and erasure."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from blockguardian import datarights

from ..services import erasure_request
from .common import client_info, problems
from .serializers import DetailSerializer, EraseInputSerializer, ExportSerializer

TAGS = ["data rights"]
# One answer whether the erasure ran or was deferred: a deferral's reason is never disclosed.
ERASURE_RECEIVED = "Your request has been received. You have been logged out."


class MeExportApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="Export your data (GDPR/CCPA access)",
        description="Your own data from every part of the product, as JSON.",
        responses={200: ExportSerializer, **problems(401)},
    )
    def get(self, request):
        return Response({"generated_at": timezone.now(), "data": datarights.export_for(request.user)})


class MeEraseApi(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]

    @extend_schema(
        tags=TAGS,
        summary="Ask for your personal data to be erased",
        description="Needs your password. Personal data is erased, except what the law requires us to "
        "keep, which is set aside under restricted access until its retention period ends. Every "
        "session ends.",
        request=EraseInputSerializer,
        responses={202: DetailSerializer, **problems(400, 401)},
    )
    def post(self, request):
        serializer = EraseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        erasure_request(user=request.user, password=serializer.validated_data["password"], client=client_info(request))
        return Response({"detail": ERASURE_RECEIVED}, status=202)
