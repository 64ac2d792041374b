"""The lending API: the paths of the issue, problem details on every refusal, nothing changed by a
refused request, another customer's loan is 404, Idempotency-Key on money-moving POSTs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.models import Restriction
from accounts.services import restriction_set, token_pair_issue
from accounts.tests.factories import UserFactory
from lending import services
from lending.models import Loan, LoanStatus, Repayment
from lending.tests.factories import application, funded_portfolio, verified_customer
from portfolios.selectors import cash_balances
from portfolios.verification import ledger_problems

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_issue(user=user).access}")
    return client


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["status"] == status and body["code"] == code and body["title"]
    return body


def apply_body(product, portfolio, **overrides) -> dict:
    body = {
        "product": product.code,
        "amount": "6000.00",
        "term_months": 12,
        "purpose": "furniture",
        "monthly_income": "6000.00",
        "monthly_debts": "500.00",
        "mla_covered_borrower": False,
        "portfolio_id": portfolio.pk,
        "employment_status": "employed",
        "housing": "own",
    }
    body.update(overrides)
    return body


def active_loan(product, customer, cash: str = "0"):
    portfolio = funded_portfolio(customer, cash)
    loan = services.loan_apply(user=customer, data=application(product, portfolio))
    disclosure = services.loan_disclosure_current(loan=loan)
    services.loan_accept(loan=loan, user=customer, disclosure_id=disclosure.pk)
    return services.loan_disburse(loan=loan), portfolio


def test_calculate_returns_terms_and_schedule(product, customer):
    response = client_for(customer).post(
        "/api/loans/calculate", {"product": product.code, "amount": "1200.00", "term_months": 12}, format="json"
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["rate_basis"] == "highest_rate" and body["annual_rate_percent"] == "24.99"
    assert len(body["schedule"]) == 12
    assert sum(Decimal(r["principal"]) for r in body["schedule"]) == Decimal("1200.00")
    assert Decimal(body["amount_financed"]) == Decimal("1176.00")  # 2 % origination fee
    assert Decimal(body["finance_charge"]) == Decimal(body["total_of_payments"]) - Decimal("1176.00")
    assert Decimal(body["apr"]) > Decimal("24.99")  # the fee is a finance charge


def test_calculate_out_of_range_is_a_problem(product, customer):
    response = client_for(customer).post(
        "/api/loans/calculate", {"product": product.code, "amount": "100.00", "term_months": 12}, format="json"
    )
    body = assert_problem(response, 400, "loan_invalid_terms")
    assert "amount" in body["errors"]


def test_apply_then_read_schedule_and_disclosure(product, customer):
    portfolio = funded_portfolio(customer)
    client = client_for(customer)

    response = client.post("/api/loans/apply", apply_body(product, portfolio), format="json")

    assert response.status_code == 201, response.content
    loan = response.json()
    assert loan["status"] == "approved" and loan["offer"]["amount"] == "6000.00"
    assert client.get("/api/loans").json()["results"][0]["id"] == loan["id"]
    disclosure = client.get(f"/api/loans/{loan['id']}/disclosure").json()
    content = disclosure["content"]
    assert content["amount_financed"] == "5880.00" and len(content["payment_schedule"]) == 12
    assert Decimal(content["total_of_payments"]) == Decimal(content["amount_financed"]) + Decimal(
        content["finance_charge"]
    )

    accepted = client.post(f"/api/loans/{loan['id']}/accept", {"disclosure_id": disclosure["id"]}, format="json")

    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "active" and accepted.json()["disbursement"] == "disbursed"
    schedule = client.get(f"/api/loans/{loan['id']}/schedule").json()
    assert len(schedule["installments"]) == 12 and Decimal(schedule["payoff_amount"]) > Decimal("6000.00")
    assert cash_balances(portfolio=portfolio).available == Decimal("5880.00")
    assert ledger_problems() == []


def test_accepting_twice_is_409_and_changes_nothing(product, customer):
    portfolio = funded_portfolio(customer)
    loan = services.loan_apply(user=customer, data=application(product, portfolio))
    disclosure = services.loan_disclosure_current(loan=loan)
    client = client_for(customer)
    assert (
        client.post(f"/api/loans/{loan.pk}/accept", {"disclosure_id": disclosure.pk}, format="json").status_code == 200
    )

    again = client.post(f"/api/loans/{loan.pk}/accept", {"disclosure_id": disclosure.pk}, format="json")

    assert_problem(again, 409, "loan_state_conflict")
    assert cash_balances(portfolio=portfolio).available == Decimal("5880.00")


def test_accepting_a_stale_disclosure_is_409(product, customer):
    portfolio = funded_portfolio(customer)
    loan = services.loan_apply(user=customer, data=application(product, portfolio))

    response = client_for(customer).post(f"/api/loans/{loan.pk}/accept", {"disclosure_id": 999999}, format="json")

    assert_problem(response, 409, "loan_disclosure_not_current")
    assert Loan.objects.get(pk=loan.pk).status == LoanStatus.APPROVED


def test_applying_without_verified_identity_is_403_and_stores_nothing(product):
    user = UserFactory()
    portfolio = funded_portfolio(user)

    response = client_for(user).post("/api/loans/apply", apply_body(product, portfolio), format="json")

    assert_problem(response, 403, "kyc_not_verified")
    assert not Loan.objects.filter(user=user).exists()


def test_applying_while_restricted_is_403_and_stores_nothing(product, customer):
    portfolio = funded_portfolio(customer)
    restriction_set(user=customer, state=Restriction.REVIEW, reason="screening", acting_user=None)

    response = client_for(customer).post("/api/loans/apply", apply_body(product, portfolio), format="json")

    body = assert_problem(response, 403, "account_restricted")
    assert "screening" not in str(body)
    assert not Loan.objects.filter(user=customer).exists()


def test_repaying_more_than_owed_is_422_and_changes_nothing(product, customer):
    loan, portfolio = active_loan(product, customer, cash="20000.00")
    cash_before = cash_balances(portfolio=portfolio).available
    payoff = services.payoff_amount(loan=loan)

    response = client_for(customer).post(
        f"/api/loans/{loan.pk}/repay",
        {"amount": str(payoff + Decimal("0.01")), "portfolio_id": portfolio.pk},
        format="json",
    )

    assert_problem(response, 422, "loan_overpayment")
    loan.refresh_from_db()
    assert loan.principal_balance == Decimal("6000.00") and not Repayment.objects.filter(loan=loan).exists()
    assert cash_balances(portfolio=portfolio).available == cash_before


def test_repaying_without_funds_is_422_and_changes_nothing(product, customer):
    loan, _ = active_loan(product, customer)
    empty = funded_portfolio(customer)

    response = client_for(customer).post(
        f"/api/loans/{loan.pk}/repay", {"amount": "100.00", "portfolio_id": empty.pk}, format="json"
    )

    assert_problem(response, 422, "insufficient_funds")
    loan.refresh_from_db()
    assert loan.principal_balance == Decimal("6000.00") and not Repayment.objects.filter(loan=loan).exists()
    assert not loan.installments.filter(interest_paid__gt=0).exists()
    assert ledger_problems() == []


def test_repay_with_idempotency_key_moves_money_once(product, customer):
    loan, portfolio = active_loan(product, customer)
    client = client_for(customer)
    body = {"amount": "100.00", "portfolio_id": portfolio.pk}

    first = client.post(f"/api/loans/{loan.pk}/repay", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = client.post(f"/api/loans/{loan.pk}/repay", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == 201 and second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true" and second.json() == first.json()
    assert Repayment.objects.filter(loan=loan).count() == 1
    assert cash_balances(portfolio=portfolio).available == Decimal("5780.00")


def test_another_customers_loan_is_404_everywhere(product, customer):
    loan, portfolio = active_loan(product, customer)
    other = client_for(verified_customer())

    for path in ("", "/schedule", "/disclosure", "/adverse-action-notice"):
        assert_problem(other.get(f"/api/loans/{loan.pk}{path}"), 404, "loan_not_found")
    for path, body in (
        ("/repay", {"amount": "1.00", "portfolio_id": portfolio.pk}),
        ("/cancel", {}),
        ("/accept", {"disclosure_id": 1}),
    ):
        assert_problem(other.post(f"/api/loans/{loan.pk}{path}", body, format="json"), 404, "loan_not_found")


def test_cancel_before_disbursement_then_not_again(product, customer):
    portfolio = funded_portfolio(customer)
    loan = services.loan_apply(user=customer, data=application(product, portfolio))
    client = client_for(customer)

    assert client.post(f"/api/loans/{loan.pk}/cancel").json()["status"] == "cancelled"
    assert_problem(client.post(f"/api/loans/{loan.pk}/cancel"), 409, "loan_state_conflict")


def test_cancel_after_disbursement_is_409(product, customer):
    loan, _ = active_loan(product, customer)
    assert_problem(client_for(customer).post(f"/api/loans/{loan.pk}/cancel"), 409, "loan_state_conflict")


def test_adverse_action_notice_is_404_for_an_approved_loan(product, customer):
    portfolio = funded_portfolio(customer)
    loan = services.loan_apply(user=customer, data=application(product, portfolio))
    assert_problem(
        client_for(customer).get(f"/api/loans/{loan.pk}/adverse-action-notice"), 404, "adverse_action_notice_not_found"
    )


def test_apply_with_bad_input_is_400(product, customer):
    portfolio = funded_portfolio(customer)
    response = client_for(customer).post(
        "/api/loans/apply", apply_body(product, portfolio, amount="abc", purpose="yacht"), format="json"
    )
    body = assert_problem(response, 400, "validation_error")
    assert {"amount", "purpose"} <= set(body["errors"])


def test_out_of_range_ids_are_problems_not_errors(product, customer):
    client = client_for(customer)
    assert_problem(client.get(f"/api/loans/{2**64}"), 404, "loan_not_found")
    body = apply_body(product, funded_portfolio(customer), portfolio_id=2**64)
    assert_problem(client.post("/api/loans/apply", body, format="json"), 400, "validation_error")
