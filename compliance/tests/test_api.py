"""POST /api/staff/screening and /api/staff/screening/wallet."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from compliance.models import DigitalCurrencyAddress, ScreeningHit, ScreeningRun

from . import factories

pytestmark = pytest.mark.django_db

URL = "/api/staff/screening"


def _client(user, amr=("pwd", "otp")) -> APIClient:
    from accounts.services import token_pair_issue

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_issue(user=user, amr=amr).access}")
    return client


def test_a_compliance_officer_gets_ranked_matches_with_reasons(sanctions_list, compliance_officer):
    response = _client(compliance_officer).post(
        URL, {"name": "Ivan Tsertsel", "date_of_birth": "1966", "country": "Belarus", "type": "person"}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    top = body["matches"][0]
    assert top["entry"]["ent_num"] == factories.TSERTSEL and top["band"] == "confident"
    assert top["matched_name"] == "TSERTSEL, Ivan Stanislavavich"
    assert [r["code"] for r in top["reasons"]] == ["name", "dob_year", "country_matches"]
    assert body["query"] == {"name": "IVAN TSERTSEL", "date_of_birth": "1966", "countries": ["BY"], "type": "person"}
    scores = [m["score"] for m in body["matches"]]
    assert scores == sorted(scores, reverse=True)
    run = ScreeningRun.objects.get(pk=body["run_id"])
    assert run.trigger == "manual" and run.acting_user == compliance_officer
    assert set(ScreeningHit.objects.filter(run=run).values_list("status", flat=True)) == {"informational"}


def test_the_bsa_officer_may_screen_too(sanctions_list, bsa_officer):
    assert _client(bsa_officer).post(URL, {"name": "Usama bin Laden"}, format="json").status_code == 200


def test_a_legal_form_alone_returns_no_match(sanctions_list, compliance_officer):
    response = _client(compliance_officer).post(URL, {"name": "S.A."}, format="json")
    assert response.status_code == 200 and response.json()["matches"] == []


@pytest.mark.parametrize(
    "user_kind",
    ["customer", "staff_without_permission", "officer_without_second_factor"],
)
def test_others_are_refused(sanctions_list, compliance_officer, user_kind):
    if user_kind == "customer":
        client = _client(factories.customer(), amr=("pwd",))
    elif user_kind == "staff_without_permission":
        client = _client(factories.officer("operations"))
    else:
        client = _client(compliance_officer, amr=("pwd",))
    response = client.post(URL, {"name": "Ivan Tsertsel"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not ScreeningRun.objects.exists()


def test_anonymous_is_refused(sanctions_list):
    assert APIClient().post(URL, {"name": "Ivan Tsertsel"}, format="json").status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 401}, "name"),
        ({"name": "Ivan", "date_of_birth": "08/09/1966"}, "date_of_birth"),
        ({"name": "Ivan", "type": "ship"}, "type"),
        ({"name": "Ivan", "limit": 0}, "limit"),
    ],
)
def test_bad_input_is_a_400_problem_and_records_nothing(sanctions_list, compliance_officer, body, field):
    response = _client(compliance_officer).post(URL, body, format="json")
    assert response.status_code == 400
    problem = response.json()
    assert problem["code"] == "validation_error" and field in problem["errors"]
    assert not ScreeningRun.objects.exists()


def test_without_a_loaded_list_the_answer_is_503(db, compliance_officer):
    response = _client(compliance_officer).post(URL, {"name": "Ivan Tsertsel"}, format="json")
    assert response.status_code == 503 and response.json()["code"] == "sanctions_list_not_loaded"


def test_wallet_lookup(sanctions_list, compliance_officer):
    listed = DigitalCurrencyAddress.objects.select_related("entry").first()
    client = _client(compliance_officer)
    response = client.post(URL + "/wallet", {"address": listed.address}, format="json")
    assert response.status_code == 200
    assert response.json()["listed"] is True
    assert response.json()["entries"][0]["ent_num"] == listed.entry.ent_num
    assert (
        client.post(URL + "/wallet", {"address": "1BoatSLRHtKNngkdXEeobR76b53LETtpyT"}, format="json").json()["listed"]
        is False
    )


@pytest.mark.fuzz
def test_any_input_from_an_officer_is_a_200_or_a_400_never_a_500(sanctions_list, compliance_officer):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    client = _client(compliance_officer)
    body = st.fixed_dictionaries(
        {},
        optional={
            "name": st.one_of(st.text(max_size=450), st.integers(), st.none()),
            "date_of_birth": st.one_of(st.text(max_size=12), st.dates().map(str), st.none()),
            "country": st.one_of(st.text(max_size=120), st.sampled_from(["US", "BY", "Korea, North", "zz"])),
            "type": st.one_of(st.sampled_from(["person", "entity", "vessel", "aircraft"]), st.text(max_size=10)),
            "limit": st.one_of(st.integers(-5, 500), st.text(max_size=3)),
        },
    )

    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(data=body)
    def run(data):
        response = client.post(URL, data, format="json")
        assert response.status_code in (200, 400), (data, response.status_code)
        wallet = client.post(URL + "/wallet", {"address": data.get("name")}, format="json")
        assert wallet.status_code in (200, 400), (data, wallet.status_code)

    run()
