"""KYC / CIP API: the notice, the customer's identity submission, and documents for permitted staff."""

from __future__ import annotations

from auditlog.signals import accessed
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from blockguardian.errors import Forbidden

from ..errors import KycDocumentNotFound
from ..models import KycDocument
from ..selectors import cip_notice_view, kyc_customer_view
from ..services import KycSubmission, cip_notice_accept, kyc_document_read, kyc_submit
from .common import IsStaffWithSecondFactor, client_info, problems
from .serializers import (
    CipNoticeAcceptInputSerializer,
    CipNoticeSerializer,
    KycSerializer,
    KycSubmitInputSerializer,
    KycSubmitMultipartSerializer,
)

TAGS = ["kyc"]


class KycApi(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(tags=TAGS, summary="Your identity record (KYC) and its state", responses={200: KycSerializer})
    def get(self, request):
        return Response(KycSerializer(kyc_customer_view(user=request.user)).data)

    @extend_schema(
        tags=TAGS,
        summary="Submit or resubmit your identity (CIP)",
        description="Accept the current CIP notice first (/api/kyc/cip-notice). US persons give an SSN or "
        "ITIN; others a passport or alien ID number with its issuing country. A residential street "
        "address is required (no PO box). An identity document may be attached (multipart: PDF, JPEG or "
        "PNG). Identification numbers are only ever shown as their last four characters. Submitting "
        "while a review is under way, or after a decision, is 409.",
        request={
            "application/json": KycSubmitInputSerializer,
            "multipart/form-data": KycSubmitMultipartSerializer,
        },
        responses={201: KycSerializer, **problems(400, 401, 409)},
    )
    def post(self, request):
        serializer = KycSubmitMultipartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        document = data.pop("document", None)
        document_kind = data.pop("document_kind", KycDocument.Kind.ID_DOCUMENT)
        kyc_submit(
            user=request.user,
            data=KycSubmission(**data),
            document=document,
            document_kind=document_kind,
        )
        return Response(KycSerializer(kyc_customer_view(user=request.user)).data, status=201)


class CipNoticeApi(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]

    @extend_schema(
        tags=TAGS,
        summary="The customer identification program notice, and whether you accepted it",
        responses={200: CipNoticeSerializer},
    )
    def get(self, request):
        return Response(CipNoticeSerializer(cip_notice_view(user=request.user)).data)

    @extend_schema(
        tags=TAGS,
        summary="Accept the CIP notice (before submitting your identity)",
        request=CipNoticeAcceptInputSerializer,
        responses={201: CipNoticeSerializer, 200: CipNoticeSerializer, **problems(400, 401, 409)},
    )
    def post(self, request):
        serializer = CipNoticeAcceptInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _, created = cip_notice_accept(
            user=request.user, version=serializer.validated_data["version"], client=client_info(request)
        )
        return Response(CipNoticeSerializer(cip_notice_view(user=request.user)).data, status=201 if created else 200)


class DocumentRenderer(BaseRenderer):
    """Lets a client ask for the document's own type (Accept: application/pdf); errors stay JSON."""

    media_type = "*/*"
    format = "document"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return JSONRenderer().render(data, accepted_media_type, renderer_context)


class StaffKycDocumentApi(APIView):
    """An identity document, decrypted, for staff holding `accounts.view_kyc_documents` who logged in
    with a second factor. Every access is in the audit log."""

    permission_classes = [IsStaffWithSecondFactor]
    renderer_classes = [JSONRenderer, DocumentRenderer]

    @extend_schema(
        tags=["staff"],
        summary="Download a customer's identity document (staff)",
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, "image/jpeg"): OpenApiTypes.BINARY,
            (200, "image/png"): OpenApiTypes.BINARY,
            **problems(401, 403, 404),
        },
    )
    def get(self, request, pk):
        if not request.user.has_perm("accounts.view_kyc_documents"):
            raise Forbidden("Viewing identity documents needs the KYC document permission.")
        document = KycDocument.objects.filter(pk=pk, deleted_at__isnull=True).first()
        if document is None:
            raise KycDocumentNotFound()
        content = kyc_document_read(document=document)
        accessed.send(sender=KycDocument, instance=document)
        return document_response(document, content)


def document_response(document: KycDocument, content: bytes) -> HttpResponse:
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(document.content_type, "bin")
    response = HttpResponse(content, content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="kyc-document-{document.pk}.{extension}"'
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response
