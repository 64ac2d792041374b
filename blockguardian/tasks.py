"""Platform jobs: thin wrappers around the services."""

from celery import shared_task

from .idempotency import idempotency_purge as _idempotency_purge
from .outbox import outbox_relay as _outbox_relay


@shared_task(name="blockguardian.outbox_relay", acks_late=True, ignore_result=True)
def outbox_relay() -> int:
    return _outbox_relay()


@shared_task(name="blockguardian.idempotency_purge", ignore_result=True)
def idempotency_purge() -> int:
    return _idempotency_purge()


@shared_task(name="blockguardian.heartbeat", ignore_result=True)
def heartbeat(token: str = "beat") -> None:
    """Records that a worker ran a task (health shows when a worker last answered)."""
    from django.core.cache import cache
    from django.utils import timezone

    cache.set(f"worker-heartbeat:{token}", timezone.now().isoformat(), timeout=3600)
