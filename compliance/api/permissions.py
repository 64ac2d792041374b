"""Who may use compliance's staff endpoints."""

from __future__ import annotations

from django.conf import settings
from rest_framework.permissions import BasePermission


class IsSanctionsScreener(BasePermission):
    """Staff holding `compliance.screen_sanctions` (the compliance and BSA officers), logged in with
    a second factor (the `amr` claim of their access token holds `otp`) like the admin."""

    message = "Screening is for compliance staff logged in with a second factor."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_staff and user.has_perm("compliance.screen_sanctions")):
            return False
        if not settings.ADMIN_REQUIRE_OTP:
            return True
        token = request.auth
        amr = token.get("amr") if token is not None and hasattr(token, "get") else None
        return bool(amr and "otp" in amr)


def _second_factor(request) -> bool:
    if not settings.ADMIN_REQUIRE_OTP:
        return True
    token = request.auth
    amr = token.get("amr") if token is not None and hasattr(token, "get") else None
    return bool(amr and "otp" in amr)


class IsSarOfficer(BasePermission):
    """Staff holding `compliance.handle_sar` (compliance and BSA officers), with a second factor.
    Approving needs `compliance.approve_sar` too, which the service checks."""

    message = "SAR records are for compliance staff holding the SAR permission, logged in with a second factor."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_staff and user.has_perm("compliance.handle_sar")):
            return False
        return _second_factor(request)


class IsCaseOfficer(BasePermission):
    """Staff holding `compliance.work_alerts`, with a second factor."""

    message = "Cases are for compliance staff logged in with a second factor."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_staff and user.has_perm("compliance.work_alerts")):
            return False
        return _second_factor(request)
