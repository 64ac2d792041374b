"""Anchoring jobs: thin wrappers around `services.anchor_pending` (idempotent, take ids)."""

from __future__ import annotations

from collections.abc import Callable

import structlog
from celery import shared_task
from django.db import connection, transaction

from . import services

logger = structlog.get_logger(__name__)


def _after_commit(work: Callable[[], object]) -> None:
    """Run `work` now, or after the surrounding commit when called inside a transaction.

    In the eager embedded default the outbox relay runs this task inside its own transaction;
    anchoring must commit each step (batch written, transaction hash recorded) as it goes, and must
    never fail the request that triggered it.
    """

    def safely() -> None:
        try:
            work()
        except Exception:
            logger.exception("chain_anchoring_crashed")

    if connection.in_atomic_block:
        transaction.on_commit(safely)
    else:
        work()


@shared_task(
    name="chain.anchor_record",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=240,
    time_limit=300,
)
def anchor_record(*, anchored_record_id: int) -> None:
    """Sent through the outbox for each enqueued record: anchors its batch if it can close now."""
    _after_commit(lambda: services.anchor_record_process(anchored_record_id=anchored_record_id))


@shared_task(
    name="chain.anchor_batches",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=240,
    time_limit=300,
)
def anchor_batches() -> None:
    """Beat: close batches that waited long enough, send them, and finish earlier submissions."""
    _after_commit(lambda: services.anchor_pending())
