"""The customer API and the staff cash endpoint."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from accounts.services import token_pair_issue
from accounts.tests.factories import StaffUserFactory
from portfolios import selectors as ledger_selectors
from trading.models import LinkedBankAccount, Status, Transaction
from trading.tests.factories import ROUTING, funded_portfolio, load_bar, ny, verified_bank_account, verified_customer

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_issue(user=user).access}")
    return client


@pytest.fixture
def api(customer):
    return client_for(customer)


def test_a_customer_places_a_buy_and_reads_it_back(market_open, api, portfolio, stock):
    url = f"/api/portfolios/{portfolio.pk}/transactions"
    response = api.post(url, {"type": "buy", "asset": "acme", "quantity": "3"}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "filled" and body["amount"] == "300.00" and body["price"] == "100.00000000"
    listed = api.get(url, {"type": "buy", "status": "filled", "asset": "ACME"}).json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    assert api.get(f"{url}/{body['id']}").json()["settlement_date"] == "2026-03-05"


def test_another_customers_portfolio_and_transactions_are_404(market_open, api, stock):
    other = verified_customer()
    theirs = funded_portfolio(other, "1000.00")
    tx = (
        client_for(other)
        .post(
            f"/api/portfolios/{theirs.pk}/transactions",
            {"type": "buy", "asset": "ACME", "quantity": "1"},
            format="json",
        )
        .json()
    )

    assert api.get(f"/api/portfolios/{theirs.pk}/transactions").status_code == 404
    assert api.get(f"/api/portfolios/{theirs.pk}/transactions/{tx['id']}").status_code == 404
    response = api.post(f"/api/portfolios/{theirs.pk}/transactions/{tx['id']}/cancel")
    assert response.status_code == 404 and response.json()["code"] == "portfolio_not_found"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"type": "dividend", "amount": "10.00"}, "transaction_type_not_allowed"),
        ({"type": "fee", "amount": "10.00"}, "transaction_type_not_allowed"),
        ({"type": "deposit", "method": "cash", "amount": "10.00"}, "transaction_type_not_allowed"),
    ],
)
def test_customer_posts_of_dividends_fees_and_cash_deposits_are_refused(api, portfolio, body, code):
    response = api.post(f"/api/portfolios/{portfolio.pk}/transactions", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == code and response["Content-Type"].startswith("application/problem+json")
    assert not Transaction.objects.exists()


def test_cancel_through_the_api_and_409_on_a_filled_order(market_open, api, portfolio, stock):
    url = f"/api/portfolios/{portfolio.pk}/transactions"
    limit = api.post(
        url,
        {"type": "buy", "asset": "ACME", "quantity": "2", "order_type": "limit", "limit_price": "50"},
        format="json",
    ).json()
    filled = api.post(url, {"type": "buy", "asset": "ACME", "quantity": "2"}, format="json").json()

    cancelled = api.post(f"{url}/{limit['id']}/cancel")
    conflict = api.post(f"{url}/{filled['id']}/cancel")

    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert conflict.status_code == 409 and conflict.json()["code"] == "transaction_state"
    assert ledger_selectors.cash_balances(portfolio=portfolio).reserved == 0


def test_bad_orders_are_4xx_problems(market_open, api, portfolio, stock):
    url = f"/api/portfolios/{portfolio.pk}/transactions"
    cases = [
        {"type": "buy", "asset": "ACME", "quantity": "1.5"},
        {"type": "buy", "asset": "ACME", "quantity": "-1"},
        {"type": "buy", "asset": "NOPE", "quantity": "1"},
        {"type": "buy", "asset": "ACME"},
        {"type": "buy", "asset": "ACME", "quantity": "1", "order_type": "limit"},
        {"type": "sell", "asset": "ACME", "quantity": "1"},
        {"type": "buy", "asset": "ACME", "quantity": "1000"},
        {"type": "buy", "asset": "ACME", "quantity": "99999999999999999999"},
        {"type": "buy", "asset": "ACME", "quantity": "1", "time_in_force": "ioc"},
        {"type": "bogus"},
        {"type": "withdrawal", "method": "ach", "amount": "10.00"},
        {"type": "deposit", "method": "crypto", "amount": "10.00"},
    ]
    for body in cases:
        response = api.post(url, body, format="json")
        assert 400 <= response.status_code < 500, (body, response.status_code)
        assert response.json()["code"], body
    assert not Transaction.objects.exists()


def test_an_unverified_customer_cannot_trade(market_open, portfolio, stock):
    from accounts.tests.factories import UserFactory

    stranger = UserFactory()
    mine = funded_portfolio(stranger, "1000.00")
    response = client_for(stranger).post(
        f"/api/portfolios/{mine.pk}/transactions", {"type": "buy", "asset": "ACME", "quantity": "1"}, format="json"
    )
    assert response.status_code == 403 and response.json()["code"] == "kyc_required"


def test_idempotency_key_replays_the_first_response(market_open, api, portfolio, stock):
    url = f"/api/portfolios/{portfolio.pk}/transactions"
    first = api.post(url, {"type": "buy", "asset": "ACME", "quantity": "1"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = api.post(url, {"type": "buy", "asset": "ACME", "quantity": "1"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    other = api.post(url, {"type": "buy", "asset": "ACME", "quantity": "2"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.json()["id"] == again.json()["id"] and again["Idempotent-Replayed"] == "true"
    assert other.status_code == 422
    assert Transaction.objects.count() == 1


def test_link_and_verify_a_bank_account(api, customer):
    response = api.post(
        "/api/bank-accounts",
        {"holder_name": "Avery Jordan", "routing_number": ROUTING, "account_number": "12345678"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending_verification" and body["account_last4"] == "5678"
    assert "12345678" not in str(body)
    account = LinkedBankAccount.objects.get(pk=body["id"])
    assert "12345678" not in account.account_number_encrypted

    wrong = api.post(f"/api/bank-accounts/{account.pk}/verify", {"amounts": ["1.00", "0.00"]}, format="json")
    assert wrong.status_code == 422
    right = api.post(
        f"/api/bank-accounts/{account.pk}/verify",
        {"amounts": [str(account.micro_deposit_2), str(account.micro_deposit_1)]},
        format="json",
    )
    assert right.status_code == 200 and right.json()["status"] == "verified"
    bad = api.post(
        "/api/bank-accounts",
        {"holder_name": "A", "routing_number": "123456789", "account_number": "12345678"},
        format="json",
    )
    assert bad.status_code == 400 and "routing_number" in bad.json()["errors"]


def test_a_new_bank_account_is_screened_and_scored(customer):
    from blockguardian.models import OutboxTask
    from fraud.models import StoredDecision

    account = verified_bank_account(customer)
    task = OutboxTask.objects.get(task_name="compliance.screen_party")
    assert task.kwargs == {
        "kind": "bank_account_holder",
        "reference": f"trading.linkedbankaccount:{account.pk}",
        "name": "Avery Jordan",
        "user_id": str(customer.pk),
    }
    assert StoredDecision.objects.filter(customer=customer, event_type="new_funding_source").count() == 1
    assert OutboxTask.objects.filter(task_name="fraud.record_movement").count() == 1


def test_register_and_verify_a_wallet_by_signature(api, customer):
    from eth_account import Account
    from eth_account.messages import encode_defunct

    key = Account.create()
    response = api.post("/api/wallets", {"address": key.address, "currency": "ETH"}, format="json")
    assert response.status_code == 201
    wallet = response.json()
    forged = Account.create().sign_message(encode_defunct(text=wallet["challenge"])).signature.hex()
    assert api.post(f"/api/wallets/{wallet['id']}/verify", {"signature": forged}, format="json").status_code == 422
    signature = key.sign_message(encode_defunct(text=wallet["challenge"])).signature.hex()
    verified = api.post(f"/api/wallets/{wallet['id']}/verify", {"signature": signature}, format="json")
    assert verified.status_code == 200 and verified.json()["status"] == "verified"


def test_operations_record_branch_cash_and_customers_cannot(api, portfolio, settings):
    clerk = StaffUserFactory()
    clerk.groups.add(Group.objects.get(name="operations"))
    body = {
        "portfolio_id": portfolio.pk,
        "direction": "in",
        "amount": "4000.00",
        "branch": "Main St",
        "conductor": {
            "name": "Avery Jordan",
            "date_of_birth": "1980-05-17",
            "address": "350 Fifth Avenue, New York",
            "id_type": "drivers_license",
            "id_number": "D98765432",
            "identity_verified": True,
        },
    }
    assert api.post("/api/staff/cash-transactions", body, format="json").status_code == 403
    settings.ADMIN_REQUIRE_OTP = True
    assert client_for(clerk).post("/api/staff/cash-transactions", body, format="json").status_code == 403
    with_otp = APIClient()
    with_otp.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_issue(user=clerk, amr=('pwd', 'otp')).access}")
    response = with_otp.post("/api/staff/cash-transactions", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["method"] == "cash" and response.json()["status"] == "settled"
    unverified = {**body, "conductor": {**body["conductor"], "identity_verified": False}}
    assert with_otp.post("/api/staff/cash-transactions", unverified, format="json").status_code == 400


def test_confirmation_json_and_pdf(market_open, api, portfolio, stock):
    url = f"/api/portfolios/{portfolio.pk}/transactions"
    tx = api.post(url, {"type": "buy", "asset": "ACME", "quantity": "3"}, format="json").json()
    confirmation = api.get(f"{url}/{tx['id']}/confirmation").json()
    assert confirmation["net_amount"] == "300.00" and confirmation["settlement_date"] == "2026-03-05"
    pdf = api.get(f"{url}/{tx['id']}/confirmation", {"format": "pdf"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_a_monthly_statement(customer, stock):
    with time_machine.travel(ny(2026, 2, 20, 10), tick=False):
        portfolio = funded_portfolio(customer, "1000.00")
    with time_machine.travel(ny(2026, 3, 4, 11), tick=False):
        client_for(customer).post(
            f"/api/portfolios/{portfolio.pk}/transactions",
            {"type": "buy", "asset": "ACME", "quantity": "2"},
            format="json",
        )
    with time_machine.travel(ny(2026, 3, 31, 17), tick=False):
        load_bar(stock, dt.date(2026, 3, 31), open_="110", close="110")
    with time_machine.travel(ny(2026, 4, 2, 10), tick=False):
        api = client_for(customer)
        statement = api.get(f"/api/portfolios/{portfolio.pk}/statements", {"month": "2026-03"}).json()
        pdf = api.get(f"/api/portfolios/{portfolio.pk}/statements", {"month": "2026-03", "format": "pdf"})
        bad = api.get(f"/api/portfolios/{portfolio.pk}/statements", {"month": "2026-13"})
        assert api.get(f"/api/portfolios/{portfolio.pk}/statements", {"month": "0000-01"}).status_code == 400
        far = {"date_from": "0001-01-01", "date_to": "9999-12-31"}
        assert api.get(f"/api/portfolios/{portfolio.pk}/transactions", far).json()["count"] == 1
    assert statement["opening_cash"] == "1000.00" and statement["closing_cash"] == "800.00"
    assert statement["holdings"] == [
        {"symbol": "ACME", "quantity": "2.00000000", "price": "110.00000000", "market_value": "220.00"}
    ]
    assert statement["closing_total"] == "1020.00" and len(statement["activity"]) == 1
    assert pdf.content.startswith(b"%PDF") and bad.status_code == 400


def test_the_pending_review_message_reveals_nothing(market_open, api, portfolio, stock, settings):
    settings.FRAUD_THRESHOLDS = {**settings.FRAUD_THRESHOLDS, "review_score": 0, "block_score": 6000}
    response = api.post(
        f"/api/portfolios/{portfolio.pk}/transactions", {"type": "buy", "asset": "ACME", "quantity": "1"}, format="json"
    )
    assert response.status_code == 201 and response.json()["status"] == Status.PENDING_REVIEW
    assert "review" in response.json()["message"] and "score" not in response.json()["message"]
