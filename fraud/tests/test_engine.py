"""The decision's read: one statement on PostgreSQL, holding exactly what the ORM reads."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import SecurityEvent
from accounts.tests.factories import UserFactory
from fraud import engine

from .factories import NEW_IP, NEW_UA, NOW, established_customer, make_event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _both_reads(event):
    t = engine.thresholds()
    with CaptureQueriesContext(connection) as queries:
        fast = engine.read_context(event, t)
    return fast, engine._read_context_orm(event, t), queries.captured_queries


def _same(fast, orm) -> None:
    assert fast.snap == orm.snap
    assert (fast.destination_known, fast.destination_first_seen) == (orm.destination_known, orm.destination_first_seen)
    assert fast.security == orm.security
    assert (fast.hour, fast.device, fast.network) == (orm.hour, orm.device, orm.network)


@pytest.mark.parametrize(
    ("kind", "destination"),
    [("withdrawal", "bank_account:home"), ("withdrawal", "bank_account:never-seen"), ("buy", None)],
)
def test_one_statement_reads_what_the_orm_reads(kind, destination):
    customer = established_customer()
    SecurityEvent.objects.create(user=customer, kind="password_reset")
    for _ in range(3):
        SecurityEvent.objects.create(user=customer, kind="login", outcome="failure")
    SecurityEvent.objects.create(user=customer, kind="login", outcome="success")
    with time_machine.travel(NOW - dt.timedelta(days=10), tick=False):
        SecurityEvent.objects.create(user=customer, kind="mfa_disabled")  # outside its window
    event = make_event(customer, kind, "900.00", destination=destination, ip=NEW_IP, user_agent=NEW_UA)

    fast, orm, queries = _both_reads(event)

    _same(fast, orm)
    assert len(queries) == 1
    assert fast.snap.movement_count == 40


def test_the_read_finds_the_security_events_of_a_customer_without_an_aggregate():
    customer = UserFactory(date_joined=NOW - dt.timedelta(days=3))
    SecurityEvent.objects.create(user=customer, kind="email_changed")

    fast, orm, queries = _both_reads(make_event(customer, "withdrawal", "50.00"))

    _same(fast, orm)
    assert len(queries) == 1
    assert fast.snap.version == 0 and not fast.destination_known
    assert [signal.kind for signal in fast.security] == ["email_changed"]


def test_the_read_never_touches_the_customers_history():
    customer = established_customer()

    _, _, queries = _both_reads(make_event(customer, "withdrawal", "900.00"))

    assert "fraud_movementrecord" not in queries[0]["sql"]
