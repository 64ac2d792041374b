"""Redis stopped under load: the API keeps serving (the cache and the rate limits degrade; a Redis
call never fails a request), `/health` says `degraded`, nothing is lost, and the outbox tasks written
meanwhile go out once Redis is back."""

from __future__ import annotations

import time

import pytest
import requests

from .conftest import wait_for
from .load import Load, customer_mix

pytestmark = [pytest.mark.faults, pytest.mark.slow]

ORDERS_SQL = "SELECT count(*) FROM trading_transaction WHERE type = 'buy'"
PENDING_SQL = "SELECT count(*) FROM blockguardian_outboxtask WHERE sent_at IS NULL"
# A market order for a crypto asset fills at once, booked as one buy entry.
BUY_ENTRIES_SQL = "SELECT count(*) FROM portfolios_journalentry WHERE kind = 'buy'"
RECORDED_SQL = "SELECT count(*) FROM fraud_movementrecord WHERE event_type = 'buy'"


def _timeline(outcomes, stopped_at: float, restarted_at: float) -> str:
    """For a failure message: what the load did, second by second around the outage."""
    lines = [f"Redis stopped at +{stopped_at - outcomes[0].at:.1f}s, back at +{restarted_at - outcomes[0].at:.1f}s"]
    lines += [f"+{o.at - outcomes[0].at:5.1f}s {o.kind:9} {o.status} {o.seconds:.2f}s" for o in outcomes]
    return "\n".join(lines)


def _health(base: str) -> dict:
    response = requests.get(f"{base}/health", timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_redis_stopped_under_load_degrades_and_loses_nothing(stack):
    seeded = stack.seed("--customers", "4")
    pending_before = stack.scalar(PENDING_SQL)
    with stack.serve() as base:
        assert _health(base)["status"] == "ok"
        with Load([customer_mix(base, c, seeded["asset"]) for c in seeded["customers"]]) as load:
            time.sleep(3)
            stack.redis.stop()
            stopped_at = time.monotonic()
            time.sleep(5)
            health = _health(base)
            relayed_while_down = stack.relay()
            stack.redis.start()
            restarted_at = time.monotonic()
            recovered = wait_for(lambda: _health(base)["status"] == "ok", timeout=20)
            time.sleep(2)
        outcomes = load.snapshot()

    assert health["status"] == "degraded"
    assert health["components"]["database"]["status"] == "ok"
    assert health["components"]["cache"]["status"] == "down"
    assert recovered
    during = [o for o in outcomes if stopped_at < o.at < restarted_at]
    assert sum(1 for o in during if o.kind == "order") >= 5, _timeline(outcomes, stopped_at, restarted_at)
    failures = [o for o in outcomes if o.status not in (200, 201)]
    assert failures == [], _timeline(outcomes, stopped_at, restarted_at)

    # Nothing is lost: every accepted order is stored and booked, and its outbox task is waiting.
    accepted = sum(1 for o in outcomes if o.kind == "order" and o.status == 201)
    assert stack.scalar(ORDERS_SQL) == accepted
    assert stack.scalar(BUY_ENTRIES_SQL) == accepted
    assert relayed_while_down == 0
    assert stack.scalar(PENDING_SQL) == pending_before + accepted

    # Redis is back: the relay sends every pending task (those that failed to send wait out their
    # backoff first) and a worker runs them.
    with stack.worker():
        assert stack.relay_until_sent() == 0
        assert wait_for(lambda: stack.scalar(RECORDED_SQL) == accepted, timeout=40), stack.scalar(RECORDED_SQL)

    assert stack.scalar(ORDERS_SQL) == accepted
    stack.assert_invariants()
