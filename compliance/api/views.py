"""compliance: staff API views (thin: parse, call a service or selector, render)."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors, services
from .permissions import IsSanctionsScreener
from .serializers import (
    ScreeningQuerySerializer,
    ScreeningResultSerializer,
    WalletScreeningQuerySerializer,
    WalletScreeningResultSerializer,
)


class ScreeningScreenApi(APIView):
    """Screen any name against the current sanctions list: ranked matches with scores and reasons.

    The request is recorded as an ad-hoc screening run; it opens no review and changes no customer."""

    permission_classes = [IsSanctionsScreener]

    @extend_schema(
        operation_id="staff_screening_screen",
        tags=["staff: compliance"],
        request=ScreeningQuerySerializer,
        responses={200: ScreeningResultSerializer},
    )
    def post(self, request):
        data = ScreeningQuerySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        outcome = services.screening_search(
            name=values["name"],
            date_of_birth=values.get("date_of_birth") or None,
            countries=[values["country"]] if values.get("country") else [],
            entry_type=values.get("type"),
            acting_user=request.user,
            limit=values.get("limit"),
        )
        body = {
            "run_id": outcome.run.pk,
            "list_version": outcome.run.list_version_id,
            "query": outcome.run.query,
            "review_threshold": settings.SCREENING_REVIEW_THRESHOLD,
            "confident_threshold": settings.SCREENING_CONFIDENT_THRESHOLD,
            "matches": outcome.matches,
        }
        return Response(ScreeningResultSerializer(body).data)


class WalletScreeningScreenApi(APIView):
    """Look a digital currency address up among the SDN list's addresses (exact match)."""

    permission_classes = [IsSanctionsScreener]

    @extend_schema(
        operation_id="staff_screening_wallet",
        tags=["staff: compliance"],
        request=WalletScreeningQuerySerializer,
        responses={200: WalletScreeningResultSerializer},
    )
    def post(self, request):
        data = WalletScreeningQuerySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        listed = selectors.digital_currency_address_lookup(address=data.validated_data["address"])
        body = {
            "address": data.validated_data["address"],
            "listed": bool(listed),
            "entries": [
                {"ent_num": dca.entry.ent_num, "name": dca.entry.name, "currency": dca.currency, "address": dca.address}
                for dca in listed
            ],
        }
        return Response(WalletScreeningResultSerializer(body).data)
