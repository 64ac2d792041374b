"""The transactional outbox: relayed after commit, dropped with a rollback, retried when sending fails."""

from datetime import timedelta

import pytest
from celery import shared_task
from django.db import transaction
from django.utils import timezone

from blockguardian.models import OutboxTask
from blockguardian.outbox import outbox_enqueue, outbox_pending_count, outbox_relay

CALLS: list[dict] = []


@shared_task(name="tests.outbox_probe")
def outbox_probe(**kwargs):
    CALLS.append(kwargs)


@pytest.fixture(autouse=True)
def _reset_calls():
    CALLS.clear()


class Rollback(Exception):
    pass


@pytest.mark.django_db
def test_a_task_written_in_a_committed_transaction_is_relayed(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        outbox_enqueue(task="tests.outbox_probe", loan_id=7)

    assert CALLS == [{"loan_id": 7}]
    assert OutboxTask.objects.get().sent_at is not None


@pytest.mark.django_db
def test_a_task_written_in_a_rolled_back_transaction_is_dropped(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                outbox_enqueue(task="tests.outbox_probe", loan_id=8)
                raise Rollback
        except Rollback:
            pass

    assert CALLS == []
    assert not OutboxTask.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_enqueue_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        outbox_enqueue(task="tests.outbox_probe", loan_id=9)


@pytest.mark.django_db
def test_the_beat_relay_sends_pending_rows_once(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # as in production: nothing relays on commit
    with transaction.atomic():
        outbox_enqueue(task="tests.outbox_probe", n=1)
        outbox_enqueue(task="tests.outbox_probe", n=2)
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the probe then runs in-process when sent

    assert outbox_pending_count() == 2
    assert outbox_relay() == 2
    assert outbox_relay() == 0
    assert CALLS == [{"n": 1}, {"n": 2}]


@pytest.mark.django_db
def test_a_row_that_fails_to_send_is_retried_later_with_backoff(settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with transaction.atomic():
        row = outbox_enqueue(task="tests.outbox_probe", n=3)
    settings.CELERY_TASK_ALWAYS_EAGER = True

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    from celery import current_app

    monkeypatch.setattr(current_app.tasks["tests.outbox_probe"], "apply_async", broker_down)
    assert outbox_relay() == 0
    row.refresh_from_db()
    assert row.sent_at is None and row.attempts == 1 and "broker unreachable" in row.last_error
    assert row.available_at > timezone.now()

    monkeypatch.undo()
    OutboxTask.objects.filter(pk=row.pk).update(available_at=timezone.now() - timedelta(seconds=1))
    assert outbox_relay() == 1
    assert CALLS == [{"n": 3}]
