"""Registration with email verification, password policy, password reset."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail

from accounts.models import CustomerProfile, SecurityEvent, User
from accounts.services import token_pair_issue

from .factories import DEFAULT_PASSWORD, UserFactory
from .helpers import assert_problem, bearer, login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("commit_per_request")]


GOOD_PASSWORD = "a-sturdy-passphrase-2026"


def _register(api_client, email="new.customer@example.com", password=GOOD_PASSWORD):
    return api_client.post(
        "/api/auth/register",
        {"email": email, "password": password, "first_name": "New", "last_name": "Customer"},
        format="json",
    )


def _link_param(body: str, name: str) -> str:
    return re.search(rf"[?&]{name}=([^&\s]+)", body).group(1)


def test_registration_creates_an_unverified_customer_and_emails_a_link(api_client):
    response = _register(api_client)

    assert response.status_code == 202
    user = User.objects.get(email="new.customer@example.com")
    assert user.email_verified is False
    assert user.groups.filter(name="customer").exists()
    assert CustomerProfile.objects.filter(user=user).exists()
    assert len(mail.outbox) == 1 and "verify-email?token=" in mail.outbox[0].body


def test_login_needs_a_verified_email_and_the_link_verifies_it(api_client):
    _register(api_client)
    token = _link_param(mail.outbox[0].body, "token")

    before = login(api_client, "new.customer@example.com", GOOD_PASSWORD)
    verified = api_client.post("/api/auth/verify-email", {"token": token}, format="json")
    after = login(api_client, "new.customer@example.com", GOOD_PASSWORD)

    assert_problem(before, 403, "email_not_verified")
    assert verified.status_code == 200
    assert after.status_code == 200


def test_a_tampered_or_expired_verification_link_is_refused(api_client):
    with time_machine.travel(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), tick=False):
        _register(api_client)
        token = _link_param(mail.outbox[0].body, "token")
    tampered = api_client.post("/api/auth/verify-email", {"token": token[:-2] + "xx"}, format="json")
    with time_machine.travel(dt.datetime(2026, 1, 3, 0, 0, 1, tzinfo=dt.UTC), tick=False):
        expired = api_client.post("/api/auth/verify-email", {"token": token}, format="json")

    assert_problem(tampered, 400, "verification_token_invalid")
    assert_problem(expired, 400, "verification_token_invalid")


def test_registering_an_existing_address_answers_the_same_and_warns_its_owner(api_client):
    existing = UserFactory(email="taken@example.com")

    fresh = _register(api_client, email="fresh@example.com")
    mail.outbox.clear()
    taken = _register(api_client, email="TAKEN@example.com")

    assert taken.status_code == fresh.status_code == 202
    assert taken.json() == fresh.json()
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1
    existing.refresh_from_db()
    assert existing.check_password(DEFAULT_PASSWORD)
    assert mail.outbox[0].to == ["taken@example.com"] and "already exists" in mail.outbox[0].body


@pytest.mark.parametrize(
    "password",
    ["short-pass1", "password1234", "123456789012345", "new.customer@example"],
)
def test_a_weak_password_is_refused_and_nothing_is_written(api_client, password):
    response = _register(api_client, password=password)

    body = assert_problem(response, 400, "password_too_weak")
    assert body["errors"]["password"]
    assert not User.objects.filter(email="new.customer@example.com").exists()
    assert mail.outbox == []


def test_password_reset_answers_the_same_for_unknown_addresses(api_client, user):
    known = api_client.post("/api/auth/password/reset", {"email": user.email}, format="json")
    unknown = api_client.post("/api/auth/password/reset", {"email": "nobody@example.com"}, format="json")

    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_password_reset_revokes_every_earlier_token_and_the_link_works_once(api_client, user):
    sessions = [token_pair_issue(user=user) for _ in range(2)]
    api_client.post("/api/auth/password/reset", {"email": user.email}, format="json")
    uid, token = _link_param(mail.outbox[0].body, "uid"), _link_param(mail.outbox[0].body, "token")
    body = {"uid": uid, "token": token, "new_password": "another-sturdy-passphrase"}

    first = api_client.post("/api/auth/password/reset/confirm", body, format="json")
    second = api_client.post(
        "/api/auth/password/reset/confirm", {**body, "new_password": "third-sturdy-pass"}, format="json"
    )

    assert first.status_code == 200
    assert_problem(second, 400, "reset_token_invalid")
    for pair in sessions:
        assert bearer(pair.access).get("/api/profile").status_code == 401
        assert api_client.post("/api/auth/refresh", {"refresh": pair.refresh}, format="json").status_code == 401
    assert login(api_client, user.email, "another-sturdy-passphrase").status_code == 200
    assert SecurityEvent.objects.filter(user=user, kind=SecurityEvent.Kind.PASSWORD_RESET).exists()


def test_a_password_reset_link_expires(api_client, user):
    with time_machine.travel(dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC), tick=False):
        api_client.post("/api/auth/password/reset", {"email": user.email}, format="json")
    uid, token = _link_param(mail.outbox[0].body, "uid"), _link_param(mail.outbox[0].body, "token")
    with time_machine.travel(dt.datetime(2026, 5, 1, 13, 0, 1, tzinfo=dt.UTC), tick=False):
        response = api_client.post(
            "/api/auth/password/reset/confirm",
            {"uid": uid, "token": token, "new_password": "another-sturdy-passphrase"},
            format="json",
        )

    assert_problem(response, 400, "reset_token_invalid")


def test_a_reset_confirms_the_email_address(api_client):
    imported = UserFactory(email_verified=False)
    imported.set_unusable_password()
    imported.save()
    api_client.post("/api/auth/password/reset", {"email": imported.email}, format="json")
    uid, token = _link_param(mail.outbox[0].body, "uid"), _link_param(mail.outbox[0].body, "token")

    api_client.post(
        "/api/auth/password/reset/confirm",
        {"uid": uid, "token": token, "new_password": "another-sturdy-passphrase"},
        format="json",
    )

    imported.refresh_from_db()
    assert imported.email_verified is True
