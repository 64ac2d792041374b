"""fraud's Celery tasks: thin, idempotent wrappers around the services (they take ids)."""

from celery import shared_task

from . import services
from .events import event_from_payload


@shared_task(name="fraud.record_movement", acks_late=True, ignore_result=True, max_retries=10)
def record_movement(payload: dict) -> bool:
    """`services.record` for an event sent through the outbox (idempotent by its reference)."""
    return services.record(event_from_payload(payload))


@shared_task(name="fraud.senior_hold_notify", acks_late=True, ignore_result=True)
def senior_hold_notify(hold_id: int) -> None:
    services.senior_hold_notify(hold_id=hold_id)


@shared_task(name="fraud.senior_hold_expire_due", ignore_result=True)
def senior_hold_expire_due() -> int:
    return services.senior_hold_expire_due()
