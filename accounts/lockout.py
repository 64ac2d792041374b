"""Login lockout (django-axes): how long a lock has left, and the response a locked client gets.

After AXES_FAILURE_LIMIT failures for one account (or from one address) every attempt is refused,
the right password included, until AXES_COOLOFF_TIME has passed since the failure that set the lock:
429 with `Retry-After`, as problem details on the API and as a plain page in the admin.
"""

from __future__ import annotations

import math

from axes.helpers import get_client_ip_address, get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.db.models import Max, Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.html import escape

from blockguardian.errors import problem_response

LOCKED_DETAIL = "Too many failed login attempts. Try again later, or reset your password."


def lockout_retry_after(*, request: HttpRequest | None, username: str | None, ip_address: str | None) -> int:
    """Seconds until the lock on this account or address lifts (at least 1)."""
    cool_off = get_cool_off(request)
    if cool_off is None:
        return 1
    match = Q(pk__in=[])
    if username:
        match |= Q(username=username)
    if ip_address:
        match |= Q(ip_address=ip_address)
    latest = AccessAttempt.objects.filter(match).aggregate(latest=Max("attempt_time"))["latest"]
    if latest is None:
        return 1
    remaining = (latest + cool_off - timezone.now()).total_seconds()
    return max(math.ceil(remaining), 1)


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE."""
    retry_after = lockout_retry_after(
        request=request,
        username=get_client_username(request, credentials),
        ip_address=getattr(request, "axes_ip_address", None) or get_client_ip_address(request),
    )
    if request.path.startswith("/admin"):
        minutes = max(retry_after // 60, 1)
        response = HttpResponse(
            "<!doctype html><title>Login locked</title>"
            f"<h1>Login locked</h1><p>{escape(LOCKED_DETAIL)} The lock lifts in about {minutes} minutes.</p>",
            status=429,
            content_type="text/html; charset=utf-8",
        )
    else:
        response = problem_response(
            429, code="account_locked", title="Too many failed login attempts", detail=LOCKED_DETAIL
        )
    response["Retry-After"] = str(retry_after)
    return response
