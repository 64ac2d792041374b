"""Small helpers for accounts' API tests."""

from __future__ import annotations

import re

from rest_framework.test import APIClient

from accounts import gateways

from .factories import DEFAULT_PASSWORD


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def login(client: APIClient, email: str, password: str = DEFAULT_PASSWORD, **extra):
    return client.post("/api/auth/login", {"email": email, "password": password}, format="json", **extra)


def last_gateway_code(destination: str | None = None) -> str:
    """The code in the newest message the test gateway delivered (to `destination`, if given)."""
    messages = [m for m in gateways.outbox if destination is None or m.destination == destination]
    assert messages, "no message went through the gateway"
    return re.search(r"\b(\d{6})\b", messages[-1].body).group(1)


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code, body
    return body
