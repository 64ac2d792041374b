"""django-ratelimit on the authentication endpoints, per address and per account: 429 problem details
with Retry-After; the limits are settings; the counts live in Redis when it is configured."""

import pytest
from django.conf import settings as django_settings

from accounts.services import token_pair_issue

from .factories import UserFactory
from .helpers import assert_problem, login

pytestmark = pytest.mark.django_db


def _limit(settings, scope, *, ip="1000/h", account="1000/h"):
    # Hourly rates: django-ratelimit counts in fixed windows, and a window ending between two of a
    # test's requests would reset the count; an hour makes that boundary all but impossible.
    settings.ACCOUNTS_RATE_LIMITS = {
        **django_settings.ACCOUNTS_RATE_LIMITS,
        scope: {"ip": ip, "account": account},
    }


def test_login_is_limited_per_account(api_client, settings, user):
    _limit(settings, "login", account="3/h")

    statuses = [login(api_client, user.email, REMOTE_ADDR=f"10.1.0.{i}").status_code for i in range(4)]
    other_account = login(api_client, UserFactory().email)

    assert statuses == [200, 200, 200, 429]
    assert other_account.status_code == 200


def test_login_is_limited_per_address(api_client, settings):
    _limit(settings, "login", ip="2/h")
    users = UserFactory.create_batch(3)

    responses = [login(api_client, u.email, REMOTE_ADDR="10.2.0.1") for u in users]
    elsewhere = login(api_client, users[2].email, REMOTE_ADDR="10.2.0.2")

    assert [r.status_code for r in responses] == [200, 200, 429]
    body = assert_problem(responses[2], 429, "rate_limited")
    assert body["detail"]
    assert 1 <= int(responses[2]["Retry-After"]) <= 3600
    assert elsewhere.status_code == 200


@pytest.mark.parametrize(
    ("scope", "path", "body"),
    [
        (
            "register",
            "/api/auth/register",
            {"email": "new@example.com", "password": "x", "first_name": "A", "last_name": "B"},
        ),
        ("password_reset", "/api/auth/password/reset", {"email": "someone@example.com"}),
        ("password_reset", "/api/auth/password/reset/confirm", {"uid": "x", "token": "y", "new_password": "z"}),
        ("verify_mfa", "/api/auth/verify-mfa", {"challenge_token": "t", "code": "123456"}),
        ("mfa_resend", "/api/auth/mfa/resend", {"challenge_token": "t"}),
        ("refresh", "/api/auth/refresh", {"refresh": "not-a-token"}),
    ],
)
def test_each_authentication_endpoint_is_limited_per_address(api_client, settings, scope, path, body):
    _limit(settings, scope, ip="2/h")

    responses = [api_client.post(path, body, format="json") for _ in range(3)]

    assert all(r.status_code != 429 for r in responses[:2])
    assert_problem(responses[2], 429, "rate_limited")
    assert int(responses[2]["Retry-After"]) >= 1


def test_register_is_limited_per_account_across_addresses(api_client, settings):
    _limit(settings, "register", account="2/h")
    body = {"email": "dup@example.com", "password": "a-long-enough-passphrase-1", "first_name": "A", "last_name": "B"}

    statuses = [
        api_client.post("/api/auth/register", body, format="json", REMOTE_ADDR=f"10.3.0.{i}").status_code
        for i in range(3)
    ]

    assert statuses == [202, 202, 429]


def test_refresh_is_limited_per_account(api_client, settings, user):
    _limit(settings, "refresh", account="2/h")
    pair = token_pair_issue(user=user)

    first = api_client.post("/api/auth/refresh", {"refresh": pair.refresh}, format="json", REMOTE_ADDR="10.4.0.1")
    second = api_client.post(
        "/api/auth/refresh", {"refresh": first.json()["refresh"]}, format="json", REMOTE_ADDR="10.4.0.2"
    )
    third = api_client.post(
        "/api/auth/refresh", {"refresh": second.json()["refresh"]}, format="json", REMOTE_ADDR="10.4.0.3"
    )

    assert (first.status_code, second.status_code) == (200, 200)
    assert_problem(third, 429, "rate_limited")


def test_rate_limits_can_be_switched_off(api_client, settings, user):
    _limit(settings, "login", ip="1/h", account="1/h")
    settings.RATELIMIT_ENABLE = False

    assert [login(api_client, user.email).status_code for _ in range(3)] == [200, 200, 200]


@pytest.mark.redis
def test_rate_limit_counts_are_kept_in_redis(api_client, user):
    import redis

    client = redis.Redis.from_url(django_settings.CACHES["default"]["LOCATION"])
    prefix = django_settings.CACHES["default"]["KEY_PREFIX"]

    login(api_client, user.email)

    assert client.keys(f"{prefix}:*rl:*")
