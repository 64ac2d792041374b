"""/health and /api/health: the overall state beside each component's, and what degrades when."""

import pytest
from django.db import OperationalError

from blockguardian import health

CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"

pytestmark = pytest.mark.django_db


def _redis_cache(url: str) -> dict:
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2, "IGNORE_EXCEPTIONS": True},
        }
    }


@pytest.fixture
def redis_down(settings):
    settings.REDIS_URL = CLOSED_PORT_REDIS
    settings.CELERY_BROKER_URL = CLOSED_PORT_REDIS
    settings.CACHES = _redis_cache(CLOSED_PORT_REDIS)
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "5/min", "user": "5/min"}}


def test_health_reports_each_component(api_client):
    response = api_client.get("/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["components"]) >= {"database", "cache", "broker", "chain"}
    assert body["components"]["database"]["status"] == "ok"


def test_api_health_is_the_same_resource(api_client):
    assert set(api_client.get("/api/health").json()["components"]) == set(
        api_client.get("/health").json()["components"]
    )


def test_redis_down_makes_health_degraded_with_cache_and_broker_down(api_client, redis_down):
    response = api_client.get("/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["components"]["cache"]["status"] == "down"
    assert body["components"]["broker"]["status"] == "down"
    assert body["components"]["database"]["status"] == "ok"


def test_redis_down_the_api_keeps_serving_through_cache_and_throttles(auth_client, redis_down):
    # The user throttle reads and writes the cache on every request; with Redis gone it fails open.
    statuses = {auth_client.get("/api/info").status_code for _ in range(8)}

    assert statuses == {200}


def test_database_down_makes_health_down_and_503(api_client, monkeypatch):
    def database_unreachable():
        raise OperationalError("connection refused")

    monkeypatch.setitem(health._checks, "database", database_unreachable)

    response = api_client.get("/health")

    assert response.status_code == 503
    assert response.json()["status"] == "down"
    assert response.json()["components"]["database"]["status"] == "down"


@pytest.mark.redis
def test_real_redis_is_reported_ok(api_client, settings):
    settings.CACHES = _redis_cache(settings.REDIS_URL)
    settings.CELERY_BROKER_URL = settings.REDIS_URL

    body = api_client.get("/health").json()

    assert body["components"]["cache"] == {**body["components"]["cache"], "status": "ok", "backend": "redis"}
    assert body["components"]["broker"]["status"] == "ok"


def test_info_names_the_product_and_its_features(api_client):
    body = api_client.get("/api/info").json()

    assert body["name"] == "BlockGuardian"
    assert body["environment"] == "test"
    assert isinstance(body["features"], dict)
