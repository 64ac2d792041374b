"""The Celery side: the outbox task on commit (eager default), the beat job, the demo loader, the command."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from blockguardian.chain import tasks
from blockguardian.chain.demo import load_demo_chain
from blockguardian.chain.models import AnchoredRecord
from blockguardian.chain.services import anchor_record_enqueue, anchor_verify
from blockguardian.models import OutboxTask

from .factories import AnchoredRecordFactory, score_payload

KIND = "credit_score"


@pytest.mark.django_db
def test_in_the_eager_default_a_record_is_anchored_right_after_its_transaction_commits(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        record = anchor_record_enqueue(kind=KIND, record_id=11, payload=score_payload(11))
        assert record.status == "pending"

    record.refresh_from_db()
    assert record.status == "anchored"
    assert OutboxTask.objects.get().sent_at is not None
    assert anchor_verify(kind=KIND, record_id=11, payload=score_payload(11)) == "verified"


@pytest.mark.django_db(transaction=True)
def test_the_worker_task_for_a_record_anchors_once_and_is_idempotent(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CHAIN_BATCH_MAX_RECORDS = 2
    with transaction.atomic():
        first = anchor_record_enqueue(kind=KIND, record_id=1, payload=score_payload(1))
        anchor_record_enqueue(kind=KIND, record_id=2, payload=score_payload(2))

    tasks.anchor_record.apply(kwargs={"anchored_record_id": first.pk})
    tasks.anchor_record.apply(kwargs={"anchored_record_id": first.pk})

    assert set(AnchoredRecord.objects.values_list("status", flat=True)) == {"anchored"}
    assert AnchoredRecord.objects.values("batch").distinct().count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_beat_job_closes_a_batch_whose_oldest_record_waited_long_enough(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CHAIN_BATCH_MAX_AGE_SECONDS = 300
    start = timezone.now()
    with time_machine.travel(start, tick=False), transaction.atomic():
        anchor_record_enqueue(kind=KIND, record_id=1, payload=score_payload(1))

    with time_machine.travel(start + dt.timedelta(seconds=60), tick=False):
        tasks.anchor_batches.apply()
    assert AnchoredRecord.objects.get().status == "pending"
    with time_machine.travel(start + dt.timedelta(seconds=301), tick=False):
        tasks.anchor_batches.apply()
    assert AnchoredRecord.objects.get().status == "anchored"


@pytest.mark.django_db
def test_the_demo_loader_anchors_what_is_pending_and_says_so(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    AnchoredRecordFactory.create_batch(2)

    lines = load_demo_chain()

    assert "2 records anchored now, 0 pending" in lines[0]
    assert set(AnchoredRecord.objects.values_list("status", flat=True)) == {"anchored"}


@pytest.mark.django_db
def test_the_command_retries_failed_records_and_anchors_them(capsys):
    record = AnchoredRecordFactory()
    AnchoredRecord.objects.filter(pk=record.pk).update(status="failed")

    call_command("chain_anchor", "--retry-failed")

    record.refresh_from_db()
    assert record.status == "anchored"
    assert "1 failed records back to pending" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_many_records_enqueued_at_once_share_one_outbox_task_and_all_anchor(settings):
    from blockguardian.chain.services import anchor_pending, anchor_records_enqueue

    settings.CELERY_TASK_ALWAYS_EAGER = False
    with transaction.atomic():
        rows = anchor_records_enqueue(kind=KIND, records=[(i, score_payload(i)) for i in range(1, 51)])

    assert [row.record_id for row in rows] == [str(i) for i in range(1, 51)]
    assert OutboxTask.objects.filter(task_name="chain.anchor_record").count() == 1
    assert anchor_pending(force=True).status == "ok"
    assert set(AnchoredRecord.objects.values_list("status", flat=True)) == {AnchoredRecord.Status.ANCHORED}
