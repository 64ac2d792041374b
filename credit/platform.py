"""The one place credit reads other apps: balances from `portfolios.selectors`, age from
`accounts.selectors`, and its own repayment record.

Each read degrades to "unknown" (the attribute scores neutrally) rather than failing a score:
when the selector is not available in this deployment, or fails for this customer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import structlog
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist

from .mapping import BalancesLike, PlatformFacts, RepaymentRecord
from .selectors import repayment_records

logger = structlog.get_logger(__name__)


def _selector(module: str, name: str):
    """The other app's selector, or None when it does not exist (yet) in this deployment."""
    import importlib

    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def customer_balances_or_none(*, user: Any) -> BalancesLike | None:
    """`portfolios.selectors.customer_balances(user=...)`, or None when unknown."""
    selector = _selector("portfolios.selectors", "customer_balances")
    if selector is None:
        return None
    try:
        return selector(user=user)
    except ObjectDoesNotExist:
        return None
    except Exception as exc:  # noqa: BLE001 - a balance we cannot read is unknown, never a failed score
        logger.warning("credit_balances_unavailable", user=str(user.pk), error=type(exc).__name__)
        return None


def customer_age_or_none(*, user: Any, on: dt.date) -> int | None:
    """`accounts.selectors.customer_age(user=..., on=...)` in whole years, or None when unknown."""
    selector = _selector("accounts.selectors", "customer_age")
    if selector is None:
        return None
    try:
        age = selector(user=user, on=on)
    except ObjectDoesNotExist:
        return None
    except Exception as exc:  # noqa: BLE001 - an age we cannot read is unknown, never a failed score
        logger.warning("credit_age_unavailable", user=str(user.pk), error=type(exc).__name__)
        return None
    return None if age is None else int(age)


def history_since(on: dt.date) -> dt.datetime:
    start = on - dt.timedelta(days=settings.CREDIT_HISTORY_LOOKBACK_DAYS)
    return dt.datetime.combine(start, dt.time.min, tzinfo=dt.UTC)


def platform_facts(*, user: Any, on: dt.date) -> PlatformFacts:
    return platform_facts_many(users=[user], on=on)[user.pk]


def platform_facts_many(*, users: Sequence[Any], on: dt.date) -> dict[Any, PlatformFacts]:
    """Facts for a batch of customers: the repayment records in one query, balances and ages
    through the other apps' selectors (their batch form when they offer one)."""
    records = repayment_records(user_ids=[u.pk for u in users], since=history_since(on))
    balances = _balances_many(users)
    ages = _ages_many(users, on)
    return {
        u.pk: PlatformFacts(
            balances=balances.get(u.pk), record=records.get(u.pk, RepaymentRecord()), age=ages.get(u.pk)
        )
        for u in users
    }


def _balances_many(users: Sequence[Any]) -> dict[Any, BalancesLike | None]:
    many = _selector("portfolios.selectors", "customer_balances_many")
    if many is not None:
        try:
            return dict(many(users=list(users)))
        except Exception as exc:  # noqa: BLE001 - fall back to one read per customer
            logger.warning("credit_balances_batch_unavailable", error=type(exc).__name__)
    return {u.pk: customer_balances_or_none(user=u) for u in users}


def _ages_many(users: Sequence[Any], on: dt.date) -> dict[Any, int | None]:
    many = _selector("accounts.selectors", "customer_ages")
    if many is not None:
        try:
            return {pk: (None if age is None else int(age)) for pk, age in many(users=list(users), on=on).items()}
        except Exception as exc:  # noqa: BLE001 - fall back to one read per customer
            logger.warning("credit_ages_batch_unavailable", error=type(exc).__name__)
    return {u.pk: customer_age_or_none(user=u, on=on) for u in users}
