from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from blockguardian.chain.api.serializers import AnchorVerificationSerializer

from ..models import CreditScore
from ..selectors import score_anchoring, score_get, score_history_list, score_verify
from ..services import credit_score_calculate
from .serializers import CreditScoreCalculateInputSerializer, CreditScoreOutputSerializer

SCORE_ID = OpenApiParameter("score_id", str, OpenApiParameter.PATH, description="The score's id (a UUID).")


class CreditScoreCalculateApi(APIView):
    """Score an application: the score (300-850), its band, the probability of default, the model
    version or `method: "rules"` when no model is available, the points of each feature, and up to
    four principal reasons. The score is kept in the customer's history and anchored on chain."""

    @extend_schema(
        operation_id="credit_score_calculate",
        request=CreditScoreCalculateInputSerializer,
        responses={201: CreditScoreOutputSerializer},
    )
    def post(self, request):
        serializer = CreditScoreCalculateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        score = credit_score_calculate(user=request.user, application=serializer.to_application())
        return Response(CreditScoreOutputSerializer(score).data, status=status.HTTP_201_CREATED)


class CreditScoreHistoryApi(ListAPIView):
    """The caller's own scores, newest first, paginated, each with its anchoring on chain."""

    serializer_class = CreditScoreOutputSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return CreditScore.objects.none()
        return score_history_list(user=self.request.user)

    def get_serializer(self, *args, **kwargs):
        if args and isinstance(args[0], list):  # a page: its anchoring statuses in one query
            kwargs.setdefault("context", self.get_serializer_context())["anchors"] = score_anchoring(scores=args[0])
        return super().get_serializer(*args, **kwargs)

    @extend_schema(operation_id="credit_score_history")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CreditScoreDetailApi(APIView):
    """One of the caller's own scores, with its anchoring on chain."""

    @extend_schema(
        operation_id="credit_score_detail", parameters=[SCORE_ID], responses={200: CreditScoreOutputSerializer}
    )
    def get(self, request, score_id):
        score = score_get(user=request.user, public_id=score_id)
        return Response(CreditScoreOutputSerializer(score).data)


class CreditScoreVerifyApi(APIView):
    """Check the score against the chain: its record is rebuilt from the database and its Merkle
    proof folded into the root the anchor registry holds. `verified` (they match), `mismatch` (the
    stored score differs from what was anchored: operations are alerted), `pending` (not anchored
    yet) or `unavailable` (the chain cannot be reached now)."""

    @extend_schema(
        operation_id="credit_score_verify", parameters=[SCORE_ID], responses={200: AnchorVerificationSerializer}
    )
    def get(self, request, score_id):
        score = score_get(user=request.user, public_id=score_id)
        verification = score_verify(score=score)
        anchors = score_anchoring(scores=[score])
        body = {"verification": verification, "anchoring": anchors.get(str(score.public_id))}
        return Response(AnchorVerificationSerializer(body).data)
