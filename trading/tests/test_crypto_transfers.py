"""Crypto deposits and withdrawals through a customer's verified wallet, end to end over the API."""

from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.services import token_pair_issue
from fraud.models import StoredDecision
from portfolios.models import JournalEntry, Position, TaxLot
from portfolios.verification import ledger_problems
from trading import services
from trading.models import SourceStatus, Status, Transaction, Wallet, WalletVerification
from trading.tests.factories import funded_portfolio, verified_customer

pytestmark = pytest.mark.django_db


def wallet_of(user, *, status=SourceStatus.VERIFIED, currency="COIN") -> Wallet:
    return Wallet.objects.create(
        user=user,
        address="0x" + "ab" * 20,
        currency=currency,
        verification_method=WalletVerification.SIGNED_MESSAGE,
        challenge="challenge",
        status=status,
        verified_at=timezone.now() if status == SourceStatus.VERIFIED else None,
    )


@pytest.fixture
def api(customer):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_issue(user=customer).access}")
    return client


def post(api, portfolio, type_, wallet, quantity, **headers):
    return api.post(
        f"/api/portfolios/{portfolio.pk}/transactions",
        {"type": type_, "method": "crypto", "wallet_id": wallet.pk, "quantity": quantity},
        format="json",
        **headers,
    )


def test_a_deposit_then_a_withdrawal_round_trip(market_open, api, customer, portfolio, crypto):
    wallet = wallet_of(customer)

    deposit = post(api, portfolio, "deposit", wallet, "0.3")

    assert deposit.status_code == 201, deposit.json()
    body = deposit.json()
    assert (body["status"], body["method"], body["asset"]) == (Status.SETTLED, "crypto", "COIN-USD")
    assert Decimal(body["amount"]) == Decimal("15000.00")  # 0.3 at the last close, 50000
    lot = TaxLot.objects.get(portfolio=portfolio, asset=crypto)
    assert lot.cost == Decimal("15000.00")
    assert Position.objects.get(portfolio=portfolio, asset=crypto).quantity == Decimal("0.3")

    withdrawal = post(api, portfolio, "withdrawal", wallet, "0.2")

    assert withdrawal.status_code == 201, withdrawal.json()
    assert withdrawal.json()["status"] == Status.SETTLED
    position = Position.objects.get(portfolio=portfolio, asset=crypto)
    assert (position.quantity, position.cost_basis) == (Decimal("0.1"), Decimal("5000.00"))
    tx = Transaction.objects.get(pk=withdrawal.json()["id"])
    assert tx.wallet_id == wallet.pk and tx.entry.quantity == Decimal("-0.2")
    assert tx.settlement_date == tx.trade_date
    assert ledger_problems() == []


def test_withdrawing_more_than_held_is_refused_and_only_the_fraud_decision_is_stored(
    market_open, api, customer, portfolio, crypto
):
    wallet = wallet_of(customer)
    assert post(api, portfolio, "deposit", wallet, "0.1").status_code == 201
    entries, transactions = JournalEntry.objects.count(), Transaction.objects.count()
    decisions = StoredDecision.objects.count()

    refused = post(api, portfolio, "withdrawal", wallet, "0.10000001")

    assert refused.status_code == 422
    assert (JournalEntry.objects.count(), Transaction.objects.count()) == (entries, transactions)
    assert StoredDecision.objects.count() == decisions + 1
    assert Position.objects.get(portfolio=portfolio, asset=crypto).quantity == Decimal("0.1")


@pytest.mark.parametrize("state", ["unverified", "marked_unusable"])
def test_an_unverified_or_unusable_wallet_is_refused(market_open, api, customer, portfolio, crypto, state):
    if state == "unverified":
        wallet = wallet_of(customer, status=SourceStatus.PENDING_VERIFICATION)
    else:
        wallet = services.wallet_mark_unusable(wallet_id=wallet_of(customer).pk, reason="listed address")
        assert wallet.unusable

    refused = post(api, portfolio, "deposit", wallet, "0.1")

    assert 400 <= refused.status_code < 500
    assert not Transaction.objects.filter(method="crypto").exists()
    assert not Position.objects.filter(portfolio=portfolio, asset=crypto).exists()


def test_another_customers_wallet_is_not_found(market_open, api, portfolio, crypto):
    other = verified_customer()
    funded_portfolio(other)
    wallet = wallet_of(other)

    assert post(api, portfolio, "deposit", wallet, "0.1").status_code == 404
    assert not Transaction.objects.filter(method="crypto").exists()


def test_a_wallet_of_a_currency_not_held_is_refused(market_open, api, customer, portfolio, crypto):
    wallet = wallet_of(customer, currency="NOPE")

    assert post(api, portfolio, "deposit", wallet, "0.1").status_code == 400
    assert not Transaction.objects.filter(method="crypto").exists()


def test_an_idempotency_key_replays_the_transfer_once(market_open, api, customer, portfolio, crypto):
    wallet = wallet_of(customer)

    first = post(api, portfolio, "deposit", wallet, "0.1", HTTP_IDEMPOTENCY_KEY="crypto-1")
    again = post(api, portfolio, "deposit", wallet, "0.1", HTTP_IDEMPOTENCY_KEY="crypto-1")

    assert first.status_code == 201
    assert again.json()["id"] == first.json()["id"] and again["Idempotent-Replayed"] == "true"
    assert Transaction.objects.filter(method="crypto").count() == 1
    assert Position.objects.get(portfolio=portfolio, asset=crypto).quantity == Decimal("0.1")


def test_a_withdrawal_under_fraud_review_holds_its_quantity_until_released(
    market_open, api, customer, portfolio, crypto, settings
):
    wallet = wallet_of(customer)
    assert post(api, portfolio, "deposit", wallet, "0.5").status_code == 201
    settings.FRAUD_THRESHOLDS = {**settings.FRAUD_THRESHOLDS, "review_score": 0, "block_score": 6000}

    held = post(api, portfolio, "withdrawal", wallet, "0.4")

    assert held.status_code == 201 and held.json()["status"] == Status.PENDING_REVIEW
    position = Position.objects.get(portfolio=portfolio, asset=crypto)
    assert (position.quantity, position.quantity_reserved) == (Decimal("0.5"), Decimal("0.4"))
    assert post(api, portfolio, "withdrawal", wallet, "0.2").status_code == 422
    assert ledger_problems() == []

    tx = services.review_resolve(reference=f"trading.transaction:{held.json()['id']}", outcome="released")

    assert tx.status == Status.SETTLED
    position.refresh_from_db()
    assert (position.quantity, position.quantity_reserved) == (Decimal("0.1"), Decimal("0"))
    assert ledger_problems() == []


def test_cancelling_a_held_withdrawal_releases_exactly_its_quantity(
    market_open, api, customer, portfolio, crypto, settings
):
    wallet = wallet_of(customer)
    assert post(api, portfolio, "deposit", wallet, "0.5").status_code == 201
    settings.FRAUD_THRESHOLDS = {**settings.FRAUD_THRESHOLDS, "review_score": 0, "block_score": 6000}
    held = post(api, portfolio, "withdrawal", wallet, "0.4").json()

    cancelled = api.post(f"/api/portfolios/{portfolio.pk}/transactions/{held['id']}/cancel")

    assert cancelled.status_code == 200 and cancelled.json()["status"] == Status.CANCELLED
    position = Position.objects.get(portfolio=portfolio, asset=crypto)
    assert (position.quantity, position.quantity_reserved) == (Decimal("0.5"), Decimal("0"))
    assert ledger_problems() == []
