from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from .api.views import HealthApi, InfoApi, ProbeHealthApi, metrics_view

if settings.ADMIN_REQUIRE_OTP:
    admin.site.__class__ = OTPAdminSite
admin.site.site_header = "BlockGuardian back office"
admin.site.site_title = "BlockGuardian"
admin.site.index_title = "Console"

handler400 = "blockguardian.errors.handler400"
handler403 = "blockguardian.errors.handler403"
handler404 = "blockguardian.errors.handler404"
handler500 = "blockguardian.errors.handler500"

urlpatterns = [
    path("health", ProbeHealthApi.as_view(), name="health"),
    path("api/health", HealthApi.as_view(), name="api-health"),
    path("api/info", InfoApi.as_view(), name="api-info"),
    path("metrics", metrics_view, name="metrics"),
    path("api/schema", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("api/", include("accounts.api.urls")),
    path("api/", include("portfolios.api.urls")),
    path("api/", include("trading.api.urls")),
    path("api/", include("credit.api.urls")),
    path("api/", include("lending.api.urls")),
    path("api/", include("fraud.api.urls")),
    path("api/", include("compliance.api.urls")),
    path("admin/", admin.site.urls),
]
