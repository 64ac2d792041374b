from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import CreditScore
from ..selectors import score_history_list
from ..services import credit_score_calculate
from .serializers import CreditScoreCalculateInputSerializer, CreditScoreOutputSerializer


class CreditScoreCalculateApi(APIView):
    """Score an application: the score (300-850), its band, the probability of default, the model
    version or `method: "rules"` when no model is available, the points of each feature, and up to
    four principal reasons. The score is kept in the customer's history."""

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
    """The caller's own scores, newest first, paginated."""

    serializer_class = CreditScoreOutputSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return CreditScore.objects.none()
        return score_history_list(user=self.request.user)

    @extend_schema(operation_id="credit_score_history")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
