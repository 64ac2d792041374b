"""compliance: staff API views (thin: parse, call a service or selector, render)."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors, services
from ..models import Case, Sar
from .permissions import IsCaseOfficer, IsSanctionsScreener, IsSarOfficer
from .serializers import (
    CaseSerializer,
    CaseTransitionSerializer,
    SarDraftSerializer,
    SarSerializer,
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


# --- cases and SARs (never reachable by customers) -------------------------------------------------


def _case(pk: int) -> Case:
    from ..errors import ComplianceObjectNotFound

    case = selectors.case_list().filter(pk=pk).first()
    if case is None:
        raise ComplianceObjectNotFound(f"case {pk} not found")
    return case


def _sar(request, pk: int) -> Sar:
    from ..errors import ComplianceObjectNotFound

    sar = selectors.sar_list(user=request.user).filter(pk=pk).first()
    if sar is None:
        raise ComplianceObjectNotFound(f"SAR {pk} not found")
    return sar


class CaseTransitionApi(APIView):
    """Move a case along its state machine (409 for a move it cannot make)."""

    permission_classes = [IsCaseOfficer]

    @extend_schema(
        operation_id="staff_case_transition",
        tags=["staff: compliance"],
        request=CaseTransitionSerializer,
        responses={200: CaseSerializer},
    )
    def post(self, request, pk: int):
        data = CaseTransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_transition(
            case=_case(pk),
            to=data.validated_data["to"],
            reason=data.validated_data.get("reason", ""),
            acting_user=request.user,
        )
        return Response(CaseSerializer(case).data)


class CaseSarDraftApi(APIView):
    """Draft the SAR of a case marked sar_required (subject from KYC, narrative from the evidence)."""

    permission_classes = [IsSarOfficer]

    @extend_schema(
        operation_id="staff_case_sar_draft",
        tags=["staff: compliance"],
        request=SarDraftSerializer,
        responses={201: SarSerializer},
    )
    def post(self, request, pk: int):
        data = SarDraftSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sar = services.sar_draft_create(
            case=_case(pk),
            acting_user=request.user,
            classifications=[tuple(c) for c in data.validated_data["classifications"]],
            suspect_identified=data.validated_data["suspect_identified"],
        )
        return Response(SarSerializer(sar).data, status=201)


class SarDetailApi(APIView):
    """A SAR (each view is written to the audit log)."""

    permission_classes = [IsSarOfficer]

    @extend_schema(operation_id="staff_sar_detail", tags=["staff: compliance"], responses={200: SarSerializer})
    def get(self, request, pk: int):
        sar = _sar(request, pk)
        services.sar_record_access(sar=sar, user=request.user, action="view", detail="staff API")
        return Response(SarSerializer(sar).data)


class SarSubmitApi(APIView):
    """Send a draft SAR for review."""

    permission_classes = [IsSarOfficer]

    @extend_schema(
        operation_id="staff_sar_submit", tags=["staff: compliance"], request=None, responses={200: SarSerializer}
    )
    def post(self, request, pk: int):
        sar = services.sar_submit_for_review(sar=_sar(request, pk), acting_user=request.user)
        return Response(SarSerializer(sar).data)


class SarApproveApi(APIView):
    """Approve a SAR in review: a BSA officer other than its preparer (the preparer gets 403)."""

    permission_classes = [IsSarOfficer]

    @extend_schema(
        operation_id="staff_sar_approve", tags=["staff: compliance"], request=None, responses={200: SarSerializer}
    )
    def post(self, request, pk: int):
        sar = services.sar_approve(sar=_sar(request, pk), acting_user=request.user)
        return Response(SarSerializer(sar).data)


class FilingFileApi(APIView):
    """Download a FinCEN batch as written (SAR batches: SAR permission; every download audited)."""

    permission_classes = [IsCaseOfficer]

    @extend_schema(
        operation_id="staff_filing_file",
        tags=["staff: compliance"],
        responses={(200, "application/xml"): OpenApiTypes.BINARY},
    )
    def get(self, request, pk: int):
        from django.http import HttpResponse

        from ..errors import ComplianceObjectNotFound
        from ..models import Filing
        from ..services.filings import filing_file_read

        filing = Filing.objects.filter(pk=pk).first()
        if filing is None:
            raise ComplianceObjectNotFound(f"filing {pk} not found")
        document = filing_file_read(filing=filing, user=request.user)
        response = HttpResponse(document, content_type="application/xml")
        response["Content-Disposition"] = f'attachment; filename="{filing.kind}_filing_{filing.pk}.xml"'
        return response
