"""JWT sessions: rotation with reuse detection, logout and password changes revoke access tokens too."""

import pytest
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import SecurityEvent, TokenFamily
from accounts.services import token_pair_issue

from .factories import DEFAULT_PASSWORD, UserFactory
from .helpers import assert_problem, bearer, login

pytestmark = pytest.mark.django_db


def _refresh(api_client, refresh):
    return api_client.post("/api/auth/refresh", {"refresh": refresh}, format="json")


def test_login_returns_a_working_token_pair(api_client, user):
    response = login(api_client, user.email)

    assert response.status_code == 200
    body = response.json()
    assert body["mfa_required"] is False
    assert bearer(body["access"]).get("/api/profile").json()["email"] == user.email


def test_refresh_rotates_and_the_new_pair_works(api_client, user):
    pair = token_pair_issue(user=user)

    response = _refresh(api_client, pair.refresh)

    assert response.status_code == 200
    new = response.json()
    assert new["refresh"] != pair.refresh
    assert bearer(new["access"]).get("/api/profile").status_code == 200
    assert _refresh(api_client, new["refresh"]).status_code == 200


def test_a_refresh_token_used_twice_fails_the_second_time_and_revokes_its_family(api_client, user):
    pair = token_pair_issue(user=user)
    rotated = _refresh(api_client, pair.refresh).json()

    reuse = _refresh(api_client, pair.refresh)

    assert_problem(reuse, 401, "token_not_valid")
    # The thief's copy is dead, and so is everything the legitimate holder got from it.
    assert _refresh(api_client, rotated["refresh"]).status_code == 401
    assert bearer(rotated["access"]).get("/api/profile").status_code == 401
    assert TokenFamily.objects.get(user=user).revoke_reason == TokenFamily.RevokeReason.REUSE
    assert SecurityEvent.objects.filter(user=user, kind=SecurityEvent.Kind.TOKEN_REUSE).count() == 1


def test_reuse_revokes_only_that_family(api_client, user):
    stolen = token_pair_issue(user=user)
    other_device = token_pair_issue(user=user)
    _refresh(api_client, stolen.refresh)

    _refresh(api_client, stolen.refresh)

    assert bearer(other_device.access).get("/api/profile").status_code == 200
    assert _refresh(api_client, other_device.refresh).status_code == 200


def test_after_logout_both_tokens_fail(api_client, user):
    pair = token_pair_issue(user=user)
    client = bearer(pair.access)

    response = client.post("/api/auth/logout", {"refresh": pair.refresh}, format="json")

    assert response.status_code == 200
    assert bearer(pair.access).get("/api/profile").status_code == 401
    assert _refresh(api_client, pair.refresh).status_code == 401
    assert SecurityEvent.objects.filter(user=user, kind=SecurityEvent.Kind.LOGOUT).exists()


def test_logout_leaves_other_sessions_alone(user):
    this_device = token_pair_issue(user=user)
    other_device = token_pair_issue(user=user)

    bearer(this_device.access).post("/api/auth/logout", {}, format="json")

    assert bearer(other_device.access).get("/api/profile").status_code == 200


def test_logout_with_someone_elses_refresh_token_is_refused(user):
    mine = token_pair_issue(user=user)
    theirs = token_pair_issue(user=UserFactory())

    response = bearer(mine.access).post("/api/auth/logout", {"refresh": theirs.refresh}, format="json")

    assert_problem(response, 401, "token_not_valid")
    assert bearer(theirs.access).get("/api/profile").status_code == 200


def test_password_change_revokes_every_earlier_token_and_returns_a_new_pair(api_client, user):
    first = token_pair_issue(user=user)
    second = token_pair_issue(user=user)

    response = bearer(first.access).post(
        "/api/auth/password/change",
        {"current_password": DEFAULT_PASSWORD, "new_password": "a-brand-new-passphrase-77"},
        format="json",
    )

    assert response.status_code == 200
    for old in (first, second):
        assert bearer(old.access).get("/api/profile").status_code == 401
        assert _refresh(api_client, old.refresh).status_code == 401
    assert bearer(response.json()["access"]).get("/api/profile").status_code == 200


def test_password_change_needs_the_current_password(user):
    pair = token_pair_issue(user=user)

    response = bearer(pair.access).post(
        "/api/auth/password/change",
        {"current_password": "not-my-password", "new_password": "a-brand-new-passphrase-77"},
        format="json",
    )

    assert_problem(response, 400, "password_invalid")
    assert bearer(pair.access).get("/api/profile").status_code == 200


def test_a_token_without_version_and_session_claims_is_refused(user):
    plain = RefreshToken.for_user(user).access_token

    response = bearer(str(plain)).get("/api/profile")

    assert response.status_code == 401


def test_an_access_token_is_not_accepted_as_a_refresh_token(api_client, user):
    pair = token_pair_issue(user=user)

    assert_problem(_refresh(api_client, pair.access), 401, "token_not_valid")


def test_a_garbage_refresh_token_is_a_401_problem_not_a_500(api_client):
    assert_problem(_refresh(api_client, "not.a.token"), 401, "token_not_valid")


def test_refresh_of_a_deactivated_user_fails(api_client, user):
    pair = token_pair_issue(user=user)
    user.is_active = False
    user.save()

    assert _refresh(api_client, pair.refresh).status_code == 401
    assert bearer(pair.access).get("/api/profile").status_code == 401


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_refreshes_of_one_token_yield_at_most_one_new_pair():
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection
    from rest_framework.test import APIClient

    user = UserFactory()
    pair = token_pair_issue(user=user)

    def attempt(_):
        try:
            return APIClient().post("/api/auth/refresh", {"refresh": pair.refresh}, format="json").status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(attempt, range(4)))

    assert statuses.count(200) <= 1
    assert set(statuses) <= {200, 401}
