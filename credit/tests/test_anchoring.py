"""Scores anchored on chain: their status in the API, `GET /api/credit/scores/{id}/verify`, batching,
tampering caught, and scoring that keeps working without a chain."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from accounts.tests.factories import UserFactory
from blockguardian.chain.models import AnchorBatch, AnchoredRecord
from blockguardian.chain.services import anchor_pending
from blockguardian.chain.signals import anchor_mismatch
from blockguardian.chain.testing import JsonRpcNode, chain_state_reset, closed_port_uri
from credit.models import CreditProfile, CreditScore
from credit.selectors import score_anchor_payload
from credit.services import credit_rescore_batch, credit_score_calculate

from .factories import APPLICATION, client_for

pytestmark = pytest.mark.django_db

CALCULATE = "/api/credit/calculate-score"


@pytest.fixture(autouse=True)
def _chain_state(settings):
    settings.CHAIN_UNAVAILABLE_COOLDOWN_SECONDS = 0
    chain_state_reset()
    yield
    chain_state_reset()


def _verify(client, score_id):
    return client.get(f"/api/credit/scores/{score_id}/verify")


def _score(client) -> dict:
    response = client.post(CALCULATE, APPLICATION, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_new_score_is_submitted_for_anchoring_and_shows_it(auth_client, active_model):
    body = _score(auth_client)

    assert AnchoredRecord.objects.filter(kind="credit_score", record_id=body["id"]).exists()
    assert body["anchoring"]["anchor_status"] == "pending"


def test_an_anchored_score_verifies(auth_client, active_model):
    body = _score(auth_client)
    assert anchor_pending(force=True).status == "ok"

    response = _verify(auth_client, body["id"])

    assert response.status_code == 200
    assert response.json()["verification"] == "verified"
    assert response.json()["anchoring"]["anchor_status"] == "anchored"
    assert response.json()["anchoring"]["tx_hash"].startswith("0x")


def test_the_score_detail_and_history_show_the_anchoring_transaction(auth_client, active_model):
    body = _score(auth_client)
    anchor_pending(force=True)

    detail = auth_client.get(f"/api/credit/scores/{body['id']}").json()
    history = auth_client.get("/api/credit/history").json()

    assert detail["anchoring"]["anchor_status"] == "anchored"
    assert history["results"][0]["anchoring"] == detail["anchoring"]


def test_a_score_changed_in_the_database_after_anchoring_is_a_mismatch_and_signalled(auth_client, active_model):
    body = _score(auth_client)
    anchor_pending(force=True)
    received = []

    def listener(sender, **kwargs):
        received.append(kwargs)

    anchor_mismatch.connect(listener)
    try:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE credit_creditscore SET score = score + 40 WHERE public_id = %s", [body["id"]])
        response = _verify(auth_client, body["id"])
    finally:
        anchor_mismatch.disconnect(listener)

    assert response.json()["verification"] == "mismatch"
    assert [(r["kind"], r["record_id"], r["reason"]) for r in received] == [
        ("credit_score", body["id"], "payload_differs")
    ]


def test_another_customers_score_is_not_found(auth_client, active_model):
    theirs = _score(client_for(UserFactory()))

    assert _verify(auth_client, theirs["id"]).status_code == 404
    assert auth_client.get(f"/api/credit/scores/{theirs['id']}").status_code == 404
    assert auth_client.get("/api/credit/scores/not-a-uuid/verify").status_code == 404


def test_the_anchored_record_carries_no_personal_data(active_model, user):
    from credit.mapping import Application

    score = credit_score_calculate(user=user, application=Application.from_inputs(_inputs()))
    payload = score_anchor_payload(score=score)

    assert set(payload) == {
        "kind",
        "id",
        "score",
        "band",
        "probability_of_default",
        "method",
        "model",
        "reason_codes",
        "scored_at",
    }
    assert str(user.pk) not in str(payload) and user.email not in str(payload)


def _inputs() -> dict:
    from credit.api.serializers import CreditScoreCalculateInputSerializer

    serializer = CreditScoreCalculateInputSerializer(data=APPLICATION)
    assert serializer.is_valid(), serializer.errors
    return serializer.to_application().to_inputs()


def test_a_thousand_rescored_customers_anchor_in_a_handful_of_transactions_and_each_verifies(active_model, settings):
    from credit.engine import active_scorecard
    from credit.selectors import score_verify

    settings.CHAIN_BATCH_MAX_RECORDS = 500
    inputs = _inputs()
    users = UserFactory.create_batch(1000)
    CreditProfile.objects.bulk_create(
        [CreditProfile(user=u, inputs=inputs, updated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)) for u in users]
    )
    profiles = list(CreditProfile.objects.select_related("user").filter(user__in=users))

    stored = credit_rescore_batch(profiles=profiles, run_date=dt.date(2026, 6, 1), active=active_scorecard())
    run = anchor_pending(force=True)

    assert stored == 1000
    assert run.status == "ok" and run.records_anchored == 1000
    assert AnchorBatch.objects.filter(records__kind="credit_score").distinct().count() <= 3
    scores = list(CreditScore.objects.select_related("model_version").filter(user__in=users))
    assert {score_verify(score=s) for s in scores} == {"verified"}


def test_with_the_chain_at_a_closed_port_scoring_and_history_answer_as_before(auth_client, active_model, settings):
    settings.WEB3_PROVIDER_URI = closed_port_uri()
    settings.CHAIN_SIGNER_KEY = "0x" + "00" * 31 + "01"

    body = _score(auth_client)
    history = auth_client.get("/api/credit/history")
    verify = _verify(auth_client, body["id"])

    assert body["anchoring"]["anchor_status"] == "pending"
    assert history.status_code == 200
    assert verify.status_code == 200 and verify.json()["verification"] in {"pending", "unavailable"}


def test_anchoring_catches_up_once_the_provider_is_back(auth_client, active_model, settings):
    uri = closed_port_uri()
    settings.WEB3_PROVIDER_URI = uri
    settings.CHAIN_SIGNER_KEY = "0x" + "00" * 31 + "01"
    body = _score(auth_client)
    assert anchor_pending(force=True).status == "unavailable"

    with JsonRpcNode(port=int(uri.rsplit(":", 1)[1])):
        settings.CHAIN_RECEIPT_POLL_SECONDS = 0.02
        assert anchor_pending(force=True).status == "ok"
        verify = _verify(auth_client, body["id"])

    assert verify.json()["verification"] == "verified"


def test_the_demo_data_scores_the_demo_customer_once_and_the_score_verifies(settings):
    from accounts.demo import DEMO_CUSTOMER_EMAIL, load_demo_users
    from blockguardian.chain.demo import load_demo_chain
    from credit.demo import load_default_model
    from credit.selectors import score_verify

    load_demo_users()
    load_default_model()
    load_default_model()
    load_demo_chain()

    scores = list(CreditScore.objects.select_related("model_version").filter(user__email=DEMO_CUSTOMER_EMAIL))
    assert len(scores) == 1
    assert score_verify(score=scores[0]) == "verified"
