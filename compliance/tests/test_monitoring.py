"""The monitoring framework: rules from their watermarks, idempotent re-runs, shadow mode."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from blockguardian.chain.signals import anchor_mismatch
from compliance.models import Alert, Case, ChainMismatchEvent, MonitoringRuleState
from compliance.services import monitoring_run

pytestmark = pytest.mark.django_db


def _confirmed_fraud(customer=None, **kwargs):
    from fraud.models import FraudAlert
    from fraud.tests.factories import FraudAlertFactory

    extra = {"decision__customer": customer} if customer is not None else {}
    return FraudAlertFactory(
        state=FraudAlert.State.CONFIRMED_FRAUD, resolved_at=kwargs.pop("resolved_at", timezone.now()), **extra, **kwargs
    )


def test_confirmed_fraud_raises_one_alert_and_re_runs_never_duplicate():
    fraud_alert = _confirmed_fraud()
    assert monitoring_run(rules=["confirmed_fraud"]).alerts == 1
    assert monitoring_run(rules=["confirmed_fraud"]).alerts == 0
    since = timezone.localdate() - dt.timedelta(days=1)
    backfill = monitoring_run(rules=["confirmed_fraud"], since=since, until=timezone.localdate())
    assert backfill.alerts == 0 and backfill.rules[0].duplicates == 1
    alert = Alert.objects.get()
    assert alert.rule_name == "confirmed_fraud" and alert.rule_version == "1"
    assert f"fraud.fraudalert:{fraud_alert.pk}" in alert.evidence
    assert alert.customer_id == fraud_alert.customer_id and alert.status == "in_case"
    assert alert.amount == fraud_alert.decision.amount
    assert Case.objects.get().customer_id == fraud_alert.customer_id


def test_the_watermark_moves_and_a_later_confirmation_is_picked_up():
    _confirmed_fraud(resolved_at=timezone.now() - dt.timedelta(hours=2))
    monitoring_run(rules=["confirmed_fraud"])
    state = MonitoringRuleState.objects.get(rule_name="confirmed_fraud")
    assert state.watermark_at is not None
    _confirmed_fraud()
    assert monitoring_run(rules=["confirmed_fraud"]).alerts == 1
    assert Alert.objects.count() == 2


def test_batches_respect_the_batch_size(settings):
    settings.MONITORING_BATCH_SIZE = 2
    for _ in range(5):
        _confirmed_fraud()
    result = monitoring_run(rules=["confirmed_fraud"])
    assert result.alerts == 5 and result.rules[0].rows == 5


def test_a_shadow_rule_records_would_be_alerts_and_raises_none(settings):
    settings.MONITORING_SHADOW_RULES = ["confirmed_fraud"]
    _confirmed_fraud()
    result = monitoring_run(rules=["confirmed_fraud"])
    assert result.rules[0].shadow and result.alerts == 1
    assert Alert.objects.get().shadow and not Case.objects.exists()


def test_a_chain_mismatch_signal_becomes_an_alert():
    anchor_mismatch.send(sender=None, kind="credit_score", record_id="17", reason="payload_differs", batch_id="b1")
    assert ChainMismatchEvent.objects.count() == 1
    monitoring_run(rules=["chain_mismatch"])
    monitoring_run(rules=["chain_mismatch"])
    alert = Alert.objects.get(rule_name="chain_mismatch")
    assert alert.customer_id is None and "chain.credit_score:17" in alert.evidence


def test_run_monitoring_command_reports_per_rule(capsys):
    _confirmed_fraud()
    call_command("run_monitoring", "--no-progress")
    out = capsys.readouterr().out
    assert "confirmed_fraud v1: 1 row(s) read, 1 new alert(s)" in out and "chain_mismatch v1" in out
    call_command("run_monitoring", "--no-progress", "--since", str(timezone.localdate()))
    assert "0 new alert(s)." in capsys.readouterr().out
