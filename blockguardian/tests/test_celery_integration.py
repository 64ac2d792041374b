"""The outbox relayed to a real Celery worker over Redis (not eager), as in production."""

import subprocess
import sys

import pytest
import redis
from django.db import transaction

from blockguardian.outbox import outbox_enqueue, outbox_pending_count
from tests.celery_worker import ROOT, celery_worker, wait_for, worker_env

RELAY = "from blockguardian.outbox import outbox_relay; print(outbox_relay())"


@pytest.mark.integration
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_committed_outbox_task_is_executed_by_a_real_worker(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # as in production: the commit does not relay in-process
    client = redis.Redis.from_url(settings.REDIS_URL)
    label = "integration-outbox"
    key = f"bg:1:worker-heartbeat:{label}"
    client.delete(key)
    with transaction.atomic():
        outbox_enqueue(task="blockguardian.heartbeat", label=label)

    with celery_worker() as worker:
        # The relay runs where beat runs it in production: another process, not eager.
        relay = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", RELAY],
            cwd=ROOT,
            env=worker_env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        seen = wait_for(lambda: client.get(key), timeout=60)
        output = "" if worker.poll() is None else worker.stdout.read().decode(errors="replace")

    client.delete(key)
    assert relay.stdout.strip().splitlines()[-1] == "1"
    assert seen, output
    assert outbox_pending_count() == 0
