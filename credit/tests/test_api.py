"""POST /api/credit/calculate-score and GET /api/credit/history."""

from __future__ import annotations

import pytest

from accounts.tests.factories import UserFactory
from blockguardian.models import ModelVersion
from credit.models import CreditScore

from .factories import APPLICATION, client_for

pytestmark = pytest.mark.django_db

URL = "/api/credit/calculate-score"
HISTORY = "/api/credit/history"


def test_calculate_score_returns_the_explained_score(auth_client, active_model):
    response = auth_client.post(URL, APPLICATION, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert 300 <= body["score"] <= 850
    assert body["band"] in {"poor", "fair", "good", "very_good", "exceptional"}
    assert 0 < float(body["probability_of_default"]) < 1
    assert isinstance(body["probability_of_default"], str)
    assert body["method"] == "model"
    assert body["model"] == {"name": active_model.name, "version": active_model.version}
    assert len(body["reasons"]) <= 4
    for reason in body["reasons"]:
        assert set(reason) == {"code", "feature", "text", "points_below_best"}
    assert set(body["points"]) == set(active_model.params["features"])
    assert CreditScore.objects.get(public_id=body["id"]).user == auth_client.user


def test_no_active_model_scores_by_the_rules(auth_client):
    response = auth_client.post(URL, APPLICATION, format="json")

    assert response.status_code == 201
    assert response.json()["method"] == "rules"
    assert response.json()["model"] is None
    assert response.json()["reasons"] is not None


def test_a_broken_artefact_is_never_a_500(auth_client, active_model):
    ModelVersion.objects.filter(pk=active_model.pk).update(artefact=b"\x80not a pickle")

    response = auth_client.post(URL, APPLICATION, format="json")

    assert response.status_code == 201
    assert response.json()["method"] == "rules"


def test_the_one_differing_feature_is_the_first_reason_of_the_lower_score(auth_client, active_model):
    short = auth_client.post(URL, {**APPLICATION, "loan_term_months": 6}, format="json").json()
    long = auth_client.post(URL, {**APPLICATION, "loan_term_months": 60}, format="json").json()

    assert long["score"] < short["score"]
    assert long["reasons"][0]["feature"] == "duration_in_month"
    assert long["reasons"][0]["text"] == "Length of the requested loan term"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"loan_amount": "0"}, "loan_amount"),
        ({"loan_amount": "1e5"}, "loan_amount"),
        ({"loan_amount": "NaN"}, "loan_amount"),
        ({"loan_amount": "99999999.00"}, "loan_amount"),
        ({"loan_term_months": 0}, "loan_term_months"),
        ({"loan_term_months": 500}, "loan_term_months"),
        ({"purpose": "holiday"}, "purpose"),
        ({"monthly_income": "-1"}, "monthly_income"),
        ({"employment_status": "unemployed", "employment_years": "3"}, "employment_years"),
    ],
)
def test_bad_input_is_a_problem_and_writes_nothing(auth_client, change, field):
    response = auth_client.post(URL, {**APPLICATION, **change}, format="json")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert field in response.json()["errors"]
    assert not CreditScore.objects.exists()


def test_prohibited_bases_sent_by_a_client_are_ignored_and_never_stored(auth_client, active_model):
    response = auth_client.post(
        URL, {**APPLICATION, "sex": "female", "marital_status": "married", "foreign_worker": "yes"}, format="json"
    )

    assert response.status_code == 201
    score = CreditScore.objects.get(public_id=response.json()["id"])
    stored = str(score.inputs) + str(score.features)
    assert "female" not in stored and "married" not in stored and "foreign" not in stored


def test_scoring_needs_authentication(api_client):
    response = api_client.post(URL, APPLICATION, format="json")

    assert response.status_code == 401
    assert not CreditScore.objects.exists()


def test_history_lists_only_the_callers_scores_newest_first_paginated(auth_client, active_model):
    for term in (12, 24, 36):
        auth_client.post(URL, {**APPLICATION, "loan_term_months": term}, format="json")
    client_for(UserFactory()).post(URL, APPLICATION, format="json")

    response = auth_client.get(HISTORY, {"page_size": 2})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    mine = list(CreditScore.objects.filter(user=auth_client.user).order_by("-scored_at", "-id"))
    assert [r["id"] for r in body["results"]] == [str(s.public_id) for s in mine[:2]]
    assert auth_client.get(body["next"]).json()["results"][0]["id"] == str(mine[2].public_id)


def test_history_query_count_does_not_grow_with_the_page(auth_client, active_model, django_assert_max_num_queries):
    for _ in range(5):
        auth_client.post(URL, APPLICATION, format="json")

    with django_assert_max_num_queries(6):  # auth, count, page with its model versions
        response = auth_client.get(HISTORY)
    assert len(response.json()["results"]) == 5


def test_history_of_a_new_customer_is_empty(auth_client):
    assert auth_client.get(HISTORY).json()["count"] == 0
