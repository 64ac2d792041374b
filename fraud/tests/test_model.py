"""The anomaly model: trained by the command, registered, loaded once per process, scored on arrays."""

from __future__ import annotations

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from blockguardian.models import ModelVersion
from fraud import engine, services
from fraud.forest import ForestArrays

from .factories import NOW, activate_model, established_customer, make_event

pytestmark = pytest.mark.django_db

SMALL = [
    "--customers",
    "25",
    "--days",
    "10",
    "--history-days",
    "15",
    "--ato",
    "2",
    "--card-testing",
    "2",
    "--mule",
    "2",
]


def test_train_fraud_model_registers_and_activates_a_version(settings):
    call_command("train_fraud_model", "--seed", "3", "--trees", "20", "--activate", *SMALL)

    version = ModelVersion.objects.get(name=settings.FRAUD_MODEL_NAME)
    assert version.state == "active"
    assert version.params["source"] == "generated"
    assert len(version.params["features"]) == 16
    assert 0.4 < version.params["calibration"]["threshold"] < 1.0
    assert "rules_only_training" in version.metrics
    assert isinstance(engine.active_model().forest, ForestArrays)


def test_a_trained_model_stays_trained_until_activated(settings):
    call_command("train_fraud_model", "--seed", "3", "--trees", "10", *SMALL)

    assert ModelVersion.objects.get(name=settings.FRAUD_MODEL_NAME).state == "trained"
    assert engine.active_model() is None


def test_the_model_is_loaded_once_per_process():
    with time_machine.travel(NOW, tick=False):
        customer = established_customer()
        version = activate_model()
        services.assess(make_event(customer))

        with CaptureQueriesContext(connection) as queries:
            decision = services.assess(make_event(customer))

    assert not any("modelversion" in q["sql"].lower() for q in queries.captured_queries)
    from fraud.models import StoredDecision

    assert StoredDecision.objects.get(pk=decision.id).model_version == version.version


def _reads_and_fraud_writes(queries) -> tuple[list[str], list[str]]:
    """(the SELECTs, the tables of the INSERTs into fraud's tables) of one decision; the audit entry
    and transaction control are left out."""
    sql = [q["sql"] for q in queries]
    reads = [q for q in sql if q.startswith("SELECT")]
    tables = [q.split()[2].strip('"') for q in sql if q.startswith("INSERT INTO")]
    return reads, [table for table in tables if table.startswith("fraud_")]


def test_an_allowed_withdrawal_reads_once_and_writes_one_decision_row():
    """The aggregate, the destination and the security events in one statement, then the decision in
    one INSERT (which also turns synchronous commit off: no `SET LOCAL` of its own). Never the
    customer's history."""
    with time_machine.travel(NOW, tick=False):
        customer = established_customer()
        activate_model()
        services.assess(make_event(customer))  # loads the model and the overrides

        with CaptureQueriesContext(connection) as queries:
            services.assess(make_event(customer))

    reads, writes = _reads_and_fraud_writes(queries.captured_queries)
    assert len(reads) == 1 and writes == ["fraud_storeddecision"]
    assert all(table in reads[0] for table in ("fraud_customeraggregate", "fraud_knowndestination", "securityevent"))
    assert not any("fraud_movementrecord" in q["sql"] or q["sql"].startswith("SET") for q in queries.captured_queries)


def test_a_trade_reads_once_and_writes_one_decision_row():
    with time_machine.travel(NOW, tick=False):
        customer = established_customer()
        services.assess(make_event(customer, "buy", "300.00"))

        with CaptureQueriesContext(connection) as queries:
            services.assess(make_event(customer, "buy", "300.00"))

    reads, writes = _reads_and_fraud_writes(queries.captured_queries)
    assert len(reads) == 1 and writes == ["fraud_storeddecision"]
    assert "securityevent" not in reads[0]


def test_a_corrupt_artefact_falls_back_to_the_rules(caplog):
    with time_machine.travel(NOW, tick=False):
        customer = established_customer()
        version = activate_model()
        ModelVersion.objects.filter(pk=version.pk).update(artefact=b"not a model")
        engine.caches_clear()
        from blockguardian import registry

        registry.model_cache_clear()

        decision = services.assess(make_event(customer))

    assert decision.decision == "allow"
    assert engine.active_model() is None


def test_the_compiled_security_query_reads_what_the_selector_reads():
    import datetime as dt

    from accounts.models import SecurityEvent

    with time_machine.travel(NOW, tick=False):
        customer = established_customer()
        SecurityEvent.objects.create(user=customer, kind="password_reset")
        SecurityEvent.objects.create(user=customer, kind="login", outcome="failure")
        SecurityEvent.objects.create(user=customer, kind="login", outcome="success")
    since, at = NOW - dt.timedelta(hours=1), NOW + dt.timedelta(hours=1)

    assert engine._compiled_security_sql() is not None
    compiled = sorted(engine._security_rows(customer, since, at))
    assert compiled == sorted(engine._security_queryset(customer, since, at))
    assert [kind for kind, _, _ in compiled] == ["login", "password_reset"]
