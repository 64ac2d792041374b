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
