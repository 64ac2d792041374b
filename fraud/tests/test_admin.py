"""The risk analysts' console: actions call the services; lists stay cheap."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.factories import StaffUserFactory
from fraud.apps import RISK_ANALYST_GROUP, _ensure_roles
from fraud.models import FraudAlert, FraudRuleOverride

from .factories import FraudAlertFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst():
    _ensure_roles(sender=None)
    user = StaffUserFactory()
    user.groups.add(Group.objects.get(name=RISK_ANALYST_GROUP))
    return type(user).objects.get(pk=user.pk)


def _request(user):
    # "confirmed": the officer said yes on the confirmation page.
    request = RequestFactory().post("/admin/fraud/fraudalert/", {"confirmed": "yes"})
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def test_an_analyst_confirms_fraud_from_the_admin(analyst):
    alert = FraudAlertFactory()
    model_admin = admin.site._registry[FraudAlert]

    model_admin.confirm_fraud(_request(analyst), FraudAlert.objects.filter(pk=alert.pk))

    alert.refresh_from_db()
    alert.customer.refresh_from_db()
    assert (alert.state, alert.resolved_by) == ("confirmed_fraud", analyst)
    assert alert.customer.restriction == "frozen"


def test_the_resolve_actions_need_the_analysts_permission(analyst):
    model_admin = admin.site._registry[FraudAlert]
    clerk = StaffUserFactory()

    assert {"confirm_fraud", "mark_false_positive"} <= set(model_admin.get_actions(_request(analyst)))
    assert not {"confirm_fraud", "mark_false_positive"} & set(model_admin.get_actions(_request(clerk)))


def test_a_resolved_alert_is_reported_not_resolved_twice(analyst):
    alert = FraudAlertFactory()
    model_admin = admin.site._registry[FraudAlert]
    model_admin.mark_false_positive(_request(analyst), FraudAlert.objects.filter(pk=alert.pk))

    model_admin.confirm_fraud(_request(analyst), FraudAlert.objects.filter(pk=alert.pk))

    alert.refresh_from_db()
    assert alert.state == "false_positive"


def test_alerts_are_read_only_in_the_admin(analyst):
    model_admin = admin.site._registry[FraudAlert]
    request = _request(analyst)

    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert not model_admin.has_add_permission(request)


@pytest.fixture
def otp_client(client):
    staff = StaffUserFactory(is_superuser=True)
    device = TOTPDevice.objects.create(user=staff, name="test", confirmed=True)
    client.force_login(staff)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def test_the_alert_queue_costs_the_same_queries_for_many_alerts(otp_client, django_assert_max_num_queries):
    FraudAlertFactory.create_batch(3)
    otp_client.get("/admin/fraud/fraudalert/")
    FraudAlertFactory.create_batch(20)

    with django_assert_max_num_queries(12):
        response = otp_client.get("/admin/fraud/fraudalert/")

    assert response.status_code == 200
    assert response.content.count(b'name="_selected_action"') == 23


def test_an_override_is_added_through_the_service(otp_client):
    response = otp_client.post(
        "/admin/fraud/fraudruleoverride/add/",
        {"key": "velocity_count_1h", "value": "6", "reason": "card-testing wave"},
    )

    assert response.status_code == 302, response.content[:2000]
    row = FraudRuleOverride.objects.get()
    assert (row.key, row.value, row.active, row.created_by.is_superuser) == ("velocity_count_1h", "6", True, True)


def test_an_invalid_override_is_refused_by_the_form(otp_client):
    response = otp_client.post(
        "/admin/fraud/fraudruleoverride/add/", {"key": "velocity_count_1h", "value": "-1", "reason": "x"}
    )

    assert response.status_code == 200
    assert not FraudRuleOverride.objects.exists()
