"""Hostile input: mass assignment, hostile numbers, confusable and control characters, injection
strings and oversized bodies are turned away with a 4xx problem response and write nothing; a
value the API does accept is stored as inert data, exactly as sent."""

from __future__ import annotations

import hashlib

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection

from portfolios.models import Portfolio

pytestmark = [pytest.mark.django_db]

PROJECT_APPS = ("accounts", "portfolios", "trading", "lending", "credit", "compliance", "fraud", "blockguardian")
# Written for every request whatever its outcome (security and fraud records), not by the request's purpose.
BOOKKEEPING = {"fraud.frauddecision", "blockguardian.idempotencykey"}

HOSTILE_DECIMALS = [
    "NaN",
    "sNaN",
    "Infinity",
    "-Infinity",
    "inf",
    "1e309",
    "-1",
    "-0.01",
    "0",
    "9" * 40,
    "1" + "0" * 25 + ".00",
    "0x10",
    "",
    " ",
    True,
    [],
    {},
]
# Python's Decimal reads these (and DRF's DecimalField with it); `blockguardian.money.StrictDecimalField`
# refuses them.
LENIENT_DECIMALS = [
    pytest.param(value, id=label)
    for value, label in [
        ("1E+2", "exponent 1E+2"),
        ("1e-2", "exponent 1e-2"),
        ("１００", "full-width digits"),
        ("١٠٠", "Arabic-Indic digits"),
        ("1_000", "underscores"),
    ]
]

INJECTIONS = [
    "'; DROP TABLE portfolios_portfolio; --",
    '" OR "1"="1',
    "<script>alert(document.cookie)</script>",
    "<img src=x onerror=alert(1)>",
    "{{7*7}}${7*7}",
    "../../../../etc/passwd",
    "\x00",
    "a\x00b",
]

CONFUSABLES = [
    "\u202eevil\u202c",  # right-to-left override
    "Ave\u200bry",  # zero-width space
    "\u0410very",  # Cyrillic A in a Latin name
    "\ufeffAvery",  # byte-order mark
    "Avery\u0007",  # a control character
]


def row_counts() -> dict[str, int]:
    counts = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label in PROJECT_APPS and not model._meta.proxy and label not in BOOKKEEPING:
            counts[label] = model._default_manager.count()
    return counts


def changed(before: dict[str, int]) -> dict[str, tuple[int, int]]:
    after = row_counts()
    return {label: (before[label], after[label]) for label in before if before[label] != after[label]}


def assert_refused(response, before: dict[str, int]) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/problem+json")
    assert changed(before) == {}


@pytest.fixture
def customer(db):
    from trading.tests.factories import verified_customer

    return verified_customer()


@pytest.fixture
def client(customer):
    from rest_framework.test import APIClient

    from accounts.services import token_pair_issue

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_issue(user=customer).access}")
    return api


@pytest.fixture
def portfolio(customer):
    from trading.tests.factories import funded_portfolio

    return funded_portfolio(customer, "10000.00")


@pytest.fixture
def crypto(db):
    import datetime as dt

    from django.utils import timezone

    from portfolios.services import prices_load
    from portfolios.tests.factories import CryptoAssetFactory

    asset = CryptoAssetFactory(symbol="HOST-USD", name="Hostile coin", quantity_places=4)
    at = (timezone.now() - dt.timedelta(minutes=5)).isoformat()
    prices_load(
        records=[{"symbol": asset.symbol, "timestamp": at, "open": "10", "high": "10", "low": "10", "close": "10"}],
        source="test",
        tag="test",
    )
    return asset


# --- mass assignment -----------------------------------------------------------------------------------


