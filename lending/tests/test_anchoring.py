"""Loan decisions anchored on chain: the anchoring status in the API, `GET /api/loans/{id}/verify`,
and tampering caught."""

from __future__ import annotations

import pytest
from django.db import connection

from blockguardian.chain.services import anchor_pending
from blockguardian.chain.signals import anchor_mismatch
from blockguardian.chain.testing import chain_state_reset
from lending.services import loan_apply

from .factories import application, funded_portfolio, verified_customer
from .test_api import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _chain_state(settings):
    settings.CHAIN_UNAVAILABLE_COOLDOWN_SECONDS = 0
    chain_state_reset()
    yield
    chain_state_reset()


@pytest.fixture
def decided(product, active_scorecard):
    customer = verified_customer()
    loan = loan_apply(user=customer, data=application(product, funded_portfolio(customer)))
    assert loan.decided_at is not None, loan.status
    return customer, loan


def test_a_decided_loan_verifies_once_anchored(decided):
    customer, loan = decided
    client = client_for(customer)
    assert client.get(f"/api/loans/{loan.pk}").json()["anchoring"]["anchor_status"] == "pending"
    assert anchor_pending(force=True).status == "ok"

    response = client.get(f"/api/loans/{loan.pk}/verify")

    assert response.status_code == 200
    assert response.json()["verification"] == "verified"
    assert client.get(f"/api/loans/{loan.pk}").json()["anchoring"]["anchor_status"] == "anchored"


def test_a_decision_changed_in_the_database_after_anchoring_is_a_mismatch_and_signalled(decided):
    customer, loan = decided
    anchor_pending(force=True)
    received = []

    def listener(sender, **kwargs):
        received.append(kwargs["kind"])

    anchor_mismatch.connect(listener)
    try:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE lending_loan SET score = score + 50 WHERE id = %s", [loan.pk])
        response = client_for(customer).get(f"/api/loans/{loan.pk}/verify")
    finally:
        anchor_mismatch.disconnect(listener)

    assert response.json()["verification"] == "mismatch"
    assert received == ["loan_decision"]


def test_another_customers_loan_cannot_be_verified(decided):
    _, loan = decided

    assert client_for(verified_customer()).get(f"/api/loans/{loan.pk}/verify").status_code == 404


def test_with_the_chain_at_a_closed_port_the_loan_endpoints_answer_as_before(product, active_scorecard, settings):
    from blockguardian.chain.testing import closed_port_uri

    settings.WEB3_PROVIDER_URI = closed_port_uri()
    settings.CHAIN_SIGNER_KEY = "0x" + "00" * 31 + "01"
    customer = verified_customer()
    client = client_for(customer)
    portfolio = funded_portfolio(customer)

    applied = client.post(
        "/api/loans/apply",
        {
            "product": product.code,
            "amount": "6000.00",
            "term_months": 12,
            "purpose": "furniture",
            "monthly_income": "6000.00",
            "monthly_debts": "500.00",
            "mla_covered_borrower": False,
            "portfolio_id": portfolio.pk,
        },
        format="json",
    )
    assert applied.status_code == 201, applied.content
    loan_id = applied.json()["id"]

    assert client.get(f"/api/loans/{loan_id}").status_code == 200
    assert client.get("/api/loans").status_code == 200
    assert client.get(f"/api/loans/{loan_id}/schedule").status_code == 200
    verify = client.get(f"/api/loans/{loan_id}/verify")
    assert verify.status_code == 200 and verify.json()["verification"] in {"pending", "unavailable"}
    assert anchor_pending(force=True).status == "unavailable"


def test_the_demo_data_decides_a_loan_for_the_demo_customer_once_and_it_verifies():
    from accounts.demo import DEMO_CUSTOMER_EMAIL, load_demo_users
    from blockguardian.chain.demo import load_demo_chain
    from credit.demo import load_default_model
    from lending.demo import load_demo_lending
    from lending.models import Loan
    from lending.selectors import loan_decision_verify
    from portfolios.services import portfolio_create

    load_demo_users()
    load_default_model()
    from django.contrib.auth import get_user_model

    portfolio_create(owner=get_user_model().objects.get(email=DEMO_CUSTOMER_EMAIL), name="Demo")
    load_demo_lending()
    load_demo_lending()
    load_demo_chain()

    (loan,) = Loan.objects.filter(user__email=DEMO_CUSTOMER_EMAIL)
    assert loan.decided_at is not None
    assert loan_decision_verify(loan=loan) == "verified"


def test_the_loan_list_looks_up_anchoring_for_the_whole_page_at_once(product, active_scorecard):
    from django.test.utils import CaptureQueriesContext

    from lending.models import Loan
    from lending.selectors import loan_decision_anchoring, loan_decision_anchoring_map

    for _ in range(3):
        customer = verified_customer()
        loan_apply(user=customer, data=application(product, funded_portfolio(customer)))
    anchor_pending(force=True)
    loans = list(Loan.objects.order_by("pk"))

    with CaptureQueriesContext(connection) as queries:
        statuses = loan_decision_anchoring_map(loans=loans)

    assert len(queries) == 2
    assert statuses == {loan.pk: loan_decision_anchoring(loan=loan) for loan in loans}
    assert {status.anchor_status for status in statuses.values()} == {"anchored"}


def test_the_loan_list_shows_the_same_anchoring_as_the_loan(decided):
    customer, loan = decided
    client = client_for(customer)

    listed = client.get("/api/loans").json()["results"]

    assert [row["anchoring"] for row in listed] == [client.get(f"/api/loans/{loan.pk}").json()["anchoring"]]
