"""/health shows the chain component, /api/info the blockchain feature."""

from __future__ import annotations

import time

import pytest

from blockguardian.chain.models import AnchoredRecord
from blockguardian.chain.testing import SilentServer

from .factories import AnchoredRecordFactory

pytestmark = pytest.mark.django_db


def test_the_embedded_chain_is_ok_in_health_and_available_in_info(api_client):
    health = api_client.get("/health").json()
    info = api_client.get("/api/info").json()

    chain = health["components"]["chain"]
    assert (chain["status"], chain["mode"]) == ("ok", "embedded")
    assert chain["block_number"] >= 0
    assert info["features"]["blockchain"] is True


def test_a_chain_at_a_closed_port_is_down_and_the_service_degraded_not_failed(api_client, chain_down):
    started = time.perf_counter()
    response = api_client.get("/health")
    info = api_client.get("/api/info").json()

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["components"]["chain"] == {**body["components"]["chain"], "status": "down", "mode": "rpc"}
    assert info["features"]["blockchain"] is False
    assert time.perf_counter() - started < 1.0


def test_a_node_that_hangs_is_down_within_the_health_timeout(api_client, settings):
    settings.CHAIN_SIGNER_KEY = "0x" + "00" * 31 + "01"
    settings.CHAIN_HEALTH_TIMEOUT_SECONDS = 0.3
    with SilentServer() as silent:
        settings.WEB3_PROVIDER_URI = silent.uri
        started = time.perf_counter()
        body = api_client.get("/health").json()

    assert body["components"]["chain"]["status"] == "down"
    assert time.perf_counter() - started < 1.5


def test_failed_records_make_the_chain_degraded(api_client):
    record = AnchoredRecordFactory()
    AnchoredRecord.objects.filter(pk=record.pk).update(status="failed")

    chain = api_client.get("/health").json()["components"]["chain"]

    assert (chain["status"], chain["failed"]) == ("degraded", 1)


def test_anchoring_switched_off_is_not_configured(api_client, settings):
    settings.CHAIN_ENABLED = False

    assert api_client.get("/health").json()["components"]["chain"]["status"] == "not_configured"


def test_records_waiting_longer_than_the_alert_make_the_chain_degraded(api_client, settings):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CHAIN_BACKLOG_ALERT_SECONDS = 3600
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        AnchoredRecordFactory()

    with time_machine.travel(start + dt.timedelta(seconds=3599), tick=False):
        assert api_client.get("/health").json()["components"]["chain"]["status"] == "ok"
    with time_machine.travel(start + dt.timedelta(seconds=3601), tick=False):
        chain = api_client.get("/health").json()["components"]["chain"]
    assert (chain["status"], chain["pending"]) == ("degraded", 1)
