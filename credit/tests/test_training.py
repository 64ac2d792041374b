"""`manage.py train_credit_model`, the fairness screen, registration and the demo default."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from django.core.management import CommandError, call_command

from blockguardian.models import ModelVersion
from blockguardian.registry import model_active_version
from credit.demo import load_default_model
from credit.errors import CreditModelRejected
from credit.services import credit_model_register
from credit.training import DEFAULT_DATA_PATH

pytestmark = pytest.mark.django_db

PROHIBITED = {"personal_status_and_sex", "foreign_worker", "telephone"}


def test_the_command_prints_cross_validated_metrics_and_registers_a_trained_version(settings):
    out, err = io.StringIO(), io.StringIO()

    call_command("train_credit_model", stdout=out, stderr=err)

    text = out.getvalue()
    assert "5 folds x 3 repeats" in text
    means = {
        m: float(re.search(rf"{m}\s+mean (\d\.\d+)\s+std (\d\.\d+)", text).group(1)) for m in ("AUC", "GINI", "KS")
    }
    assert means["AUC"] >= 0.74
    assert 0 < means["KS"] < 1
    version = ModelVersion.objects.get(name=settings.CREDIT_MODEL_NAME)
    assert version.state == "trained"
    assert version.metrics["auc"] == pytest.approx(means["AUC"], abs=1e-4)
    assert len(version.metrics["cross_validation"]["per_fold"]) == 15
    assert not set(version.params["features"]) & PROHIBITED
    assert version.training_data_hash == hashlib.sha256(DEFAULT_DATA_PATH.read_bytes()).hexdigest()


def test_fairness_warnings_are_printed_and_stored_with_the_version(settings):
    out, err = io.StringIO(), io.StringIO()

    call_command("train_credit_model", "--activate", stdout=out, stderr=err)

    version = model_active_version(name=settings.CREDIT_MODEL_NAME)
    fairness = version.fairness
    assert set(fairness["groups"]) == {"age_band", "sex"}
    assert set(fairness["groups"]["age_band"]) == {"under 25", "25-61", "62 and over"}
    assert set(fairness["groups"]["sex"]) == {"female", "male"}
    for rows in fairness["groups"].values():
        assert max(r["adverse_impact_ratio"] for r in rows.values()) == 1.0
        for row in rows.values():
            assert 0 <= row["approval_rate"] <= 1
            assert row["approved"] <= row["n"]
    assert fairness["cutoff"] == settings.CREDIT_APPROVAL_CUTOFF
    for warning in fairness["warnings"]:
        assert warning in err.getvalue()
    flagged = [
        (g, label)
        for g, rows in fairness["groups"].items()
        for label, r in rows.items()
        if r["adverse_impact_ratio"] < 0.8
    ]
    assert len(flagged) == len(fairness["warnings"])


def test_the_command_refuses_fewer_than_five_folds_times_three_repeats():
    with pytest.raises(CommandError):
        call_command("train_credit_model", "--folds", "3", stdout=io.StringIO())
    assert not ModelVersion.objects.exists()


def test_a_dry_run_registers_nothing():
    call_command("train_credit_model", "--dry-run", stdout=io.StringIO(), stderr=io.StringIO())

    assert not ModelVersion.objects.exists()


def test_a_model_below_the_auc_threshold_is_not_registered(trained, settings):
    settings.CREDIT_MIN_CV_AUC = 0.99

    with pytest.raises(CreditModelRejected):
        credit_model_register(result=trained)
    assert not ModelVersion.objects.exists()


def test_the_demo_loader_trains_and_activates_the_default_once(settings, monkeypatch, trained):
    import credit.services

    calls = []

    def train_once(**kwargs):
        calls.append(kwargs)
        return trained

    monkeypatch.setattr(credit.services, "credit_model_train", train_once)

    first = load_default_model()
    second = load_default_model()

    assert len(calls) == 1
    version = model_active_version(name=settings.CREDIT_MODEL_NAME)
    assert version is not None and version.version == 1
    assert "trained and activated now" in " ".join(first)
    assert "already active" in " ".join(second)
    assert ModelVersion.objects.count() == 1


def test_the_demo_loader_trains_for_real_when_nothing_is_active(settings):
    load_default_model()

    version = model_active_version(name=settings.CREDIT_MODEL_NAME)
    assert version.metrics["auc"] >= 0.74
