"""The transactional outbox: tasks that must not be lost are written in the same transaction as
the state change that needs them, then relayed to Celery.

Beat runs `outbox_relay` every few seconds; in the eager embedded default the relay also runs on
commit. Delivery is at least once, so every task sent through here must be idempotent.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import structlog
from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .models import OutboxTask

logger = structlog.get_logger(__name__)


def outbox_enqueue(*, task: str, countdown: float = 0, **kwargs: Any) -> OutboxTask:
    """Write `task(**kwargs)` to the outbox; it is sent only if the surrounding transaction commits.

    Must be called inside the caller's transaction (that is its point).
    """
    if not connection.in_atomic_block:
        raise RuntimeError("outbox_enqueue must be called inside the transaction of the change it follows")
    row = OutboxTask.objects.create(
        task_name=task, kwargs=kwargs, available_at=timezone.now() + timedelta(seconds=countdown)
    )
    if settings.CELERY_TASK_ALWAYS_EAGER:
        transaction.on_commit(lambda: outbox_relay(ids=[row.pk]))
    return row


def _send(row: OutboxTask) -> None:
    task = current_app.tasks.get(row.task_name)
    if task is not None:
        task.apply_async(kwargs=row.kwargs)  # honours eager mode
    else:
        current_app.send_task(row.task_name, kwargs=row.kwargs)


def outbox_relay(*, ids: list[int] | None = None, limit: int | None = None) -> int:
    """Send due outbox rows to Celery and mark them sent; returns how many were sent.

    Rows are locked with SKIP LOCKED, so several relays never send one row twice at once.
    """
    limit = limit or settings.OUTBOX_RELAY_BATCH
    sent = 0
    with transaction.atomic():
        pending = OutboxTask.objects.filter(sent_at__isnull=True, available_at__lte=timezone.now())
        if ids is not None:
            pending = pending.filter(pk__in=ids)
        rows = list(pending.select_for_update(skip_locked=True).order_by("id")[:limit])
        for row in rows:
            try:
                _send(row)
            except Exception as exc:  # noqa: BLE001 - one bad row must not stop the others
                row.attempts += 1
                row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                backoff = min(2**row.attempts, 3600)
                row.available_at = timezone.now() + timedelta(seconds=backoff)
                row.save(update_fields=["attempts", "last_error", "available_at"])
                logger.warning("outbox_send_failed", task=row.task_name, outbox_id=row.pk, error=row.last_error)
                if not settings.CELERY_TASK_ALWAYS_EAGER:
                    # The broker is likely down: leave the rest for the next run.
                    break
                continue
            row.sent_at = timezone.now()
            row.attempts += 1
            row.save(update_fields=["sent_at", "attempts"])
            sent += 1
    return sent


def outbox_pending_count() -> int:
    return OutboxTask.objects.filter(sent_at__isnull=True).count()
