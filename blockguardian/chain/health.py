"""The `chain` component of /health and the `blockchain` feature of /api/info."""

from __future__ import annotations

import time

from django.db import DatabaseError

from blockguardian.health import DEGRADED, DOWN, NOT_CONFIGURED, OK

from .client import chain_connect, chain_mode
from .conf import provider_uri, setting
from .errors import ChainError, ChainNotConfigured, ChainUnavailable
from .selectors import anchor_backlog

_feature_cache: dict[str, tuple[float, bool]] = {}
FEATURE_CACHE_SECONDS = 5.0


def chain_reachable() -> bool:
    """Whether the chain answers now, within `CHAIN_HEALTH_TIMEOUT_SECONDS` (no database access)."""
    try:
        chain_connect().probe(timeout=float(setting("CHAIN_HEALTH_TIMEOUT_SECONDS")))
    except (ChainUnavailable, ChainNotConfigured, ChainError):
        return False
    return True


def check_chain() -> dict:
    """`down` when the node cannot be reached; `degraded` when records failed or wait too long."""
    mode = chain_mode()
    try:
        chain = chain_connect()
        block = chain.probe(timeout=float(setting("CHAIN_HEALTH_TIMEOUT_SECONDS")))
    except ChainNotConfigured:
        return {"status": NOT_CONFIGURED, "mode": mode}
    except ChainUnavailable:
        return {"status": DOWN, "mode": mode, "error": "unreachable"}
    except ChainError:
        return {"status": DOWN, "mode": mode, "error": "bad_response"}
    try:
        backlog = anchor_backlog()
    except DatabaseError:
        # The database has its own component; the chain itself answered.
        return {"status": OK, "mode": mode, "block_number": block}
    waited = backlog.oldest_pending_seconds
    late = waited is not None and waited > float(setting("CHAIN_BACKLOG_ALERT_SECONDS"))
    return {
        "status": DEGRADED if backlog.failed or late else OK,
        "mode": mode,
        "block_number": block,
        "pending": backlog.pending,
        "failed": backlog.failed,
    }


def blockchain_available() -> bool:
    """The /api/info feature flag: anchoring and verification can reach the chain (cached briefly)."""
    key = provider_uri()
    now = time.monotonic()
    cached = _feature_cache.get(key)
    if cached and cached[0] > now:
        return cached[1]
    available = chain_reachable()
    _feature_cache[key] = (now + FEATURE_CACHE_SECONDS, available)
    return available


def feature_cache_clear() -> None:
    _feature_cache.clear()
