"""Component health for `/health`, and the feature list for `/api/info`.

Each component reports `ok`, `degraded`, `down` or `not_configured`. The database being down makes
the whole service `down` (503); any other component down makes it `degraded` (200), because the API
keeps serving what does not need it. Apps and the chain client register their own checks.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import structlog
from django.conf import settings
from django.db import connection

logger = structlog.get_logger(__name__)

OK, DEGRADED, DOWN, NOT_CONFIGURED = "ok", "degraded", "down", "not_configured"
CRITICAL_COMPONENTS = {"database"}

Check = Callable[[], dict]
_checks: dict[str, Check] = {}
_features: dict[str, Callable[[], bool]] = {}


def register_component(name: str, check: Check) -> None:
    _checks[name] = check


def register_feature(name: str, available: Callable[[], bool]) -> None:
    _features[name] = available


def _timed(check: Check) -> dict:
    started = time.perf_counter()
    try:
        result = check()
    except Exception as exc:  # noqa: BLE001 - a failing check is a component that is down
        logger.warning("health_check_failed", error=str(exc))
        result = {"status": DOWN, "error": type(exc).__name__}
    result.setdefault("latency_ms", round((time.perf_counter() - started) * 1000, 1))
    return result


def check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": OK, "vendor": connection.vendor}


def _redis_ping(url: str) -> None:
    import redis

    client = redis.Redis.from_url(
        url, socket_connect_timeout=settings.REDIS_SOCKET_TIMEOUT, socket_timeout=settings.REDIS_SOCKET_TIMEOUT
    )
    try:
        client.ping()
    finally:
        client.close()


def check_cache() -> dict:
    if not settings.REDIS_URL:
        return {"status": OK, "backend": "local-memory"}
    _redis_ping(settings.REDIS_URL)
    return {"status": OK, "backend": "redis"}


def check_broker() -> dict:
    url = settings.CELERY_BROKER_URL
    if url.startswith("memory://"):
        return {"status": OK, "backend": "eager" if settings.CELERY_TASK_ALWAYS_EAGER else "memory"}
    if url.startswith(("redis://", "rediss://")):
        _redis_ping(url)
        return {"status": OK, "backend": "redis"}
    from kombu import Connection

    with Connection(url, connect_timeout=settings.REDIS_SOCKET_TIMEOUT) as conn:
        conn.ensure_connection(max_retries=1)
    return {"status": OK, "backend": url.split(":", 1)[0]}


def check_chain() -> dict:
    return {"status": NOT_CONFIGURED}


register_component("database", check_database)
register_component("cache", check_cache)
register_component("broker", check_broker)
register_component("chain", check_chain)


def health_report() -> tuple[dict, bool]:
    """(report, database_up)."""
    components = {name: _timed(check) for name, check in _checks.items()}
    database_up = components.get("database", {}).get("status") == OK
    if not database_up:
        overall = DOWN
    elif any(c["status"] in (DOWN, DEGRADED) for n, c in components.items() if n not in CRITICAL_COMPONENTS):
        overall = DEGRADED
    else:
        overall = OK
    return {"status": overall, "components": components}, database_up


def features() -> dict[str, bool]:
    out = {}
    for name, available in _features.items():
        try:
            out[name] = bool(available())
        except Exception:  # noqa: BLE001
            out[name] = False
    return out
