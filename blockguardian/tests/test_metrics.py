"""/metrics: open in development, behind the scraper's token (or an allowed address) in production."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def test_metrics_answer_in_development(api_client):
    response = api_client.get("/metrics")

    assert response.status_code == 200
    assert b"django_http_requests_total_by_method" in response.content


def test_metrics_include_database_and_cache_metrics(api_client):
    from django.core.cache import cache

    cache.get("warm-up")
    api_client.get("/api/info")

    content = api_client.get("/metrics").content
    assert b"django_db_execute_total" in content
    assert b"django_cache_get_total" in content


@pytest.fixture
def production_metrics(settings):
    settings.METRICS_REQUIRE_AUTH = True
    settings.METRICS_TOKEN = "scrape-token-123"
    settings.METRICS_ALLOWED_IPS = []


def test_metrics_refuse_without_the_token_when_required(api_client, production_metrics):
    response = api_client.get("/metrics")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_metrics_refuse_a_wrong_token(api_client, production_metrics):
    assert api_client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope").status_code == 401


def test_metrics_answer_the_token(api_client, production_metrics):
    assert api_client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token-123").status_code == 200


def test_metrics_answer_an_allowed_address(api_client, production_metrics, settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.9"]

    assert api_client.get("/metrics", REMOTE_ADDR="10.0.0.9").status_code == 200


PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "blockguardian.settings.production",
    "SECRET_KEY": "a-production-secret-key-that-is-long-and-random-0123456789-abcdefghijkl",
    "ALLOWED_HOSTS": "api.blockguardian.example",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "FIELD_ENCRYPTION_KEYS": "3q2G4xq1N7S8kq0p8sQ2bq5mL8zq9nE0YpVw6vZcJ4o=",
    "BLIND_INDEX_KEY": "blind-index-key",
    "JWT_SIGNING_KEY": "jwt-signing-key-jwt-signing-key-jwt-signing-key",
    "METRICS_TOKEN": "scrape-token",
    "WEB3_PROVIDER_URI": "https://rpc.blockguardian.example",
    "CHAIN_SIGNER_KEY": "0x" + "11" * 32,
}


def _manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_checklist():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "secret",
    [
        "SECRET_KEY",
        "FIELD_ENCRYPTION_KEYS",
        "BLIND_INDEX_KEY",
        "JWT_SIGNING_KEY",
        "METRICS_TOKEN",
        "DATABASE_URL",
        "REDIS_URL",
        "WEB3_PROVIDER_URI",
        "CHAIN_SIGNER_KEY",
    ],
)
def test_production_settings_have_no_default_for_a_secret(secret):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != secret}

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert secret in result.stderr
