from django.urls import path

from .views import ScreeningScreenApi, WalletScreeningScreenApi

app_name = "compliance"

urlpatterns: list = [
    path("staff/screening", ScreeningScreenApi.as_view(), name="staff-screening"),
    path("staff/screening/wallet", WalletScreeningScreenApi.as_view(), name="staff-screening-wallet"),
]
