"""django-axes lockout: after 5 failures the next attempt is 429 with Retry-After, even with the right
password, until the lock expires; the admin login is covered too."""

import datetime as dt

import pyotp
import pytest
import time_machine

from accounts.models import SecurityEvent
from accounts.services import mfa_setup_totp

from .factories import DEFAULT_PASSWORD, StaffUserFactory, UserFactory
from .helpers import assert_problem, login

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_after_five_wrong_passwords_the_sixth_attempt_is_429_until_the_lock_expires(api_client, user):
    with time_machine.travel(START, tick=False) as traveller:
        statuses = [login(api_client, user.email, "not-the-password").status_code for _ in range(5)]

        sixth = login(api_client, user.email, DEFAULT_PASSWORD)
        traveller.shift(dt.timedelta(minutes=29))
        still_locked = login(api_client, user.email, DEFAULT_PASSWORD)
        traveller.shift(dt.timedelta(minutes=1, seconds=1))
        unlocked = login(api_client, user.email, DEFAULT_PASSWORD)

    assert statuses[:4] == [401, 401, 401, 401]
    assert statuses[4] == 429  # the fifth failure sets the lock
    assert_problem(sixth, 429, "account_locked")
    assert 1790 <= int(sixth["Retry-After"]) <= 1800
    assert "access" not in sixth.json()
    assert_problem(still_locked, 429, "account_locked")
    assert 1 <= int(still_locked["Retry-After"]) <= 60
    assert unlocked.status_code == 200
    assert unlocked.json()["access"]


def test_the_lock_is_on_the_account_whatever_the_address(api_client, user):
    for _ in range(5):
        login(api_client, user.email, "not-the-password", REMOTE_ADDR="10.0.0.1")

    response = login(api_client, user.email, DEFAULT_PASSWORD, REMOTE_ADDR="10.0.0.2")

    assert_problem(response, 429, "account_locked")


def test_the_login_email_is_matched_whatever_its_case(api_client, user):
    for _ in range(5):
        login(api_client, user.email.upper(), "not-the-password")

    assert login(api_client, user.email, DEFAULT_PASSWORD).status_code == 429


def test_many_failures_from_one_address_lock_that_address(api_client):
    victims = UserFactory.create_batch(5)
    for victim in victims:
        login(api_client, victim.email, "not-the-password", REMOTE_ADDR="10.9.9.9")
    fresh = UserFactory()

    from_that_address = login(api_client, fresh.email, DEFAULT_PASSWORD, REMOTE_ADDR="10.9.9.9")
    from_elsewhere = login(api_client, fresh.email, DEFAULT_PASSWORD, REMOTE_ADDR="10.9.9.10")

    assert_problem(from_that_address, 429, "account_locked")
    assert from_elsewhere.status_code == 200


def test_a_successful_login_clears_earlier_failures(api_client, user):
    for _ in range(4):
        login(api_client, user.email, "not-the-password")
    assert login(api_client, user.email).status_code == 200

    statuses = [login(api_client, user.email, "not-the-password").status_code for _ in range(4)]

    assert statuses == [401] * 4


def test_every_attempt_is_a_security_event(api_client, user):
    for _ in range(5):
        login(api_client, user.email, "not-the-password", HTTP_USER_AGENT="test-agent/1.0")
    login(api_client, user.email)

    failures = SecurityEvent.objects.filter(user=user, kind=SecurityEvent.Kind.LOGIN, outcome="failure")
    lockouts = SecurityEvent.objects.filter(user=user, kind=SecurityEvent.Kind.LOCKOUT)
    assert failures.count() == 4
    assert lockouts.count() == 2
    event = failures.first()
    assert event.ip_address == "127.0.0.1"
    assert event.user_agent == "test-agent/1.0"


def test_a_password_reset_lifts_the_lock(api_client, user):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    for _ in range(5):
        login(api_client, user.email, "not-the-password")
    api_client.post(
        "/api/auth/password/reset/confirm",
        {
            "uid": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
            "new_password": "a-fresh-passphrase-2026",
        },
        format="json",
    )

    assert login(api_client, user.email, "a-fresh-passphrase-2026").status_code == 200


def test_the_admin_login_is_locked_after_five_failures(client):
    staff = StaffUserFactory()
    with time_machine.travel(START, tick=False) as traveller:
        setup = mfa_setup_totp(user=staff)
        setup.device.confirmed = True
        setup.device.save()
        traveller.shift(dt.timedelta(seconds=30))
        for _ in range(5):
            client.post("/admin/login/", {"username": staff.email, "password": "wrong", "otp_token": "000000"})

        response = client.post(
            "/admin/login/",
            {
                "username": staff.email,
                "password": DEFAULT_PASSWORD,
                "otp_device": setup.device.persistent_id,
                "otp_token": pyotp.parse_uri(setup.otpauth_uri).now(),
            },
        )

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 1700
    assert b"Login locked" in response.content


def test_the_admin_login_needs_the_second_factor(client):
    staff = StaffUserFactory(is_superuser=True)
    with time_machine.travel(START, tick=False) as traveller:
        setup = mfa_setup_totp(user=staff)
        setup.device.confirmed = True
        setup.device.save()
        traveller.shift(dt.timedelta(seconds=30))
        client.force_login(staff)
        without_otp = client.get("/admin/")
        client.logout()
        response = client.post(
            "/admin/login/?next=/admin/",
            {
                "username": staff.email,
                "password": DEFAULT_PASSWORD,
                "otp_device": setup.device.persistent_id,
                "otp_token": pyotp.parse_uri(setup.otpauth_uri).now(),
            },
        )
        with_otp = client.get("/admin/")

    assert without_otp.status_code == 302 and "/admin/login/" in without_otp["Location"]
    assert response.status_code == 302
    assert with_otp.status_code == 200
