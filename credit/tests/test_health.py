"""The credit model in /health and /api/info: degraded, never down, and says which method scores."""

import pytest

from blockguardian.models import ModelVersion

pytestmark = pytest.mark.django_db


def test_an_active_model_is_ok(api_client, active_model):
    body = api_client.get("/health").json()

    assert body["components"]["credit_model"]["status"] == "ok"
    assert body["components"]["credit_model"]["method"] == "model"
    assert api_client.get("/api/info").json()["features"]["credit_scorecard"] is True


def test_no_model_is_not_configured_and_does_not_degrade_the_service(api_client):
    body = api_client.get("/health").json()

    assert body["components"]["credit_model"] == {**body["components"]["credit_model"], "status": "not_configured"}
    assert body["components"]["credit_model"]["method"] == "rules"
    assert body["status"] == "ok"
    assert api_client.get("/api/info").json()["features"]["credit_scorecard"] is False


def test_a_broken_artefact_degrades_the_service_and_says_so(api_client, active_model):
    ModelVersion.objects.filter(pk=active_model.pk).update(artefact=b"broken")

    response = api_client.get("/health")

    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["components"]["credit_model"]["status"] == "degraded"