def test_read_only_fields_sent_with_a_new_portfolio_are_ignored(client, customer):
    from accounts.tests.factories import UserFactory

    other = UserFactory()
    response = client.post(
        "/api/portfolios",
        {
            "name": "Mine",
            "id": 999999,
            "owner": str(other.pk),
            "owner_id": str(other.pk),
            "user": str(other.pk),
            "status": "closed",
            "closed_at": "2020-01-01T00:00:00Z",
            "created_at": "2000-01-01T00:00:00Z",
            "cash_balance": "1000000.00",
            "balance": "1000000.00",
        },
        format="json",
    )
    assert response.status_code in (201, 400), response.content
    if response.status_code == 201:
        created = Portfolio.objects.get(pk=response.json()["id"])
        assert created.pk != 999999
        assert created.owner_id == customer.pk
        assert created.status != "closed" and created.closed_at is None
        assert created.created_at.year > 2000
        holdings = client.get(f"/api/portfolios/{created.pk}/holdings").json()
        assert "1000000" not in str(holdings)
    assert not Portfolio.objects.filter(owner=other).exists()


def test_read_only_fields_sent_with_an_order_are_ignored(client, portfolio, crypto):
    response = client.post(
        f"/api/portfolios/{portfolio.pk}/transactions",
        {
            "type": "buy",
            "asset": crypto.symbol,
            "quantity": "1",
            "status": "settled",
            "price": "0.01",
            "fee": "-100.00",
            "filled_quantity": "1000",
            "user": "00000000-0000-0000-0000-000000000000",
            "portfolio_id": portfolio.pk + 1,
        },
        format="json",
    )
    assert response.status_code in (201, 400), response.content
    if response.status_code == 201:
        body = response.json()
        assert body["portfolio_id"] == portfolio.pk
        assert body["status"] != "settled"
        assert body["price"] != "0.01000000" and not body["fee"].startswith("-")
        assert body["filled_quantity"] in (None, "1.00000000")


# --- hostile numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE_DECIMALS + LENIENT_DECIMALS, ids=repr)
def test_a_hostile_order_quantity_is_refused(client, portfolio, crypto, value):
    before = row_counts()
    response = client.post(
        f"/api/portfolios/{portfolio.pk}/transactions",
        {"type": "buy", "asset": crypto.symbol, "quantity": value},
        format="json",
    )
    assert_refused(response, before)


@pytest.mark.parametrize("value", [*HOSTILE_DECIMALS, "0.001", *LENIENT_DECIMALS], ids=repr)
def test_a_hostile_buy_notional_is_refused(client, portfolio, crypto, value):
    before = row_counts()
    response = client.post(
        f"/api/portfolios/{portfolio.pk}/transactions",
        {"type": "buy", "asset": crypto.symbol, "notional": value},
        format="json",
    )
    assert_refused(response, before)


@pytest.mark.parametrize("value", [*HOSTILE_DECIMALS, "0.001", "1E+2", "１００", "1_000"], ids=repr)
def test_a_hostile_loan_amount_is_refused(client, value):
    before = row_counts()
    response = client.post(
        "/api/loans/calculate", {"product": "personal", "amount": value, "term_months": 12}, format="json"
    )
    assert_refused(response, before)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 1e309, -1.0, 1e-9], ids=repr)
def test_hostile_json_numbers_are_refused(client, portfolio, crypto, value):
    import json

    before = row_counts()
    body = json.dumps({"type": "buy", "asset": crypto.symbol, "quantity": value})  # NaN, Infinity as bare tokens
    response = client.post(f"/api/portfolios/{portfolio.pk}/transactions", body, content_type="application/json")
    assert_refused(response, before)


# --- text: injection strings, confusables and control characters ----------------------------------------


def _register_email(text: str) -> str:
    """A new address per text: registering an address again answers the same neutral message."""
    return f"new-{hashlib.sha256(text.encode()).hexdigest()[:12]}@example.com"


