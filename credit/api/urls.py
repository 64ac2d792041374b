from django.urls import path

from .views import CreditScoreCalculateApi, CreditScoreHistoryApi

app_name = "credit"

urlpatterns = [
    path("credit/calculate-score", CreditScoreCalculateApi.as_view(), name="calculate-score"),
    path("credit/history", CreditScoreHistoryApi.as_view(), name="history"),
]
