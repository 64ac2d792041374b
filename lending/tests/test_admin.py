"""The loan officers' console: the review queue, decisions through admin actions calling the
services (four-eyes enforced there), read-only loans."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice

from accounts.tests.factories import StaffUserFactory
from lending import services
from lending.models import Loan, LoanStatus
from lending.tests.factories import application, funded_portfolio

pytestmark = pytest.mark.django_db


def officer_client(client):
    user = StaffUserFactory(is_superuser=True)
    client.force_login(user)
    device = StaticDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    client.user = user
    return client


def _queued(product, customer):
    return services.loan_apply(
        user=customer,
        data=application(
            product,
            funded_portfolio(customer),
            amount=Decimal("25000.00"),
            term_months=60,
            monthly_income=Decimal("20000"),
        ),
    )


def test_the_review_queue_lists_waiting_applications(client, product, customer, django_assert_max_num_queries):
    loan = _queued(product, customer)
    client = officer_client(client)

    with django_assert_max_num_queries(15):
        response = client.get("/admin/lending/loan/?queue=review")

    assert response.status_code == 200
    assert f">{loan.pk}<" in response.content.decode()
    assert client.get(f"/admin/lending/loan/{loan.pk}/change/").status_code == 200


def test_review_then_approve_by_another_officer_through_actions(client, product, customer):
    loan = _queued(product, customer)
    reviewer = officer_client(client)
    reviewer.post("/admin/lending/loan/", {"action": "record_review", "_selected_action": [loan.pk]})
    loan.refresh_from_db()
    assert loan.reviewed_by == reviewer.user

    # The reviewer cannot also approve above the limit: the service refuses, nothing changes.
    reviewer.post("/admin/lending/loan/", {"action": "approve", "_selected_action": [loan.pk]})
    assert Loan.objects.get(pk=loan.pk).status == LoanStatus.UNDER_REVIEW

    from django.test import Client

    approver = officer_client(Client())
    approver.post(
        "/admin/lending/loan/",
        {
            "action": "counteroffer",
            "_selected_action": [loan.pk],
            "amount": "18000.00",
            "term_months": "60",
            "reasons": "dti_too_high",
        },
    )
    loan.refresh_from_db()
    assert loan.status == LoanStatus.COUNTEROFFERED and loan.offer_amount == Decimal("18000.00")
    assert loan.decided_by == approver.user


def test_loans_are_read_only_in_the_admin(client, product, customer):
    loan = _queued(product, customer)
    client = officer_client(client)
    response = client.post(f"/admin/lending/loan/{loan.pk}/change/", {"status": "approved"})
    assert response.status_code == 403
    assert Loan.objects.get(pk=loan.pk).status == LoanStatus.UNDER_REVIEW
