"""Authorization matrix: every object endpoint (an operation whose path has an id) called by the
object's owner, by another customer, by each staff role and anonymously.

Customer endpoints are scoped to the requesting user for everyone, staff included (DESIGN.md):
another customer and every staff role get 404, exactly as for an id that does not exist, and an
anonymous caller gets 401. The operations come from the live OpenAPI schema, so a new object
endpoint must be placed in the matrix (a fixture in tests/fuzz_setup.py) or listed below with why.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from tests import fuzz_setup

pytestmark = [pytest.mark.django_db]

STAFF_ROLES = ["operations", "compliance_officer", "bsa_officer", "risk_analyst", "loan_officer", "admin"]

# Object endpoints that are not a customer's own objects.
NOT_CUSTOMER_OBJECTS = {
    "/api/portfolios/assets/{id}": "an asset is public reference data, the same for every customer",
    "/api/portfolios/assets/{id}/forecast": "an asset is public reference data, the same for every customer",
}
STAFF_PREFIX = "/api/staff/"  # staff objects: their own permission tests, by role, in each app


def _filled_order(user) -> dict:
    """A portfolio with a filled crypto buy (an order that has a trade confirmation)."""
    import datetime as dt

    from django.utils import timezone

    from accounts.models import KycRecord, KycStatus
    from portfolios.services import cash_deposit, portfolio_create, prices_load
    from portfolios.tests.factories import CryptoAssetFactory
    from trading.services import order_place

    KycRecord.objects.create(user=user, status=KycStatus.VERIFIED, legal_first_name="Avery", legal_last_name="Jordan")
    asset = CryptoAssetFactory(quantity_places=4)
    at = (timezone.now() - dt.timedelta(minutes=5)).isoformat()
    prices_load(
        records=[{"symbol": asset.symbol, "timestamp": at, "open": "10", "high": "10", "low": "10", "close": "10"}],
        source="test",
        tag="test",
    )
    portfolio = portfolio_create(owner=user, name="Matrix")
    cash_deposit(portfolio=portfolio, amount="1000.00", method="wire")
    order = order_place(user=user, portfolio=portfolio, side="buy", asset=asset, quantity="1")
    return {"id": portfolio.pk, "tid": order.pk}


# The fuzz test's objects, plus the operations it leaves to its allowlist.
FIXTURES = {
    **fuzz_setup.PATH_FIXTURES,
    "/api/portfolios/{id}/transactions/{tid}/confirmation": _filled_order,
    "/api/loans/{id}/accept": fuzz_setup._loan,
    "/api/loans/{id}/repay": fuzz_setup._loan,
}


def _schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def _object_operations() -> list[tuple[str, str, bool]]:
    """(method, path template, has required query parameters) for every operation with a path id."""
    operations = []
    for path, item in _schema()["paths"].items():
        if "{" not in path:
            continue
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            required_query = any(p.get("required") and p["in"] == "query" for p in operation.get("parameters", []))
            operations.append((method, path, required_query))
    return sorted(operations, key=lambda op: (op[1], op[0]))


OPERATIONS = _object_operations()
MATRIX = [op for op in OPERATIONS if op[1] in FIXTURES and op[1] not in NOT_CUSTOMER_OBJECTS]


def test_every_object_endpoint_is_in_the_matrix_or_explained():
    missing = [
        f"{method.upper()} {path}"
        for method, path, _ in OPERATIONS
        if path not in FIXTURES and path not in NOT_CUSTOMER_OBJECTS and not path.startswith(STAFF_PREFIX)
    ]
    assert missing == []


def _client(user=None) -> APIClient:
    from accounts.services import token_pair_issue

    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_issue(user=user).access}")
    return client


def _staff(role: str):
    from accounts.tests.factories import UserFactory

    user = UserFactory(is_staff=True, is_superuser=False)
    user.groups.add(Group.objects.get(name=role))
    return user


def _url(path: str, params: dict) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(params[m.group(1)]), path)


@pytest.mark.parametrize(("method", "path", "required_query"), MATRIX, ids=[f"{m.upper()} {p}" for m, p, _ in MATRIX])
def test_object_endpoint_answers_each_caller_exactly(method, path, required_query):
    from accounts.tests.factories import UserFactory

    owner = UserFactory()
    url = _url(path, FIXTURES[path](owner))
    callers = {"another customer": UserFactory(), **{role: _staff(role) for role in STAFF_ROLES}}

    def call(user):
        return getattr(_client(user), method)(url, {}, format="json")

    anonymous = call(None)
    assert anonymous.status_code == 401, anonymous.content[:200]
    for name, user in callers.items():
        response = call(user)
        assert response.status_code == 404, (name, response.status_code, response.content[:200])
        assert response.json()["code"].endswith("not_found"), (name, response.json())
    response = call(owner)
    if method == "get" and not required_query:
        assert 200 <= response.status_code < 300, response.content[:300]
    else:  # a command or a query that needs parameters: the owner passes the object check
        assert response.status_code not in (401, 403, 404) and response.status_code < 500, response.content[:300]
