"""accounts' test setup: clean rate-limit counters and message outbox per test, helpers for logins."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts import gateways
from accounts.services import token_pair_issue


@pytest.fixture(autouse=True)
def _clean_counters_and_outbox():
    # Rate-limit counters live in the cache (Redis when configured): every test starts from zero.
    cache.clear()
    gateways.outbox.clear()
    yield
    gateways.outbox.clear()


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path_factory):
    # Uploaded identity documents land in a scratch directory, never in the working tree.
    settings.PRIVATE_STORAGE_ROOT = tmp_path_factory.mktemp("private")


@pytest.fixture
def client_for():
    """An API client authenticated as the given user, with a fresh session of its own."""

    def make(user, *, amr=("pwd",)) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_issue(user=user, amr=amr).access}")
        client.user = user
        return client

    return make


@pytest.fixture
def commit_per_request(django_capture_on_commit_callbacks, monkeypatch):
    """Each API request's after-commit work (emails, codes through the gateway) runs as the request
    ends, as it would when the request's transaction commits."""
    original = APIClient.generic

    def generic(self, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return original(self, *args, **kwargs)

    monkeypatch.setattr(APIClient, "generic", generic)
