"""Schema fuzz test: every operation of the live OpenAPI schema, with a fresh authenticated user per
operation. Fails on any 5xx or any response that breaks the schema; reports per operation whether a
2xx was reached, and fails an operation that never reaches one unless it is allowlisted with a reason.

`FUZZ_EXAMPLES` sets the examples per operation (25 in `make test`, 200 in `make fuzz-long`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from accounts.services import token_pair_issue
from blockguardian.wsgi import application

from .fuzz_allowlist import ALLOWLIST
from .fuzz_setup import PATH_FIXTURES

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
REPORT_DIR = Path(__file__).resolve().parent.parent / "test-artifacts" / "fuzz"

schema = schemathesis.openapi.from_wsgi("/api/schema", application)
OPERATIONS = [result.ok() for result in schema.get_all_operations()]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """As Django's test client does: requests made in-process must not close the test's connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    """The fuzz test is about crashes and the contract; rate limits and lockouts have their own tests."""
    settings.RATELIMIT_ENABLE = False
    settings.AXES_ENABLED = False


def _label(operation) -> str:
    return f"{operation.method.upper()} {operation.path}"


def _report(label: str, statuses: list[int]) -> None:
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    name = label.replace("/", "_").replace(" ", "_").replace("{", "").replace("}", "")
    counts: dict[str, int] = {}
    for status in statuses:
        counts[str(status)] = counts.get(str(status), 0) + 1
    reached = any(200 <= s < 300 for s in statuses)
    (REPORT_DIR / f"{name}.json").write_text(
        json.dumps({"operation": label, "reached_2xx": reached, "statuses": counts})
    )


@pytest.mark.fuzz
@pytest.mark.django_db
@pytest.mark.parametrize("operation", OPERATIONS, ids=_label)
def test_operation_never_fails_and_keeps_to_the_schema(operation, user):
    label = _label(operation)
    token = token_pair_issue(user=user).access
    headers = {"Authorization": f"Bearer {token}"}
    fixture = PATH_FIXTURES.get(operation.path)
    real_params = fixture(user) if fixture else None
    statuses: list[int] = []

    strategy = operation.as_strategy()
    if real_params:

        def use_real(case_and_flag):
            case, use = case_and_flag
            if use:
                case.path_parameters = {**(case.path_parameters or {}), **real_params}
            return case

        strategy = st.tuples(strategy, st.booleans()).map(use_real)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=os.environ.get("FUZZ_RANDOM") != "1",
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case):
        response = case.call(headers=headers)
        statuses.append(response.status_code)
        case.validate_response(
            response, checks=[not_a_server_error, response_schema_conformance, content_type_conformance]
        )

    run()
    _report(label, statuses)
    reached = any(200 <= s < 300 for s in statuses)
    if not reached and label not in ALLOWLIST:
        pytest.fail(
            f"{label} never reached a 2xx in {len(statuses)} requests (statuses {sorted(set(statuses))}); "
            "give it a path fixture in tests/fuzz_setup.py or allowlist it with a reason"
        )
