from django.urls import path

from .views import CreditScoreCalculateApi, CreditScoreDetailApi, CreditScoreHistoryApi, CreditScoreVerifyApi

app_name = "credit"

urlpatterns = [
    path("credit/calculate-score", CreditScoreCalculateApi.as_view(), name="calculate-score"),
    path("credit/history", CreditScoreHistoryApi.as_view(), name="history"),
    path("credit/scores/<str:score_id>", CreditScoreDetailApi.as_view(), name="score-detail"),
    path("credit/scores/<str:score_id>/verify", CreditScoreVerifyApi.as_view(), name="score-verify"),
]
