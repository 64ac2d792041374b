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
def heartbeat(label: str = "beat") -> None:
    """Records in the cache when a worker last ran a task (a liveness probe for workers)."""
    from django.core.cache import cache
    from django.utils import timezone

    cache.set(f"worker-heartbeat:{label}", timezone.now().isoformat(), timeout=3600)
