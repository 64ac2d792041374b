from django.urls import path

from .auth import (
    AuthDisableMfaApi,
    AuthLoginApi,
    AuthLogoutApi,
    AuthMfaResendApi,
    AuthPasswordChangeApi,
    AuthPasswordResetApi,
    AuthPasswordResetConfirmApi,
    AuthRefreshApi,
    AuthRegisterApi,
    AuthSetupMfaApi,
    AuthVerifyEmailApi,
    AuthVerifyMfaApi,
    ProfileApi,
    ProfileReadApi,
)
from .datarights import MeEraseApi, MeExportApi
from .kyc import CipNoticeApi, KycApi, StaffKycDocumentApi

app_name = "accounts"

urlpatterns = [
    path("auth/register", AuthRegisterApi.as_view(), name="auth-register"),
    path("auth/verify-email", AuthVerifyEmailApi.as_view(), name="auth-verify-email"),
    path("auth/login", AuthLoginApi.as_view(), name="auth-login"),
    path("auth/verify-mfa", AuthVerifyMfaApi.as_view(), name="auth-verify-mfa"),
    path("auth/setup-mfa", AuthSetupMfaApi.as_view(), name="auth-setup-mfa"),
    path("auth/mfa/resend", AuthMfaResendApi.as_view(), name="auth-mfa-resend"),
    path("auth/disable-mfa", AuthDisableMfaApi.as_view(), name="auth-disable-mfa"),
    path("auth/password/change", AuthPasswordChangeApi.as_view(), name="auth-password-change"),
    path("auth/password/reset", AuthPasswordResetApi.as_view(), name="auth-password-reset"),
    path("auth/password/reset/confirm", AuthPasswordResetConfirmApi.as_view(), name="auth-password-reset-confirm"),
    path("auth/refresh", AuthRefreshApi.as_view(), name="auth-refresh"),
    path("auth/logout", AuthLogoutApi.as_view(), name="auth-logout"),
    path("auth/profile", ProfileApi.as_view(), name="auth-profile"),
    path("profile", ProfileReadApi.as_view(), name="profile"),
    path("kyc", KycApi.as_view(), name="kyc"),
    path("kyc/cip-notice", CipNoticeApi.as_view(), name="kyc-cip-notice"),
    path("staff/kyc/documents/<uuid:pk>", StaffKycDocumentApi.as_view(), name="staff-kyc-document"),
    path("me/export", MeExportApi.as_view(), name="me-export"),
    path("me/erase", MeEraseApi.as_view(), name="me-erase"),
]
