"""accounts' endpoints in the OpenAPI schema, and the schema fuzz test over them."""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from accounts.services import token_pair_issue

from .factories import UserFactory

ENDPOINTS = {
    ("/api/auth/register", "post"),
    ("/api/auth/verify-email", "post"),
    ("/api/auth/login", "post"),
    ("/api/auth/verify-mfa", "post"),
    ("/api/auth/setup-mfa", "post"),
    ("/api/auth/mfa/resend", "post"),
    ("/api/auth/disable-mfa", "post"),
    ("/api/auth/password/change", "post"),
    ("/api/auth/password/reset", "post"),
    ("/api/auth/password/reset/confirm", "post"),
    ("/api/auth/refresh", "post"),
    ("/api/auth/logout", "post"),
    ("/api/auth/profile", "get"),
    ("/api/auth/profile", "put"),
    ("/api/profile", "get"),
    ("/api/kyc", "get"),
    ("/api/kyc", "post"),
    ("/api/kyc/cip-notice", "get"),
    ("/api/kyc/cip-notice", "post"),
    ("/api/staff/kyc/documents/{id}", "get"),
    ("/api/me/export", "get"),
    ("/api/me/erase", "post"),
}
ACCOUNTS_PATHS = r"^/api/(auth/|profile|kyc|me/|staff/kyc/)"


def test_every_accounts_endpoint_is_in_the_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    documented = {(path, method) for path, item in schema["paths"].items() for method in item}
    assert documented >= ENDPOINTS
    for path, method in ENDPOINTS:
        operation = schema["paths"][path][method]
        assert operation["responses"], (path, method)
        assert "default" in operation["responses"]


@pytest.fixture
def in_test_transaction():
    """Requests go through the real WSGI handler, which closes the database connection when a
    request finishes; keep it (as Django's test client does) so each example runs in the test's
    transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_token(db):
    return token_pair_issue(user=UserFactory()).access


# Loaded from the application itself, in process (the schema view touches no database).
fuzz_schema = schemathesis.openapi.from_wsgi("/api/schema", get_wsgi_application()).include(path_regex=ACCOUNTS_PATHS)


@pytest.mark.fuzz
@pytest.mark.slow
@pytest.mark.django_db
@fuzz_schema.parametrize()
@hypothesis_settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "10")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_accounts_api_conforms_to_its_schema(case, fuzz_token, settings, in_test_transaction):
    # Fuzzing is about shapes and statuses, not about tripping the rate limits or the lockout.
    settings.RATELIMIT_ENABLE = False
    settings.AXES_ENABLED = False
    # Domain rules (a wrong password, an SSN that cannot exist) answer 400 to schema-valid requests
    # by design, so only schema-invalid requests must be refused.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {fuzz_token}"}, excluded_checks=[positive_data_acceptance]
    )
