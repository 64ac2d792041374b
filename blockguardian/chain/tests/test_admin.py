"""The anchoring back office: read-only lists whose queries do not grow, and the retry action."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice

from accounts.tests.factories import StaffUserFactory
from blockguardian.chain.models import AnchoredRecord
from blockguardian.chain.services import anchor_pending

from .factories import AnchoredRecordFactory

pytestmark = pytest.mark.django_db


def _staff_client(client, *, permissions: tuple[str, ...] = (), **flags):
    user = StaffUserFactory(**flags)
    user.user_permissions.add(*Permission.objects.filter(codename__in=permissions))
    client.force_login(user)
    device = StaticDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.mark.parametrize("path", ["anchoredrecord", "anchorbatch", "chaindeployment"])
def test_the_lists_are_read_only_and_their_queries_do_not_grow(client, path, django_assert_max_num_queries):
    staff = _staff_client(client, is_superuser=True)
    AnchoredRecordFactory.create_batch(3)
    anchor_pending(force=True)
    with django_assert_max_num_queries(20) as few:
        assert staff.get(f"/admin/chain/{path}/").status_code == 200
    AnchoredRecordFactory.create_batch(12)
    anchor_pending(force=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert staff.get(f"/admin/chain/{path}/").status_code == 200
    assert staff.get(f"/admin/chain/{path}/add/").status_code == 403


def test_the_retry_action_puts_failed_records_back_and_they_anchor(client):
    staff = _staff_client(client, is_superuser=True)
    record = AnchoredRecordFactory()
    AnchoredRecord.objects.filter(pk=record.pk).update(status="failed")

    response = staff.post(
        "/admin/chain/anchoredrecord/", {"action": "retry_failed", "_selected_action": [record.pk]}, follow=True
    )

    assert response.status_code == 200
    record.refresh_from_db()
    assert record.status == "pending"
    anchor_pending(force=True)
    record.refresh_from_db()
    assert record.status == "anchored"


def test_staff_without_the_permission_do_not_get_the_retry_action(client):
    staff = _staff_client(client, is_superuser=False, permissions=("view_anchoredrecord",))
    record = AnchoredRecordFactory()
    AnchoredRecord.objects.filter(pk=record.pk).update(status="failed")

    staff.post("/admin/chain/anchoredrecord/", {"action": "retry_failed", "_selected_action": [record.pk]})

    record.refresh_from_db()
    assert record.status == "failed"
