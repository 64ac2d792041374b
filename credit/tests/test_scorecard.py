"""The scorecard: odds convention, validation, prohibited bases, the age rule, monotone WoE and
reason codes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from credit import attributes as a
from credit.scorecard import Scaling, ScorecardConfig, binning_fit, scorecard_fit
from credit.training import training_data_load

# --- the odds convention ---------------------------------------------------------------------------


def test_scaling_pins_the_good_to_bad_odds_convention():
    scaling = Scaling(pdo=20, base_score=600, base_odds=50)

    assert scaling.points_from_odds(50) == pytest.approx(600)
    assert scaling.points_from_odds(100) == pytest.approx(620)  # odds doubled: + PDO
    assert scaling.points_from_odds(25) == pytest.approx(580)
    # Odds are good:bad, so at the base score PD = 1 / (1 + base odds), and higher scores mean lower PD.
    assert scaling.pd_from_points(600) == pytest.approx(1 / 51)
    assert scaling.pd_from_points(620) == pytest.approx(1 / 101)
    assert scaling.points_from_pd(1 / 51) == pytest.approx(600)


def test_settings_scaling_gives_base_odds_at_base_score(settings):
    from credit.engine import scaling_from_settings

    scaling = scaling_from_settings()

    assert scaling.pd_from_points(settings.CREDIT_BASE_SCORE) == pytest.approx(1 / (1 + settings.CREDIT_BASE_ODDS))
    assert scaling.odds_from_points(settings.CREDIT_BASE_SCORE + settings.CREDIT_PDO) == pytest.approx(
        2 * settings.CREDIT_BASE_ODDS
    )


def test_scores_are_clipped_to_300_850():
    scaling = Scaling(pdo=40, base_score=660, base_odds=5)

    assert scaling.clip(np.array([-1000.0, 299.4, 612.6, 851.0, 5000.0])).tolist() == [300, 300, 613, 850, 850]


def test_probability_of_default_is_the_regressions_for_applicants_under_62(trained):
    scorecard = trained.scorecard
    frame = trained.data.model_frame
    under_62 = frame[frame[a.AGE] < 62]
    codes = scorecard.encode(under_62)

    from_points = scorecard.evaluate(codes).probability_of_default
    from_regression = scorecard.regression.predict_proba(scorecard.woe_matrix(codes))[:, 1]

    np.testing.assert_allclose(from_points, from_regression, rtol=1e-9)


# --- validation and prohibited bases ---------------------------------------------------------------


def test_cross_validated_mean_auc_is_at_least_0_74_over_5x3_folds(trained):
    cv = trained.cross_validation

    assert cv["folds"] >= 5 and cv["repeats"] >= 3
    assert len(cv["per_fold"]) == cv["folds"] * cv["repeats"]
    assert np.mean([fold["auc"] for fold in cv["per_fold"]]) >= 0.74
    assert cv["auc"]["std"] > 0  # a spread over the folds, not one number
    assert cv["gini"]["mean"] == pytest.approx(2 * cv["auc"]["mean"] - 1, abs=1e-3)


def test_prohibited_columns_are_absent_from_the_fitted_features(trained):
    fitted = set(trained.scorecard.features) | set(trained.scorecard.binnings)

    assert not fitted & {"personal_status_and_sex", "foreign_worker", "telephone"}
    assert not set(trained.params["features"]) & a.PROHIBITED_FEATURES
    assert "personal_status_and_sex" not in trained.data.model_frame.columns


def test_a_prohibited_column_cannot_be_a_candidate():
    data = training_data_load()
    config = ScorecardConfig(
        scaling=Scaling(pdo=40, base_score=660, base_odds=5), candidates=(a.CHECKING, "foreign_worker")
    )

    with pytest.raises(ValueError, match="prohibited"):
        scorecard_fit(data.frame, data.y, config=config)


def test_the_evaluation_column_cannot_be_binned_as_a_feature():
    data = training_data_load()

    with pytest.raises(ValueError, match="prohibited"):
        binning_fit(
            "personal_status_and_sex", data.frame["personal_status_and_sex"], data.y, max_bins=6, min_share=0.05
        )


# --- the age rule --------------------------------------------------------------------------------


def _age_points(scorecard) -> tuple[float, list[float]]:
    rows = [r for r in scorecard.points_rows() if r["feature"] == a.AGE and r["label"] != "missing"]
    protected = [r["points"] for r in rows if r["label"] == ">= 62"]
    younger = [r["points"] for r in rows if r["label"] != ">= 62"]
    assert len(protected) == 1, rows
    return protected[0], younger


def test_the_62_plus_bin_scores_at_least_as_high_as_any_younger_bin(trained):
    assert a.AGE in trained.scorecard.features
    protected, younger = _age_points(trained.scorecard)

    assert younger
    assert protected >= max(younger)
    assert 62.0 in trained.scorecard.binnings[a.AGE].edges.tolist()


def test_the_62_plus_floor_holds_even_when_the_data_scores_older_applicants_worse():
    data = training_data_load()
    y = data.y.copy()
    y[data.frame[a.AGE].to_numpy() >= 62] = 1  # every applicant 62+ defaulted
    config = ScorecardConfig(scaling=Scaling(pdo=40, base_score=660, base_odds=5), candidates=a.CANDIDATE_FEATURES)

    scorecard = scorecard_fit(data.model_frame, y, config=config)
    protected, younger = _age_points(scorecard)

    assert scorecard.age_floor_applied
    assert protected == pytest.approx(max(younger))


def test_the_published_points_table_carries_the_age_rule(trained):
    rows = [r for r in trained.params["points_table"] if r["feature"] == a.AGE and r["label"] != "missing"]
    protected = next(r["points"] for r in rows if r["label"] == ">= 62")

    assert protected >= max(r["points"] for r in rows if r["label"] != ">= 62")


# --- monotone weight of evidence -----------------------------------------------------------------


def test_points_never_rise_with_risk_along_ordered_attributes(trained):
    scorecard = trained.scorecard
    checked = 0
    for name in scorecard.features:
        attribute = a.ATTRIBUTES[name]
        table = scorecard.points_table[name]
        if attribute.chain:
            bins = [scorecard.binnings[name].bin_of_value(c) for c in attribute.chain]
            points = [table[b] for b in bins if b is not None]
        elif attribute.risk and not attribute.fixed_cuts:
            points = list(table[:-1]) if attribute.risk == a.RISK_UP else list(table[:-1])[::-1]
        elif attribute.risk:  # age: the bins below the fixed cut
            below = scorecard.binnings[name].n_bins - len(attribute.fixed_cuts)
            points = list(table[:below])[::-1]
        else:
            continue
        checked += 1
        assert all(x >= y - 1e-9 for x, y in zip(points, points[1:], strict=False)), (name, points)
    assert checked >= 5


def test_a_history_whose_data_contradicts_its_meaning_is_pooled_not_inverted():
    # In this data "critical account" has the lowest bad rate; along the meaning of the attribute it
    # must never score above a clean record, so the contradicting categories are pooled.
    data = training_data_load()
    binning = binning_fit(a.HISTORY, data.frame[a.HISTORY], data.y, max_bins=6, min_share=0.05)

    clean = binning.bin_of_value(a.HIST_PAID_DULY)
    critical = binning.bin_of_value(a.HIST_CRITICAL)
    assert binning.woe[critical] <= binning.woe[clean]


def test_monotone_history_keeps_its_signal_when_the_data_agrees():
    rng = np.random.default_rng(1)
    chain = a.ATTRIBUTES[a.HISTORY].chain
    values = rng.choice(chain, size=4000)
    risk = {c: 0.1 + 0.15 * k for k, c in enumerate(chain)}
    y = (rng.random(4000) < np.vectorize(risk.get)(values)).astype(int)

    binning = binning_fit(a.HISTORY, pd.Series(values), y, max_bins=6, min_share=0.05)

    assert binning.n_bins >= 4
    woe = [binning.woe[binning.bin_of_value(c)] for c in chain]
    assert woe == sorted(woe, reverse=True)


# --- scoring ---------------------------------------------------------------------------------------


def test_missing_and_unseen_values_score_the_neutral_share(trained):
    scorecard = trained.scorecard
    codes = scorecard.encode([{}, {a.PURPOSE: "something new", a.DURATION: None}])
    evaluation = scorecard.evaluate(codes)
    share = (scorecard.scaling.offset - scorecard.scaling.factor * scorecard.intercept) / len(scorecard.features)

    np.testing.assert_allclose(evaluation.points[0], share)
    assert evaluation.points[1, scorecard.features.index(a.PURPOSE)] == pytest.approx(share)
    assert evaluation.missing[0].all()


def test_batch_evaluation_equals_one_by_one(trained):
    scorecard = trained.scorecard
    frame = trained.data.model_frame.iloc[:200]
    batch = scorecard.evaluate(scorecard.encode(frame))

    singles = [scorecard.evaluate(scorecard.encode(frame.iloc[[i]])).scores[0] for i in range(len(frame))]

    assert batch.scores.tolist() == singles
    np.testing.assert_allclose(batch.points.sum(axis=1), batch.total)


def test_predict_proba_has_scikit_learn_shape(trained):
    scorecard = trained.scorecard
    proba = scorecard.predict_proba(scorecard.encode(trained.data.model_frame.iloc[:10]))

    assert proba.shape == (10, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


# --- reason codes ----------------------------------------------------------------------------------


def _value_in_bin(scorecard, name: str, k: int):
    binning = scorecard.binnings[name]
    if binning.kind == a.CATEGORICAL:
        return next(c for c, b in binning.category_bin.items() if b == k)
    lowers = [-math.inf, *binning.edges.tolist()]
    uppers = [*binning.edges.tolist(), math.inf]
    lo, hi = lowers[k], uppers[k]
    if lo == -math.inf:
        return hi - 1
    if hi == math.inf:
        return lo + 1
    return (lo + hi) / 2


def _best_applicant(scorecard) -> dict:
    return {
        name: _value_in_bin(scorecard, name, int(np.argmax(scorecard.points_table[name][:-1])))
        for name in scorecard.features
    }


def test_the_best_applicant_has_no_reasons(trained):
    scorecard = trained.scorecard
    evaluation = scorecard.evaluate(scorecard.encode([_best_applicant(scorecard)]))

    assert scorecard.reasons(evaluation) == [[]]


@pytest.mark.parametrize("feature_index", range(11))
def test_the_one_differing_feature_is_the_first_reason_of_the_lower_score(trained, feature_index):
    scorecard = trained.scorecard
    if feature_index >= len(scorecard.features):
        pytest.skip("fewer features in this fit")
    name = scorecard.features[feature_index]
    better = _best_applicant(scorecard)
    worse = dict(better)
    worse[name] = _value_in_bin(scorecard, name, int(np.argmin(scorecard.points_table[name][:-1])))

    evaluation = scorecard.evaluate(scorecard.encode([better, worse]))
    reasons = scorecard.reasons(evaluation, [better, worse])

    assert evaluation.total[1] < evaluation.total[0]  # (both may clip at 850)
    assert evaluation.scores[1] <= evaluation.scores[0]
    assert reasons[1][0]["feature"] == name
    assert reasons[1][0]["code"] == a.ATTRIBUTES[name].reason_code


def test_at_most_four_reasons_largest_shortfall_first_each_with_plain_text(trained):
    scorecard = trained.scorecard
    frame = trained.data.model_frame
    evaluation = scorecard.evaluate(scorecard.encode(frame))
    reasons = scorecard.reasons(evaluation)

    assert max(len(r) for r in reasons) == 4
    for row in reasons:
        gaps = [r["points_below_best"] for r in row]
        assert gaps == sorted(gaps, reverse=True)
        for reason in row:
            assert reason["code"].startswith("CR") and len(reason["text"]) > 5
            assert "insufficient score" not in reason["text"].lower()
