"""The outbox relayed to a real Celery worker over Redis (not eager)."""

import pytest
import redis
from django.db import transaction

from blockguardian.outbox import outbox_enqueue, outbox_relay
from tests.celery_worker import celery_worker, wait_for


@pytest.mark.integration
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_committed_outbox_task_is_executed_by_a_real_worker(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = settings.REDIS_URL
    from blockguardian.celery import app

    app.conf.broker_url = settings.REDIS_URL
    app.conf.task_always_eager = False
    client = redis.Redis.from_url(settings.REDIS_URL)
    token = "integration-outbox"
    key = f"bg:1:worker-heartbeat:{token}"
    client.delete(key)
    try:
        with transaction.atomic():
            outbox_enqueue(task="blockguardian.heartbeat", label=token)

        with celery_worker() as worker:
            assert outbox_relay() == 1
            seen = wait_for(lambda: client.get(key), timeout=60)
            assert seen, worker.stdout.read1(20000).decode(errors="replace") if worker.poll() is not None else ""
    finally:
        app.conf.task_always_eager = True
        app.conf.broker_url = "memory://"
        client.delete(key)
