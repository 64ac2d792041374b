"""Celery tasks of the lending app: thin, idempotent wrappers around the services."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.contrib.auth import get_user_model

from accounts.models import Restriction

from . import services


@shared_task(
    name="lending.service_loans_daily",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=1800,
    time_limit=2000,
    autoretry_for=(Exception,),
    retry_backoff=60,
    max_retries=5,
)
def service_loans_daily(*, on: str | None = None) -> dict:
    """The daily servicing run (late fees, delinquency, charge-off, expired counteroffers);
    idempotent, so a retry or a second run the same day changes nothing more."""
    day = dt.date.fromisoformat(on) if on else None
    return services.loans_service_daily(on=day)


@shared_task(name="lending.hold_undisbursed_loans", acks_late=True, ignore_result=True)
def hold_undisbursed_loans(*, user_id: str) -> int:
    user = get_user_model().objects.get(pk=user_id)
    if user.restriction != Restriction.BLOCKED:
        return 0
    return services.loans_hold_for_blocked_customer(user_id=user.pk)


@shared_task(name="lending.release_undisbursed_loans", acks_late=True, ignore_result=True)
def release_undisbursed_loans(*, user_id: str) -> int:
    user = get_user_model().objects.get(pk=user_id)
    if user.restriction == Restriction.BLOCKED:
        return 0
    return services.loans_release_for_unblocked_customer(user_id=user.pk)


@shared_task(name="lending.repayment_returned", acks_late=True, ignore_result=True)
def repayment_returned(*, reference: str, return_code: str) -> bool:
    """Unwind a repayment whose ACH debit came back (idempotent)."""
    return services.repayment_return(reference=reference, return_code=return_code) is not None
