"""The rule-based fallback score."""

from __future__ import annotations

import pytest
from django.conf import settings

from credit import attributes as a
from credit.engine import scaling_from_settings
from credit.rules import rules_score


def score(**attributes):
    return rules_score(
        attributes,
        rules=settings.CREDIT_RULES,
        scaling=scaling_from_settings(),
        protected_age=settings.CREDIT_PROTECTED_AGE,
    )


def test_nothing_known_scores_the_base():
    result = score()

    assert result.score == settings.CREDIT_RULES["base"]
    assert result.points["base"] == settings.CREDIT_RULES["base"]


def test_each_fact_moves_the_score_by_its_documented_points():
    rules = settings.CREDIT_RULES
    result = score(**{a.CHECKING: a.CHK_NEGATIVE, a.HISTORY: a.HIST_DELAY, a.DURATION: 48})

    assert result.score == rules["base"] + rules["cash_negative"] + rules["history_delay"] + rules["term_long"]


def test_age_only_ever_helps_applicants_62_and_over():
    base = score().score

    assert score(**{a.AGE: 30}).score == base
    assert score(**{a.AGE: 61}).score == base
    assert score(**{a.AGE: 19}).score == base
    assert score(**{a.AGE: 62}).score == base + settings.CREDIT_RULES["age_protected"]
    assert score(**{a.AGE: 80}).score > base


def test_age_is_never_a_reason():
    result = score(**{a.AGE: 30, a.CHECKING: a.CHK_LOW})

    assert a.AGE not in {r["feature"] for r in result.reasons}


def test_reasons_name_the_largest_shortfalls_first_at_most_four():
    result = score(
        **{
            a.CHECKING: a.CHK_NEGATIVE,
            a.HISTORY: a.HIST_CRITICAL,
            a.SAVINGS: a.SAV_LT_100,
            a.DURATION: 60,
            a.INSTALMENT_RATE: 4,
            a.EMPLOYMENT: a.EMP_UNEMPLOYED,
        }
    )

    assert len(result.reasons) == 4
    assert result.reasons[0]["feature"] == a.HISTORY  # -120 against +20: the largest gap
    assert result.reasons[0]["text"] == "Delinquent past or present credit obligations with us"
    gaps = [r["points_below_best"] for r in result.reasons]
    assert gaps == sorted(gaps, reverse=True)


def test_probability_of_default_follows_the_score_through_the_odds_convention():
    low, high = score(**{a.HISTORY: a.HIST_CRITICAL}), score(**{a.CHECKING: a.CHK_HIGH})

    assert low.probability_of_default > high.probability_of_default
    assert high.probability_of_default == pytest.approx(float(scaling_from_settings().pd_from_points(high.score)))


def test_scores_stay_on_the_scale():
    worst = score(
        **{
            a.CHECKING: a.CHK_NEGATIVE,
            a.HISTORY: a.HIST_CRITICAL,
            a.SAVINGS: a.SAV_LT_100,
            a.DURATION: 72,
            a.INSTALMENT_RATE: 4,
            a.EMPLOYMENT: a.EMP_UNEMPLOYED,
        }
    )

    assert 300 <= worst.score <= 850
