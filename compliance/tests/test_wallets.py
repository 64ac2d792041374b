"""Digital currency addresses: exact match on the SDN list's addresses."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from blockguardian.calendar import add_business_days
from compliance.models import DigitalCurrencyAddress, OfacReport, ScreeningReview
from compliance.services import screen_wallet_address, wallet_registration_screen

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(sanctions_list) -> DigitalCurrencyAddress:
    return DigitalCurrencyAddress.objects.select_related("entry").order_by("pk").first()


def test_the_listed_wallet_address_is_detected(listed):
    outcome = screen_wallet_address(address=listed.address, reference="trading.wallet:1", currency="BTC")
    assert outcome.listed
    (hit,) = outcome.hits
    assert hit.entry == listed.entry and hit.band == "confident" and float(hit.score) == 100.0
    assert hit.reasons[0]["code"] == "digital_currency_address"
    assert outcome.review is not None


def test_one_character_off_is_not_a_match(listed):
    other = listed.address[:-1] + ("A" if listed.address[-1] != "A" else "B")
    outcome = screen_wallet_address(address=other, reference="trading.wallet:2")
    assert not outcome.listed and outcome.hits == []
    assert not ScreeningReview.objects.exists()


def test_the_address_is_compared_after_trimming_its_uri_scheme(listed):
    assert screen_wallet_address(address=f" bitcoin:{listed.address}?amount=0.1 ", reference="w:3").listed


def test_registering_a_listed_wallet_produces_a_rejected_transaction_report(listed):
    user = factories.customer()
    with time_machine.travel(dt.datetime(2026, 11, 20, 15, tzinfo=dt.UTC), tick=False):
        outcome = wallet_registration_screen(wallet_id=42, address=listed.address, currency="BTC", user=user)
        again = wallet_registration_screen(wallet_id=42, address=listed.address, currency="BTC", user=user)
    assert outcome.listed and again.listed
    report = OfacReport.objects.get(kind=OfacReport.Kind.REJECTED_TRANSACTION)
    assert report.transaction_reference == "wallet-registration:trading.wallet:42"
    assert report.entry == listed.entry and report.customer == user
    assert report.due_date == add_business_days(dt.date(2026, 11, 20), 10)
    assert report.retention_class == "ofac"


def test_an_unlisted_wallet_registers_without_a_report(listed):
    outcome = wallet_registration_screen(
        wallet_id=43, address="1BoatSLRHtKNngkdXEeobR76b53LETtpyT", user=factories.customer()
    )
    assert not outcome.listed
    assert not OfacReport.objects.exists()


def test_a_listed_address_registered_as_a_wallet_is_refused_for_good_and_reported(
    listed, django_capture_on_commit_callbacks
):
    from rest_framework.test import APIClient

    from accounts.services import token_pair_issue
    from trading.models import SourceStatus, Wallet

    user = factories.customer()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_issue(user=user).access}")
    currency = {"XBT": "BTC"}.get(listed.currency, listed.currency)

    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            "/api/wallets",
            {"address": listed.address, "currency": currency, "verification_method": "test_transfer"},
            format="json",
        )

    assert created.status_code == 201, created.content
    wallet = Wallet.objects.get(pk=created.json()["id"])
    assert wallet.unusable and wallet.status == SourceStatus.REFUSED
    assert client.get(f"/api/wallets/{wallet.pk}").json()["status"] == "refused"
    verify = client.post(f"/api/wallets/{wallet.pk}/verify", {"amount": "0.00001"}, format="json")
    assert 400 <= verify.status_code < 500
    report = OfacReport.objects.get(kind=OfacReport.Kind.REJECTED_TRANSACTION)
    assert report.transaction_reference == f"wallet-registration:trading.wallet:{wallet.pk}"