def _text_endpoints(customer, portfolio):
    return [
        ("post", "/api/portfolios", lambda s: {"name": s}),
        (
            "post",
            "/api/bank-accounts",
            lambda s: {"holder_name": s, "routing_number": "021000021", "account_number": "12345678"},
        ),
        (
            "post",
            "/api/bank-accounts",
            lambda s: {"holder_name": "Avery Jordan", "routing_number": "021000021", "account_number": s},
        ),
        ("post", "/api/wallets", lambda s: {"address": s, "currency": "ETH"}),
        ("put", "/api/auth/profile", lambda s: {"first_name": s, "last_name": "Jordan"}),
        (
            "post",
            "/api/auth/register",
            lambda s: {
                "email": _register_email(s),
                "password": "a-long-enough-pass-123",
                "first_name": s,
                "last_name": "X",
            },
        ),
        ("post", "/api/auth/login", lambda s: {"email": s, "password": s}),
        (
            "post",
            f"/api/portfolios/{portfolio.pk}/transactions",
            lambda s: {"type": "buy", "asset": s, "quantity": "1"},
        ),
        ("post", f"/api/portfolios/{portfolio.pk}/transactions", lambda s: {"type": s, "amount": "10.00"}),
    ]


def _stored_verbatim_or_refused(client, method, path, body, text, before):
    response = getattr(client, method)(path, body, format="json")
    assert response.status_code < 500, (path, response.status_code, response.content[:300])
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/problem+json")
        assert changed(before) == {}
    elif path == "/api/auth/register":
        # Accepted with a neutral message that echoes nothing: the name is stored exactly as sent.
        from accounts.models import User

        assert User.objects.get(email=_register_email(text)).first_name == text
    else:
        # Accepted: stored and rendered as plain data, exactly as sent; nothing was interpreted.
        assert text in response.json().values() or text in str(response.json())
    with connection.cursor() as cursor:  # the tables an injection would target are intact
        cursor.execute("SELECT count(*) FROM portfolios_portfolio")
    return response


@pytest.mark.parametrize("text", INJECTIONS, ids=repr)
def test_injection_strings_in_text_fields_never_reach_a_server_error(client, customer, portfolio, text):
    for method, path, body in _text_endpoints(customer, portfolio):
        before = row_counts()
        response = _stored_verbatim_or_refused(client, method, path, body(text), text, before)
        if "\x00" in text:
            assert 400 <= response.status_code < 500, (path, response.content[:200])


@pytest.mark.parametrize("text", CONFUSABLES, ids=repr)
def test_names_with_direction_overrides_invisible_or_control_characters_are_refused(client, customer, portfolio, text):
    endpoints = _text_endpoints(customer, portfolio)
    names = [endpoints[0], endpoints[4], endpoints[5]]  # portfolio name, profile and registration names
    for method, path, body in names:
        before = row_counts()
        response = getattr(client, method)(path, body(text), format="json")
        assert_refused(response, before)


# --- oversized bodies and uploads ----------------------------------------------------------------------


def test_an_oversized_json_body_is_a_413_and_writes_nothing(client):
    before = row_counts()
    padding = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024)
    response = client.post("/api/portfolios", {"name": "big", "padding": padding}, format="json")
    assert_refused(response, before)
    assert response.status_code in (400, 413)


def test_an_oversized_kyc_document_is_refused_and_writes_nothing(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = row_counts()
    big = SimpleUploadedFile(
        "id.pdf", b"%PDF-1.4\n" + b"0" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024), "application/pdf"
    )
    response = client.post(
        "/api/kyc",
        {
            "legal_first_name": "Avery",
            "legal_last_name": "Jordan",
            "date_of_birth": "1980-01-01",
            "address_line1": "1 Main Street",
            "city": "Springfield",
            "postal_code": "12345",
            "country": "US",
            "citizenship": "US",
            "identifier_type": "ssn",
            "identifier": "123-45-6789",
            "id_document_type": "drivers_license",
            "id_document_number": "D1234567",
            "document": big,
        },
        format="multipart",
    )
    assert_refused(response, before)


def test_a_body_that_is_not_json_is_a_400(client):
    before = row_counts()
    response = client.post("/api/portfolios", b"{'name': ", content_type="application/json")
    assert_refused(response, before)
