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


@shared_task(name="blockguardian.audit_seal", acks_late=True, ignore_result=True)
def audit_seal() -> int:
    """Seal new audit entries (one sealer at a time: a second run finds the lock taken and returns)."""
    from .audit.services import audit_seal_pending

    return audit_seal_pending().sealed


@shared_task(name="blockguardian.audit_head_anchor", acks_late=True, ignore_result=True)
def audit_head_anchor() -> int | None:
    """Anchor the audit chain's head on the blockchain (daily)."""
    from .audit.services import audit_head_anchor as _audit_head_anchor

    head = _audit_head_anchor()
    return head.seq if head else None


@shared_task(name="blockguardian.legal_hold_purge", acks_late=True, ignore_result=True)
def legal_hold_purge() -> int:
    """Purge the legal-hold records past their retention date (daily)."""
    from .legalhold import legal_hold_purge as _legal_hold_purge

    return _legal_hold_purge().total
