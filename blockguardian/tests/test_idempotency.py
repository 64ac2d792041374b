"""Idempotency-Key on money-moving POSTs: replay, body mismatch, concurrency, release on failure."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.services import token_pair_issue
from blockguardian.idempotency import idempotency_purge
from blockguardian.models import IdempotencyKey, OutboxTask

from .urls import EFFECT_TASK

pytestmark = pytest.mark.urls("blockguardian.tests.urls")


def _effects() -> int:
    return OutboxTask.objects.filter(task_name=EFFECT_TASK).count()


@pytest.mark.django_db
def test_repeat_with_the_same_key_replays_the_first_response_and_moves_nothing(auth_client):
    first = auth_client.post("/api/test/move", {"amount": "10.00"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = auth_client.post("/api/test/move", {"amount": "10.00"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert _effects() == 1


@pytest.mark.django_db
def test_same_key_with_a_different_body_is_422_and_moves_nothing(auth_client):
    auth_client.post("/api/test/move", {"amount": "10.00"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")

    response = auth_client.post("/api/test/move", {"amount": "99.00"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert _effects() == 1


@pytest.mark.django_db
def test_without_a_key_every_request_runs(auth_client):
    auth_client.post("/api/test/move", {"amount": "10.00"}, format="json")
    auth_client.post("/api/test/move", {"amount": "10.00"}, format="json")

    assert _effects() == 2


@pytest.mark.django_db
def test_keys_are_scoped_to_the_user(auth_client):
    from accounts.tests.factories import UserFactory

    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_issue(user=UserFactory()).access}")

    auth_client.post("/api/test/move", {"amount": "10.00"}, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    other.post("/api/test/move", {"amount": "10.00"}, format="json", HTTP_IDEMPOTENCY_KEY="shared")

    assert _effects() == 2


@pytest.mark.django_db
def test_a_validation_failure_is_replayed_as_well(auth_client):
    first = auth_client.post("/api/test/move", {"amount": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k-bad")
    second = auth_client.post("/api/test/move", {"amount": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k-bad")

    assert first.status_code == 400
    assert second.status_code == 400
    assert _effects() == 0


@pytest.mark.django_db
def test_a_server_error_releases_the_key_so_a_retry_runs(auth_client):
    first = auth_client.post("/api/test/failing-move", {}, format="json", HTTP_IDEMPOTENCY_KEY="k-retry")
    retry = auth_client.post("/api/test/failing-move", {}, format="json", HTTP_IDEMPOTENCY_KEY="k-retry")

    assert first.status_code == 502
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry


@pytest.mark.django_db
def test_an_overlong_key_is_refused(auth_client):
    response = auth_client.post("/api/test/move", {"amount": "1.00"}, format="json", HTTP_IDEMPOTENCY_KEY="x" * 300)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert _effects() == 0


@pytest.mark.django_db
def test_expired_keys_are_purged_and_can_be_used_again(auth_client, user, time_machine):
    time_machine.move_to(timezone.now(), tick=True)
    auth_client.post("/api/test/move", {"amount": "1.00"}, format="json", HTTP_IDEMPOTENCY_KEY="k-old")
    time_machine.shift(timedelta(hours=25))
    auth_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_issue(user=user).access}")

    assert idempotency_purge() == 1
    auth_client.post("/api/test/move", {"amount": "1.00"}, format="json", HTTP_IDEMPOTENCY_KEY="k-old")
    assert _effects() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_requests_with_one_key_execute_once_and_all_get_the_same_answer(user):
    token = token_pair_issue(user=user).access
    results: list = []
    barrier = threading.Barrier(10)

    def call():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        barrier.wait()
        try:
            response = client.post(
                "/api/test/move?delay=0.3", {"amount": "25.00"}, format="json", HTTP_IDEMPOTENCY_KEY="concurrent-key"
            )
            results.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 10
    assert {status for status, _ in results} == {201}
    assert len({body["id"] for _, body in results}) == 1
    assert _effects() == 1
    assert IdempotencyKey.objects.get(key="concurrent-key").state == IdempotencyKey.State.COMPLETED
