"""Scoring, the repayment record, validity, fallbacks, anchoring form, data rights."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.utils import timezone

import accounts.selectors
import portfolios.selectors
from accounts.tests.factories import UserFactory
from blockguardian.models import LegalHoldRecord, ModelVersion
from blockguardian.registry import artefact_dumps, model_activate, model_register
from credit import attributes as a
from credit.errors import CreditEventInvalid, CreditEventReferenceReused
from credit.health import check_credit_model
from credit.mapping import Application
from credit.models import CreditEvent, CreditProfile, CreditScore
from credit.scorecard import Scorecard
from credit.selectors import credit_data_export, latest_valid_score
from credit.services import credit_data_erase, credit_event_record, credit_score_calculate

from .factories import APPLICATION, CreditEventFactory

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class FakeBalances:
    settled_cash: Decimal
    total_cash: Decimal
    market_value: Decimal


@pytest.fixture
def application() -> Application:
    return Application.from_inputs(APPLICATION)


@pytest.fixture
def platform(monkeypatch):
    """Balances and ages the other apps would report, per customer."""
    balances: dict = {}
    ages: dict = {}
    monkeypatch.setattr(portfolios.selectors, "customer_balances", lambda *, user: balances.get(user.pk), raising=False)
    monkeypatch.setattr(accounts.selectors, "customer_age", lambda *, user, on: ages.get(user.pk), raising=False)
    return balances, ages


# --- scoring --------------------------------------------------------------------------------------


def test_a_score_from_the_active_model_keeps_version_points_and_reasons(active_model, user, application):
    score = credit_score_calculate(user=user, application=application)

    assert score.method == "model"
    assert score.model_version == active_model
    assert 300 <= score.score <= 850
    assert set(score.points) == set(active_model.params["features"])
    assert 0 < score.probability_of_default < 1
    assert len(score.reasons) <= 4
    assert score.inputs["loan_amount"] == "5000.00"
    assert CreditProfile.objects.get(user=user).inputs == score.inputs


def test_points_explain_the_score(active_model, user, application):
    score = credit_score_calculate(user=user, application=application)

    assert round(sum(score.points.values())) == pytest.approx(score.score, abs=1)


def test_without_an_active_model_the_score_comes_from_the_rules(user, application):
    score = credit_score_calculate(user=user, application=application)

    assert score.method == "rules"
    assert score.model_version is None
    assert "base" in score.points
    assert check_credit_model()["status"] == "not_configured"


def test_an_artefact_that_fails_its_hash_check_falls_back_to_rules(active_model, user, application):
    ModelVersion.objects.filter(pk=active_model.pk).update(artefact=b"tampered")

    score = credit_score_calculate(user=user, application=application)

    assert score.method == "rules"
    assert check_credit_model()["status"] == "degraded"


def test_an_artefact_that_is_not_a_scorecard_falls_back_to_rules(user, application, settings):
    version = model_register(
        name=settings.CREDIT_MODEL_NAME,
        artefact=artefact_dumps({"not": "a scorecard"}),
        training_data_hash="0" * 64,
        metrics={},
    )
    model_activate(version=version)

    assert credit_score_calculate(user=user, application=application).method == "rules"


def test_a_model_that_fails_to_evaluate_falls_back_to_rules(active_model, user, application, monkeypatch):
    def broken(self, codes):
        raise FloatingPointError("boom")

    monkeypatch.setattr(Scorecard, "evaluate", broken)

    assert credit_score_calculate(user=user, application=application).method == "rules"


def test_a_score_is_a_credit_application_record(active_model, user, application):
    first = credit_score_calculate(user=user, application=application)
    second = credit_score_calculate(user=user, application=application)

    assert first.retention_class == "credit_application"
    assert first.retain_until == (first.scored_at + relativedelta(months=25)).date()
    assert second.retention_class == "credit_application"
    assert first.valid_until == first.scored_at + dt.timedelta(days=30)


# --- platform data --------------------------------------------------------------------------------


def test_balances_from_portfolios_set_checking_and_savings(active_model, user, application, platform):
    balances, _ = platform
    balances[user.pk] = FakeBalances(Decimal("5000.00"), Decimal("5000.00"), Decimal("10000.00"))

    score = credit_score_calculate(user=user, application=application)

    assert score.features[a.CHECKING] == a.CHK_HIGH
    assert score.features[a.SAVINGS] == a.SAV_GE_1000


def test_unknown_balances_score_checking_and_savings_neutrally(active_model, user, application, platform):
    score = credit_score_calculate(user=user, application=application)

    assert score.features[a.CHECKING] is None
    assert score.features[a.SAVINGS] is None


def test_a_failing_balance_read_is_unknown_not_an_error(active_model, user, application, monkeypatch):
    def failing(*, user):
        raise RuntimeError("ledger unavailable")

    monkeypatch.setattr(portfolios.selectors, "customer_balances", failing, raising=False)

    assert credit_score_calculate(user=user, application=application).features[a.CHECKING] is None


def test_without_the_selectors_balances_and_age_are_unknown(active_model, user, application, monkeypatch):
    monkeypatch.delattr(portfolios.selectors, "customer_balances", raising=False)
    monkeypatch.delattr(accounts.selectors, "customer_age", raising=False)

    score = credit_score_calculate(user=user, application=application)

    assert score.features[a.CHECKING] is None and score.features[a.AGE] is None


def test_age_comes_from_accounts(active_model, user, application, platform):
    _, ages = platform
    ages[user.pk] = 64

    score = credit_score_calculate(user=user, application=application)

    assert score.features[a.AGE] == 64
    assert a.AGE not in {r["feature"] for r in score.reasons}  # 62+ scores the best age points


# --- the repayment record -------------------------------------------------------------------------


def test_a_credit_event_is_recorded_once_per_reference(user):
    at = timezone.now()
    first = credit_event_record(user=user, kind="repayment", amount="250.00", occurred_at=at, reference="loan-7/1")
    again = credit_event_record(
        user=user, kind="repayment", amount=Decimal("250"), occurred_at=at, reference="loan-7/1"
    )

    assert again.pk == first.pk
    assert CreditEvent.objects.count() == 1


def test_the_same_reference_with_other_details_is_a_conflict(user):
    at = timezone.now()
    credit_event_record(user=user, kind="repayment", amount="250.00", occurred_at=at, reference="loan-7/1")

    with pytest.raises(CreditEventReferenceReused):
        credit_event_record(user=user, kind="repayment", amount="300.00", occurred_at=at, reference="loan-7/1")


@pytest.mark.parametrize(
    ("kind", "amount", "reference"),
    [("gift", "1.00", "r"), ("repayment", "-1.00", "r"), ("repayment", "1.00", ""), ("repayment", "abc", "r")],
)
def test_invalid_credit_events_are_refused(user, kind, amount, reference):
    with pytest.raises(CreditEventInvalid):
        credit_event_record(user=user, kind=kind, amount=amount, occurred_at=timezone.now(), reference=reference)
    assert not CreditEvent.objects.exists()


def test_a_naive_time_is_refused(user):
    with pytest.raises(CreditEventInvalid):
        credit_event_record(
            user=user, kind="repayment", amount="1.00", occurred_at=dt.datetime(2026, 1, 1), reference="r"
        )


def test_events_feed_the_credit_history_attribute(user, application):
    credit_event_record(user=user, kind="repayment", amount="100", occurred_at=timezone.now(), reference="a")
    assert credit_score_calculate(user=user, application=application).features[a.HISTORY] == a.HIST_PAID_DULY

    credit_event_record(user=user, kind="late_payment", amount="100", occurred_at=timezone.now(), reference="b")
    assert credit_score_calculate(user=user, application=application).features[a.HISTORY] == a.HIST_DELAY

    credit_event_record(user=user, kind="charge_off", amount="900", occurred_at=timezone.now(), reference="c")
    assert credit_score_calculate(user=user, application=application).features[a.HISTORY] == a.HIST_CRITICAL


def test_late_payments_outside_the_look_back_no_longer_count(user, application, settings):
    long_ago = timezone.now() - dt.timedelta(days=settings.CREDIT_HISTORY_LOOKBACK_DAYS + 5)
    CreditEventFactory(user=user, kind="repayment")
    CreditEventFactory(user=user, kind="late_payment", occurred_at=long_ago)

    assert credit_score_calculate(user=user, application=application).features[a.HISTORY] == a.HIST_PAID_DULY


def test_a_worse_repayment_record_never_raises_the_rules_score(user, application):
    clean = credit_score_calculate(user=user, application=application)
    credit_event_record(user=user, kind="delinquency", amount="100", occurred_at=timezone.now(), reference="d")

    assert credit_score_calculate(user=user, application=application).score < clean.score


# --- validity ---------------------------------------------------------------------------------------


def test_latest_valid_score_within_the_validity_period(active_model, user, application, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        credit_score_calculate(user=user, application=application)
    with time_machine.travel(start + dt.timedelta(days=1), tick=False):
        newest = credit_score_calculate(user=user, application=application)

    with time_machine.travel(start + dt.timedelta(days=settings.CREDIT_SCORE_VALID_DAYS), tick=False):
        assert latest_valid_score(user=user) == newest
    with time_machine.travel(start + dt.timedelta(days=settings.CREDIT_SCORE_VALID_DAYS + 1, seconds=1), tick=False):
        assert latest_valid_score(user=user) is None


def test_latest_valid_score_is_the_customers_own(active_model, user, application):
    credit_score_calculate(user=UserFactory(), application=application)

    assert latest_valid_score(user=user) is None


# --- anchoring form ---------------------------------------------------------------------------------


# --- data rights -------------------------------------------------------------------------------------


def test_the_export_holds_the_customers_own_scores_and_record(active_model, user, application):
    mine = credit_score_calculate(user=user, application=application)
    credit_score_calculate(user=UserFactory(), application=application)
    CreditEventFactory(user=user, kind="repayment", amount=Decimal("99.00"))

    export = credit_data_export(user)

    assert [s["id"] for s in export["scores"]] == [str(mine.public_id)]
    assert export["scores"][0]["reasons"] == mine.reasons
    assert export["application_on_file"]["loan_amount"] == "5000.00"
    assert export["repayment_record"][0]["amount"] == "99.00"


def test_erasure_moves_score_content_to_legal_hold_and_masks_it(active_model, user, application):
    score = credit_score_calculate(user=user, application=application)

    credit_data_erase(user)

    score.refresh_from_db()
    assert score.inputs == {} and score.features == {} and score.points == {} and score.reasons == []
    assert score.erased_at is not None
    assert not CreditProfile.objects.filter(user=user).exists()
    hold = LegalHoldRecord.objects.get(subject_id=str(user.pk), source_app="credit")
    assert hold.record_class == "credit_application"
    assert hold.retain_until == (score.scored_at + relativedelta(months=25)).date()
    assert "5000.00" not in hold.payload_encrypted  # encrypted at rest


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_applications_keep_both_scores_and_one_profile(application):
    import threading

    from django.db import connection

    user = UserFactory()
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def worker():
        try:
            barrier.wait()
            credit_score_calculate(user=user, application=application)
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
    assert CreditScore.objects.filter(user=user).count() == 2
    assert CreditProfile.objects.filter(user=user).count() == 1
