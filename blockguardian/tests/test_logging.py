"""Structured logs: JSON lines carrying the request id, which the response echoes."""

import json
import logging

import pytest
import structlog

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_log_lines(settings):
    """Attach the production JSON formatter to the root logger and collect what it writes."""
    formatter = structlog.stdlib.ProcessorFormatter(
        processor=structlog.processors.JSONRenderer(),
        foreign_pre_chain=[structlog.contextvars.merge_contextvars, structlog.stdlib.add_log_level],
    )
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    handler = Collect(level=logging.INFO)
    handler.setFormatter(formatter)
    root, requests = logging.getLogger(), logging.getLogger("django_structlog")
    levels = root.level, requests.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    requests.setLevel(logging.INFO)
    yield lines
    root.removeHandler(handler)
    root.setLevel(levels[0])
    requests.setLevel(levels[1])


def test_request_log_lines_are_json_with_the_request_id(api_client, json_log_lines):
    response = api_client.get("/api/info", HTTP_X_REQUEST_ID="trace-42")

    request_lines = [json.loads(line) for line in json_log_lines if "trace-42" in line]
    assert response["X-Request-ID"] == "trace-42"
    assert request_lines, json_log_lines
    assert {line["request_id"] for line in request_lines} == {"trace-42"}
    assert {"request_started", "request_finished"} <= {line["event"] for line in request_lines}


def test_application_log_lines_inside_a_request_carry_its_id(api_client, json_log_lines, monkeypatch):
    from blockguardian import health

    def noisy_check():
        structlog.get_logger("blockguardian.test").info("component_probed", component="probe")
        return {"status": "ok"}

    monkeypatch.setitem(health._checks, "probe", noisy_check)

    api_client.get("/health", HTTP_X_REQUEST_ID="trace-43")

    probed = [json.loads(line) for line in json_log_lines if "component_probed" in line]
    assert probed and probed[0]["request_id"] == "trace-43"
