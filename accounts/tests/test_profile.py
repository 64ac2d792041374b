"""The profile (two paths, one resource), the trusted contact, email changes."""

import pytest
from django.core import mail

from accounts.models import CustomerProfile, SecurityEvent
from accounts.selectors import trusted_contact

from .factories import DEFAULT_PASSWORD, UserFactory
from .helpers import assert_problem

pytestmark = pytest.mark.django_db


def test_both_profile_paths_return_the_same_resource(auth_client):
    assert auth_client.get("/api/profile").json() == auth_client.get("/api/auth/profile").json()


def test_the_profile_cannot_be_changed_through_the_read_only_path(auth_client):
    response = auth_client.put("/api/profile", {"first_name": "X", "last_name": "Y"}, format="json")

    assert response.status_code == 405


def test_updating_names_phone_and_trusted_contact(auth_client):
    response = auth_client.put(
        "/api/auth/profile",
        {
            "first_name": "Casey",
            "last_name": "Morgan",
            "phone_number": "+1 555 555 0101",
            "trusted_contact": {"name": "Pat Morgan", "email": "Pat@Example.com", "phone": "+15555550102"},
        },
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["first_name"], body["last_name"]) == ("Casey", "Morgan")
    assert body["trusted_contact"] == {"name": "Pat Morgan", "email": "pat@example.com", "phone": "+15555550102"}
    assert trusted_contact(user=auth_client.user) == body["trusted_contact"]
    assert CustomerProfile.objects.get(user=auth_client.user).trusted_contact_updated_at is not None


def test_a_trusted_contact_needs_a_way_to_reach_them(auth_client):
    response = auth_client.put(
        "/api/auth/profile",
        {"first_name": "A", "last_name": "B", "trusted_contact": {"name": "Nobody Reachable"}},
        format="json",
    )

    assert_problem(response, 400, "profile_invalid")
    assert trusted_contact(user=auth_client.user) is None


def test_changing_the_email_needs_the_password(auth_client):
    response = auth_client.put(
        "/api/auth/profile", {"first_name": "A", "last_name": "B", "email": "elsewhere@example.com"}, format="json"
    )

    assert_problem(response, 400, "password_invalid")
    auth_client.user.refresh_from_db()
    assert auth_client.user.email != "elsewhere@example.com"


@pytest.mark.usefixtures("commit_per_request")
def test_a_new_email_must_be_verified_again_and_the_old_address_is_told(auth_client):
    old = auth_client.user.email

    response = auth_client.put(
        "/api/auth/profile",
        {"first_name": "A", "last_name": "B", "email": "Elsewhere@Example.com", "current_password": DEFAULT_PASSWORD},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["email"] == "elsewhere@example.com"
    assert response.json()["email_verified"] is False
    assert {tuple(m.to) for m in mail.outbox} == {("elsewhere@example.com",), (old,)}
    assert SecurityEvent.objects.filter(user=auth_client.user, kind=SecurityEvent.Kind.EMAIL_CHANGED).exists()


def test_an_email_taken_by_someone_else_is_refused(auth_client):
    UserFactory(email="taken@example.com")

    response = auth_client.put(
        "/api/auth/profile",
        {"first_name": "A", "last_name": "B", "email": "taken@example.com", "current_password": DEFAULT_PASSWORD},
        format="json",
    )

    assert_problem(response, 400, "email_unavailable")


def test_the_profile_needs_authentication(api_client):
    assert api_client.get("/api/profile").status_code == 401
