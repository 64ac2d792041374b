import pytest


@pytest.mark.django_db
def test_health_reports_each_component(api_client):
    response = api_client.get("/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["components"]) >= {"database", "cache", "broker", "chain"}
    assert body["components"]["database"]["status"] == "ok"
    assert body["components"]["chain"]["status"] == "not_configured"
