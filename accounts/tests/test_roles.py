"""Roles: the groups the data migration creates, and what each may do in accounts."""

import pytest
from django.contrib.auth.models import Group

from .factories import UserFactory

pytestmark = pytest.mark.django_db

ROLES = {"customer", "operations", "compliance_officer", "bsa_officer", "risk_analyst", "loan_officer", "admin"}


def _can(role: str, permission: str) -> bool:
    user = UserFactory(is_staff=role != "customer")
    user.groups.add(Group.objects.get(name=role))
    user = type(user).objects.get(pk=user.pk)
    return user.has_perm(permission)


def test_every_role_exists():
    assert set(Group.objects.values_list("name", flat=True)) >= ROLES


def test_customers_hold_no_model_permissions():
    assert Group.objects.get(name="customer").permissions.count() == 0


@pytest.mark.parametrize(
    ("role", "permission", "allowed"),
    [
        ("compliance_officer", "accounts.decide_kycrecord", True),
        ("compliance_officer", "accounts.view_kyc_documents", True),
        ("compliance_officer", "accounts.set_restriction", True),
        ("compliance_officer", "accounts.lift_block", False),
        ("bsa_officer", "accounts.lift_block", True),
        ("operations", "accounts.verify_kycrecord", True),
        ("operations", "accounts.decide_kycrecord", False),
        ("risk_analyst", "accounts.rate_kycrecord", True),
        ("risk_analyst", "accounts.view_kyc_documents", False),
        ("loan_officer", "accounts.view_kycrecord", True),
        ("loan_officer", "accounts.decide_kycrecord", False),
        ("admin", "accounts.change_user", True),
        ("customer", "accounts.view_user", False),
    ],
)
def test_role_permissions(role, permission, allowed):
    assert _can(role, permission) is allowed


def test_a_customer_reaches_only_their_own_data(client_for):
    alice, bob = UserFactory(), UserFactory()

    profile = client_for(alice).get("/api/profile").json()

    assert profile["id"] == str(alice.pk)
    assert str(bob.pk) not in client_for(alice).get("/api/me/export").content.decode()
