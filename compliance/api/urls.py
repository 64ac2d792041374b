from django.urls import path

from .views import (
    CaseSarDraftApi,
    CaseTransitionApi,
    FilingFileApi,
    SarApproveApi,
    SarDetailApi,
    SarSubmitApi,
    ScreeningScreenApi,
    WalletScreeningScreenApi,
)

app_name = "compliance"

urlpatterns: list = [
    path("staff/screening", ScreeningScreenApi.as_view(), name="staff-screening"),
    path("staff/screening/wallet", WalletScreeningScreenApi.as_view(), name="staff-screening-wallet"),
    path("staff/cases/<int:pk>/transition", CaseTransitionApi.as_view(), name="staff-case-transition"),
    path("staff/cases/<int:pk>/sar", CaseSarDraftApi.as_view(), name="staff-case-sar-draft"),
    path("staff/sars/<int:pk>", SarDetailApi.as_view(), name="staff-sar-detail"),
    path("staff/filings/<int:pk>/file", FilingFileApi.as_view(), name="staff-filing-file"),
    path("staff/sars/<int:pk>/submit", SarSubmitApi.as_view(), name="staff-sar-submit"),
    path("staff/sars/<int:pk>/approve", SarApproveApi.as_view(), name="staff-sar-approve"),
]
