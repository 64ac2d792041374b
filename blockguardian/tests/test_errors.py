"""Every error is problem details (RFC 9457) with a stable code: DRF's, Django's and the domain's."""

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.urls("blockguardian.tests.urls")]

PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}


def _assert_problem(response, status, code):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert set(body) >= PROBLEM_KEYS
    assert body["status"] == status
    assert body["code"] == code
    return body


def test_unknown_url_is_a_problem_not_html(api_client):
    _assert_problem(api_client.get("/api/no-such-thing"), 404, "not_found")


def test_unknown_url_is_a_problem_with_debug_on(api_client, settings):
    settings.DEBUG = True

    _assert_problem(api_client.get("/nowhere/at/all"), 404, "not_found")


def test_malformed_json_body_is_a_400_problem(api_client):
    response = api_client.post("/api/test/echo", data='{"amount": 1', content_type="application/json")

    _assert_problem(response, 400, "malformed_request")


def test_wrong_method_on_an_api_view_is_a_405_problem(api_client):
    _assert_problem(api_client.delete("/api/test/echo"), 405, "method_not_allowed")


def test_wrong_method_outside_drf_is_a_405_problem_with_allow_header(api_client):
    response = api_client.post("/api/test/plain-get-only")

    _assert_problem(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_validation_error_lists_each_field(api_client):
    body = _assert_problem(
        api_client.post("/api/test/echo", {"amount": "lots"}, format="json"), 400, "validation_error"
    )

    assert "amount" in body["errors"]


def test_domain_error_keeps_its_code(api_client):
    body = _assert_problem(api_client.post("/api/test/conflict"), 409, "loan_invalid_move")

    assert body["detail"] == "the loan is already disbursed"


def test_unexpected_error_in_an_api_view_is_a_500_problem_without_traceback(api_client):
    response = api_client.get("/api/test/boom")

    body = _assert_problem(response, 500, "server_error")
    assert "boom" not in response.content.decode()
    assert "Traceback" not in body["detail"]


def test_unexpected_error_outside_drf_is_a_500_problem(api_client):
    response = api_client.get("/api/test/plain-boom")

    _assert_problem(response, 500, "server_error")
    assert "boom" not in response.content.decode()


def test_trailing_slash_is_optional(api_client):
    assert api_client.get("/api/info/").status_code == 200
    assert api_client.get("/api/info").status_code == 200


def test_request_id_is_echoed_and_generated(api_client):
    sent = api_client.get("/api/info", HTTP_X_REQUEST_ID="req-abc-123")
    generated = api_client.get("/api/info")

    assert sent["X-Request-ID"] == "req-abc-123"
    assert len(generated["X-Request-ID"]) >= 16
