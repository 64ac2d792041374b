"""Nightly rescoring: batched, one evaluation per batch, idempotent; drift (PSI) stored."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from credit.models import CreditScore, RescoreRun
from credit.scorecard import Scorecard
from credit.services import credit_rescore_all, credit_rescore_batch
from credit.tasks import rescore_all
from credit.training import population_stability_index

from .factories import CreditProfileFactory

pytestmark = pytest.mark.django_db

NIGHT = dt.date(2026, 3, 10)


@pytest.fixture
def profiles():
    return [
        CreditProfileFactory(inputs={**CreditProfileFactory.build().inputs, "loan_term_months": 6 + 6 * (i % 8)})
        for i in range(7)
    ]


def test_every_customer_with_an_application_is_rescored_once(active_model, profiles):
    run = credit_rescore_all(run_date=NIGHT, batch_size=3)

    scores = CreditScore.objects.filter(source="rescore", rescore_date=NIGHT)
    assert scores.count() == 7 == run.scored == run.customers
    assert {s.user_id for s in scores} == {p.user_id for p in profiles}
    assert all(s.method == "model" and s.model_version == active_model for s in scores)


def test_each_batch_is_one_vectorised_evaluation(active_model, profiles, monkeypatch):
    calls = []
    original = Scorecard.evaluate

    def counting(self, codes):
        calls.append(codes.shape[0])
        return original(self, codes)

    monkeypatch.setattr(Scorecard, "evaluate", counting)

    credit_rescore_all(run_date=NIGHT, batch_size=3)

    assert calls == [3, 3, 1]


def test_a_second_run_of_the_same_night_changes_nothing(active_model, profiles):
    first = credit_rescore_all(run_date=NIGHT, batch_size=3)
    ids = set(CreditScore.objects.values_list("id", flat=True))

    second = credit_rescore_all(run_date=NIGHT, batch_size=3)

    assert set(CreditScore.objects.values_list("id", flat=True)) == ids
    assert second.pk == first.pk and second.scored == 7 and second.psi == first.psi
    assert RescoreRun.objects.count() == 1


def test_a_run_interrupted_half_way_continues_where_it_stopped(active_model, profiles):
    from credit.engine import active_scorecard

    credit_rescore_batch(profiles=profiles[:4], run_date=NIGHT, active=active_scorecard())

    run = credit_rescore_all(run_date=NIGHT, batch_size=3)

    assert run.scored == 7
    assert CreditScore.objects.filter(rescore_date=NIGHT).values("user").distinct().count() == 7


def test_each_night_gets_its_own_scores(active_model, profiles):
    credit_rescore_all(run_date=NIGHT)
    credit_rescore_all(run_date=NIGHT + dt.timedelta(days=1))

    assert CreditScore.objects.filter(source="rescore").count() == 14
    assert RescoreRun.objects.count() == 2


def test_drift_is_measured_against_the_training_distribution(active_model, profiles):
    run = credit_rescore_all(run_date=NIGHT)

    assert run.psi is not None and run.psi > 0
    assert run.drift in {"stable", "moderate", "significant"}
    assert run.distribution["expected"] == active_model.params["score_distribution"]["shares"]
    assert sum(run.distribution["actual"]) == pytest.approx(1.0)
    scores = np.array(CreditScore.objects.filter(rescore_date=NIGHT).values_list("score", flat=True), dtype=float)
    edges = run.distribution["edges"]
    actual = np.bincount(np.searchsorted(edges, scores, side="right"), minlength=len(edges) + 1) / len(scores)
    assert run.psi == pytest.approx(population_stability_index(run.distribution["expected"], actual), abs=1e-6)


def test_seven_identical_applicants_are_a_significant_shift(active_model):
    for _ in range(7):
        CreditProfileFactory()

    assert credit_rescore_all(run_date=NIGHT).drift == "significant"


def test_without_a_model_rescoring_uses_the_rules_and_measures_no_drift(profiles):
    run = credit_rescore_all(run_date=NIGHT)

    assert run.scored == run.scored_by_rules == 7
    assert run.psi is None and run.drift == "not_measured"


def test_the_psi_of_a_distribution_against_itself_is_zero():
    shares = [0.1] * 10

    assert population_stability_index(shares, shares) == 0
    assert population_stability_index(shares, [0.2, 0.2, *[0.075] * 8]) > 0.1


def test_the_nightly_task_runs_the_service(active_model, profiles):
    rescore_all.delay(run_date=NIGHT.isoformat())

    assert RescoreRun.objects.get(run_date=NIGHT).scored == 7


def test_rescoring_keeps_the_application_and_refreshes_platform_data(active_model, profiles):
    from django.utils import timezone

    from credit.services import credit_event_record

    profile = profiles[0]
    credit_event_record(user=profile.user, kind="late_payment", amount="10", occurred_at=timezone.now(), reference="x")

    credit_rescore_all(run_date=NIGHT)

    score = CreditScore.objects.get(user=profile.user, rescore_date=NIGHT)
    assert score.inputs == profile.inputs
    assert score.features["credit_history"] == "delay in paying off in the past"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_of_one_night_score_each_customer_once(trained):
    import threading

    from django.db import connection

    from credit.services import credit_model_register

    credit_model_register(result=trained, activate=True)
    for _ in range(6):
        CreditProfileFactory()
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def worker():
        try:
            barrier.wait()
            credit_rescore_all(run_date=NIGHT, batch_size=2)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert RescoreRun.objects.get(run_date=NIGHT).scored == 6
    assert CreditScore.objects.filter(rescore_date=NIGHT).count() == 6
    assert CreditScore.objects.filter(rescore_date=NIGHT).values("user").distinct().count() == 6


def test_rescored_scores_written_in_bulk_are_in_the_audit_log(active_model, profiles):
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    credit_rescore_all(run_date=NIGHT, batch_size=3)

    scores = CreditScore.objects.filter(source="rescore", rescore_date=NIGHT)
    logged = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(CreditScore), action=LogEntry.Action.CREATE
    ).values_list("object_pk", flat=True)
    assert {str(pk) for pk in scores.values_list("pk", flat=True)} <= set(logged)
