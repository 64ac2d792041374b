"""Customer restrictions: the check every money-moving service makes first, and the moves."""

from __future__ import annotations

from typing import Literal

from django.db import transaction
from django.utils import timezone

from ..audit import audit_actor
from ..errors import CustomerRestricted, RestrictionStateError
from ..models import Restriction, User
from ..signals import restriction_changed

Movement = Literal["debit", "credit"]

# Which restrictions refuse which movement: frozen and blocked accounts are debited by nobody;
# a blocked account also takes no new customer-initiated credits (its property is held).
_REFUSED = {
    "debit": {Restriction.FROZEN, Restriction.BLOCKED},
    "credit": {Restriction.BLOCKED},
}


def restriction_assert_allows(*, user: User, movement: Movement = "debit") -> None:
    """Every money-moving service calls this first (with the user row it has locked or read)."""
    if user.restriction in _REFUSED[movement]:
        raise CustomerRestricted()


_ALLOWED_MOVES = {
    Restriction.NONE: {Restriction.REVIEW, Restriction.FROZEN, Restriction.BLOCKED},
    Restriction.REVIEW: {Restriction.NONE, Restriction.FROZEN, Restriction.BLOCKED},
    Restriction.FROZEN: {Restriction.NONE, Restriction.REVIEW, Restriction.BLOCKED},
    Restriction.BLOCKED: {Restriction.NONE, Restriction.REVIEW, Restriction.FROZEN},
}


@transaction.atomic
def restriction_set(*, user: User, state: str, reason: str, acting_user: User | None, lift_block: bool = False) -> User:
    """Move a customer's restriction. Lifting `blocked` needs `lift_block` (compliance only)."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    old = locked.restriction
    new = Restriction(state)
    if new == old:
        return locked
    if new not in _ALLOWED_MOVES[Restriction(old)]:
        raise RestrictionStateError(f"cannot move a restriction from {old} to {new}")
    if old == Restriction.BLOCKED and not lift_block:
        raise RestrictionStateError("only compliance can lift a block")
    if not reason.strip():
        raise RestrictionStateError("a reason is required", code="restriction_reason_required")
    locked.restriction = new
    locked.restriction_reason = reason.strip()[:500]
    locked.restriction_changed_at = timezone.now()
    locked.restriction_changed_by = acting_user
    with audit_actor(acting_user):
        locked.save(
            update_fields=["restriction", "restriction_reason", "restriction_changed_at", "restriction_changed_by"]
        )
    transaction.on_commit(
        lambda: restriction_changed.send(
            sender=User, user=locked, old=old, new=new.value, reason=locked.restriction_reason, acting_user=acting_user
        )
    )
    return locked
