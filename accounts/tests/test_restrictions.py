"""Customer restrictions: the check every money-moving service makes first, and the moves."""

import pytest
from django.db import transaction

from accounts.errors import CustomerRestricted, RestrictionStateError
from accounts.models import Restriction
from accounts.services import restriction_assert_allows, restriction_set
from accounts.signals import restriction_changed

from .factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("state", "debit", "credit"),
    [("none", True, True), ("review", True, True), ("frozen", False, True), ("blocked", False, False)],
)
def test_which_movements_each_restriction_refuses(state, debit, credit):
    user = UserFactory(restriction=state)

    for movement, allowed in (("debit", debit), ("credit", credit)):
        if allowed:
            restriction_assert_allows(user=user, movement=movement)
        else:
            with pytest.raises(CustomerRestricted):
                restriction_assert_allows(user=user, movement=movement)


def test_a_change_is_signalled_after_commit(django_capture_on_commit_callbacks):
    user, officer = UserFactory(), UserFactory(is_staff=True)
    heard = []

    def listener(sender, user, old, new, reason, acting_user, **kwargs):
        heard.append((old, new, reason, acting_user))

    restriction_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            restriction_set(user=user, state="frozen", reason="Possible match", acting_user=officer)
    finally:
        restriction_changed.disconnect(listener)

    assert heard == [("none", "frozen", "Possible match", officer)]
    user.refresh_from_db()
    assert (user.restriction, user.restriction_reason) == (Restriction.FROZEN, "Possible match")
    assert user.restriction_changed_by == officer and user.restriction_changed_at is not None


def test_only_compliance_lifts_a_block():
    user = UserFactory()
    restriction_set(user=user, state="blocked", reason="Confirmed match", acting_user=None)

    with pytest.raises(RestrictionStateError):
        restriction_set(user=user, state="none", reason="oops", acting_user=None)
    restriction_set(user=user, state="none", reason="Cleared", acting_user=None, lift_block=True)

    user.refresh_from_db()
    assert user.restriction == Restriction.NONE


def test_a_reason_is_required():
    with pytest.raises(RestrictionStateError):
        restriction_set(user=UserFactory(), state="review", reason=" ", acting_user=None)


def test_the_database_refuses_an_unknown_restriction():
    from django.db import IntegrityError

    user = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        type(user).objects.filter(pk=user.pk).update(restriction="suspended")
