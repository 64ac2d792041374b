"""The console's tests: staff sessions signed in with password and a confirmed TOTP device, per role."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.services import mfa_setup_totp
from accounts.tests.factories import StaffUserFactory


@pytest.fixture(autouse=True)
def _fresh_audit_context():
    """django-auditlog keeps the last request's context in a context variable after the request
    ends; an earlier test's actor (rolled back since) must not be named on this test's entries."""
    from auditlog.context import auditlog_value

    auditlog_value.set({})
    yield
    auditlog_value.set({})


def staff(*roles: str, **kwargs):
    user = StaffUserFactory(**kwargs)
    for role in roles:
        user.groups.add(Group.objects.get(name=role))
    return type(user).objects.get(pk=user.pk)


def console_for(user) -> Client:
    """A browser session for `user`, signed in with password and a confirmed TOTP device."""
    device = mfa_setup_totp(user=user).device
    device.confirmed = True
    device.save()
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    client.user = user
    return client


@pytest.fixture
def console(db):
    """`console("loan_officer")`: a signed-in console session for a new staff user in these roles."""

    def make(*roles: str, **kwargs) -> Client:
        return console_for(staff(*roles, **kwargs))

    return make
