"""Rate limits on the authentication endpoints (django-ratelimit on the cache: Redis when REDIS_URL is
set, so every web process shares the counts), per client address and per account, on top of DRF's
throttles. The limits are settings (`ACCOUNTS_RATE_LIMITS`); a limited request is 429 problem
details with `Retry-After`."""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage

from .errors import RateLimited


def client_ip(request: HttpRequest) -> str | None:
    return get_client_ip_address(getattr(request, "_request", request))


def rate_limit(request, *, scope: str, account: str | None = None) -> None:
    """Count this request against `scope`'s per-address and per-account limits; 429 when over."""
    limits = settings.ACCOUNTS_RATE_LIMITS[scope]
    django_request = getattr(request, "_request", request)
    checks = [("ip", client_ip(django_request) or "unknown")]
    if account:
        checks.append(("account", account.strip().lower()))
    for kind, value in checks:
        usage = get_usage(
            django_request,
            group=f"accounts.{scope}.{kind}",
            key=lambda _group, _request, value=value: value,
            rate=limits[kind],
            increment=True,
        )
        if usage is not None and usage["should_limit"]:
            raise RateLimited(retry_after=usage["time_left"], detail="Too many requests; try again later.")
