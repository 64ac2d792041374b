"""accounts' periodic jobs: thin wrappers around the services."""

from celery import shared_task

from .services.erasure import erasure_retry_deferred as _erasure_retry_deferred
from .services.mfa import mfa_challenges_purge as _mfa_challenges_purge


@shared_task(name="accounts.erasure_retry_deferred", acks_late=True, ignore_result=True)
def erasure_retry_deferred() -> int:
    """Run the deferred erasures whose vetoes have lifted (idempotent: each runs once)."""
    return _erasure_retry_deferred()


@shared_task(name="accounts.mfa_challenges_purge", ignore_result=True)
def mfa_challenges_purge() -> int:
    """Delete login challenges that can no longer be used."""
    return _mfa_challenges_purge()
