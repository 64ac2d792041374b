"""Credit jobs: thin wrappers around the services."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import OperationalError

from .services import credit_rescore_all


@shared_task(
    name="credit.rescore_all",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=3 * 3600,
    time_limit=3 * 3600 + 300,
    autoretry_for=(OperationalError,),
    retry_backoff=60,
    max_retries=3,
)
def rescore_all(run_date: str | None = None) -> int:
    """Nightly: rescore every customer with an application on file and store the drift (PSI).
    Idempotent per night: a retry continues where the previous attempt stopped."""
    run = credit_rescore_all(run_date=dt.date.fromisoformat(run_date) if run_date else None)
    return run.scored
