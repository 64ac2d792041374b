"""The credit back office: read-only scores, events and rescoring runs with their drift."""

from __future__ import annotations

import datetime as dt

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice

from accounts.tests.factories import StaffUserFactory
from credit.mapping import Application
from credit.services import credit_rescore_all, credit_score_calculate

from .factories import APPLICATION, CreditEventFactory, CreditProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    user = StaffUserFactory(is_superuser=True)
    client.force_login(user)
    device = StaticDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def test_the_score_list_is_read_only_and_its_queries_do_not_grow(
    staff_client, active_model, django_assert_max_num_queries
):
    for _ in range(3):
        profile = CreditProfileFactory()
        credit_score_calculate(user=profile.user, application=Application.from_inputs(APPLICATION))
    with django_assert_max_num_queries(12) as few:
        staff_client.get("/admin/credit/creditscore/")
    for _ in range(7):
        profile = CreditProfileFactory()
        credit_score_calculate(user=profile.user, application=Application.from_inputs(APPLICATION))

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = staff_client.get("/admin/credit/creditscore/")

    assert response.status_code == 200
    assert staff_client.get("/admin/credit/creditscore/add/").status_code == 403


def test_a_score_page_shows_its_reasons_and_points(staff_client, active_model, user):
    score = credit_score_calculate(
        user=user, application=Application.from_inputs({**APPLICATION, "loan_term_months": 60})
    )

    response = staff_client.get(f"/admin/credit/creditscore/{score.pk}/change/")

    html = response.content.decode()
    assert response.status_code == 200
    assert score.reasons[0]["text"] in html
    assert "duration_in_month" in html
    assert 'name="_save"' not in html


def test_the_rescoring_runs_show_their_drift(staff_client, active_model):
    for _ in range(3):
        CreditProfileFactory()
    run = credit_rescore_all(run_date=dt.date(2026, 3, 10))

    listing = staff_client.get("/admin/credit/rescorerun/").content.decode()
    page = staff_client.get(f"/admin/credit/rescorerun/{run.pk}/change/").content.decode()

    assert run.get_drift_display() in listing
    assert f"{run.psi}" in listing
    assert "training" in page and "tonight" in page


def test_events_are_listed_read_only(staff_client):
    event = CreditEventFactory()

    assert event.reference in staff_client.get("/admin/credit/creditevent/").content.decode()
    assert staff_client.get(f"/admin/credit/creditevent/{event.pk}/delete/").status_code == 403
