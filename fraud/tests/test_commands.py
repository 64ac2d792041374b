"""generate_activity and evaluate_fraud from the command line."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import User
from fraud.models import MovementRecord, StoredDecision

pytestmark = pytest.mark.django_db

TINY = ["--customers", "8", "--days", "5", "--history-days", "10", "--ato", "1", "--card-testing", "1", "--mule", "1"]


def test_generate_activity_writes_customers_and_decisions_and_keeps_labels_apart(tmp_path):
    labels = tmp_path / "labels.jsonl"
    out = io.StringIO()

    call_command("generate_activity", "--seed", "4", "--labels", str(labels), *TINY, stdout=out)

    rows = [json.loads(line) for line in labels.read_text().splitlines()]
    assert {r["pattern"] for r in rows} == {"normal", "ato", "card_testing", "mule"}
    assert MovementRecord.objects.count() > 0
    assert StoredDecision.objects.count() > 0
    # 8 normal customers (one of them taken over), a card tester and a mule
    assert User.objects.filter(email__startswith="act4-").count() == 10
    assert "10 customers" in out.getvalue()


def test_generate_activity_is_idempotent():
    call_command("generate_activity", "--seed", "4", *TINY, stdout=io.StringIO())
    counts = (MovementRecord.objects.count(), StoredDecision.objects.count(), User.objects.count())
    out = io.StringIO()

    call_command("generate_activity", "--seed", "4", *TINY, stdout=out)

    assert (MovementRecord.objects.count(), StoredDecision.objects.count(), User.objects.count()) == counts
    assert "already loaded" in out.getvalue()


def test_generate_activity_refuses_an_unknown_parameter():
    with pytest.raises(CommandError, match="unknown generator parameter"):
        call_command("generate_activity", "--seed", "4", "--param", "nonsense=1", *TINY)


def test_evaluate_fraud_prints_figures_per_pattern_and_keeps_nothing(tmp_path):
    out = io.StringIO()
    figures = tmp_path / "figures.json"

    small = [
        "--customers",
        "20",
        "--days",
        "8",
        "--history-days",
        "10",
        "--ato",
        "1",
        "--card-testing",
        "1",
        "--mule",
        "1",
    ]
    call_command(
        "evaluate_fraud", "--seed", "5", "--train-seed", "6", "--jitter", "--json", str(figures), *small, stdout=out
    )

    text = out.getvalue()
    for pattern in ("ato", "card_testing", "mule"):
        assert pattern in text
    assert "FPR" in text
    assert json.loads(figures.read_text())["metrics"]["patterns"]["mule"]["instances"] == 1
    assert not User.objects.filter(email__endswith="@activity.example").exists()


def test_evaluate_fraud_refuses_the_training_seed():
    with pytest.raises(CommandError, match="must differ"):
        call_command("evaluate_fraud", "--seed", "1", "--train-seed", "1", *TINY)
