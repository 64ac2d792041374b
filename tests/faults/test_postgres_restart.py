"""PostgreSQL restarted under load: requests caught by the restart get a 503 problem response (never
a 500, never a traceback), and the service recovers by itself: persistent connections are checked
before reuse (`CONN_HEALTH_CHECKS`), so no web process has to be restarted."""

from __future__ import annotations

import json
import time

import pytest

from .load import Load, customer_mix, resend

pytestmark = [pytest.mark.faults, pytest.mark.slow]

ORDERS_SQL = "SELECT id FROM trading_transaction WHERE type = 'buy'"
# A market order for a crypto asset fills at once: booked as one buy entry, in the same transaction.
BUY_ENTRIES_SQL = "SELECT count(*) FROM portfolios_journalentry WHERE kind = 'buy'"
OPEN_KEYS_SQL = "SELECT count(*) FROM blockguardian_idempotencykey WHERE state = 'in_progress'"


def test_postgres_restart_under_load_is_a_503_and_recovers(stack):
    seeded = stack.seed("--customers", "4")
    # A retry of a key whose first request never finished waits this long, then gets a 409.
    with stack.serve(env={"CONN_MAX_AGE": "60", "IDEMPOTENCY_WAIT_SECONDS": "2"}) as base:
        with Load([customer_mix(base, c, seeded["asset"]) for c in seeded["customers"]]) as load:
            time.sleep(2)
            restart_started = time.monotonic()
            stack.pg.restart("fast")
            restarted = time.monotonic()
            recovered = load.wait_for_successes(12, timeout=30)
        outcomes = load.snapshot()
        # The clients retry every order answered 503, with the same Idempotency-Key.
        retried = [(o, resend(o)) for o in outcomes if o.kind == "order" and o.status == 503]

    assert recovered, [(o.kind, o.status) for o in outcomes[-20:]]
    statuses = {o.status for o in outcomes}
    assert statuses <= {200, 201, 503}, [o for o in outcomes if o.status not in (200, 201, 503)][:3]
    unavailable = [o for o in outcomes if o.status == 503]
    assert unavailable, "no request was caught by the restart"
    for outcome in unavailable:
        assert outcome.content_type.startswith("application/problem+json")
        body = json.loads(outcome.body)
        assert body["code"] == "service_unavailable" and body["status"] == 503
        assert "Traceback" not in outcome.body
    # Each of them was in flight while the database was going down or coming back.
    assert all(restart_started < o.at + o.seconds and o.at < restarted + 15 for o in unavailable), [
        (o.kind, round(o.at - restart_started, 2), round(o.seconds, 2), o.body[:200]) for o in unavailable
    ]

    # Counts: every order answered 201, at first or on its retry, is stored once under the id it was
    # answered with; a retry either replays the order stored under its key or places it now. The
    # only orders nobody was told about are those whose key is still claimed by a request the
    # restart cut short (its retry answered 409 `idempotency_in_progress`).
    answered = [json.loads(o.body)["id"] for o in outcomes if o.kind == "order" and o.status == 201]
    answered += [response.json()["id"] for _, response in retried if response.status_code == 201]
    stuck = [response for _, response in retried if response.status_code != 201]
    assert all(r.status_code == 409 and r.json()["code"] == "idempotency_in_progress" for r in stuck), [
        (r.status_code, r.text[:300]) for r in stuck
    ]
    assert len(stuck) == stack.scalar(OPEN_KEYS_SQL)
    stored = {row[0] for row in stack.query(ORDERS_SQL)}
    assert len(answered) == len(set(answered))
    assert set(answered) <= stored
    assert len(stored) - len(answered) <= len(stuck), (len(stored), len(answered), len(stuck))
    assert stack.scalar(BUY_ENTRIES_SQL) == len(stored)
    stack.assert_invariants()
