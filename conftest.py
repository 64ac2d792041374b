"""Project-wide test setup: service markers, API clients, time control."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from rest_framework.test import APIClient

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _uses_postgres() -> bool:
    return "postgresql" in settings.DATABASES["default"]["ENGINE"]


def pytest_runtest_setup(item: pytest.Item) -> None:
    missing = []
    if item.get_closest_marker("postgres") and not _uses_postgres():
        missing.append("PostgreSQL (set DATABASE_URL)")
    if (item.get_closest_marker("redis") or item.get_closest_marker("integration")) and not settings.REDIS_URL:
        missing.append("Redis (set REDIS_URL)")
    if missing:
        reason = "needs " + " and ".join(missing)
        if IN_CI:
            pytest.fail(f"{reason}: CI must run this test, not skip it")
        pytest.skip(reason)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db):
    from accounts.tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def auth_client(user) -> APIClient:
    """An API client authenticated as `user` with a real access token."""
    from rest_framework_simplejwt.tokens import RefreshToken

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    client.user = user
    return client
