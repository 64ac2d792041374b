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
    """An API client authenticated as `user` with a real access token (a session of its own: the
    token carries the user's token version and session, as every token the API issues does)."""
    from accounts.services import token_pair_issue

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_issue(user=user).access}")
    client.user = user
    return client


def pytest_sessionstart(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput"):  # the controller clears the last run's fuzz report
        import shutil
        from pathlib import Path

        shutil.rmtree(Path(__file__).resolve().parent / "test-artifacts" / "fuzz", ignore_errors=True)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Print the schema fuzz test's per-operation report (written by each worker)."""
    import json
    from pathlib import Path

    if hasattr(config, "workerinput"):
        return
    report_dir = Path(__file__).resolve().parent / "test-artifacts" / "fuzz"
    rows = [json.loads(p.read_text()) for p in sorted(report_dir.glob("*.json"))] if report_dir.exists() else []
    if not rows:
        return
    terminalreporter.section("schema fuzz: operations and whether a 2xx was reached")
    for row in sorted(rows, key=lambda r: r["operation"]):
        mark = "2xx" if row["reached_2xx"] else "NO 2xx"
        statuses = ", ".join(f"{k}x{v}" for k, v in sorted(row["statuses"].items()))
        terminalreporter.write_line(f"{mark:7} {row['operation']}  [{statuses}]")
