"""What accounts' API views share: the caller's client, problem responses in the schema, permissions."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from ..ratelimits import client_ip
from ..services import ClientInfo
from .serializers import ProblemSerializer

PROBLEM_MEDIA_TYPES = ("application/problem+json", "application/json")


def client_info(request) -> ClientInfo:
    return ClientInfo(ip_address=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:300])


def problems(*statuses: int) -> dict:
    """extend_schema `responses` entries: these statuses answer with problem details."""
    return {(status, media_type): ProblemSerializer for status in statuses for media_type in PROBLEM_MEDIA_TYPES}


def body_field(request, name: str) -> str | None:
    """A string field of the request body before validation (for per-account rate limits)."""
    data = request.data
    value = data.get(name) if hasattr(data, "get") else None
    return value if isinstance(value, str) and value else None


class IsStaffWithSecondFactor(BasePermission):
    """Staff whose token was issued after a second factor (staff endpoints)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        token = request.auth
        return bool(
            user and user.is_authenticated and user.is_staff and token is not None and "otp" in (token.get("amr") or [])
        )
