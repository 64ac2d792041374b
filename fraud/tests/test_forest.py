"""The exported forest is the fitted model: it reproduces scikit-learn's scores without calling
scikit-learn."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.ensemble import IsolationForest

from fraud.forest import export_forest


@pytest.mark.parametrize(("trees", "max_features", "max_samples"), [(100, 1.0, 256), (50, 0.6, 128), (10, 1.0, 40)])
def test_numpy_walk_reproduces_score_samples(trees, max_features, max_samples):
    rng = np.random.default_rng(42)
    train = np.vstack([rng.normal(0, 1, size=(2000, 16)), rng.normal(4, 0.5, size=(40, 16))])
    model = IsolationForest(n_estimators=trees, max_features=max_features, max_samples=max_samples, random_state=7).fit(
        train
    )
    forest = export_forest(model)
    rows = np.vstack([rng.normal(0, 2, size=(3000, 16)), train[:200], np.full((1, 16), 1e6)])

    ours, theirs = forest.score_samples(rows), model.score_samples(rows)

    assert np.max(np.abs(ours - theirs)) <= 1e-12


def test_each_row_scored_alone_equals_score_samples():
    """The hot path scores one row at a time: on a few hundred random rows, each equals
    scikit-learn's score within 1e-12."""
    rng = np.random.default_rng(1)
    model = IsolationForest(n_estimators=100, random_state=0).fit(rng.normal(size=(1000, 16)))
    forest = export_forest(model)
    rows = np.vstack([rng.normal(0, 1.5, size=(300, 16)), rng.uniform(-50, 50, size=(100, 16))])

    ours = np.array([forest.anomaly(row) for row in rows])
    theirs = -model.score_samples(rows)

    assert np.max(np.abs(ours - theirs)) <= 1e-12


def test_float32_cast_matches_at_split_boundaries():
    """scikit-learn compares float32 inputs with float64 thresholds; values that only differ in
    float64 must fall on the same side of a split."""
    rng = np.random.default_rng(3)
    train = rng.normal(size=(300, 3))
    model = IsolationForest(n_estimators=20, random_state=0).fit(train)
    forest = export_forest(model)
    thresholds = forest.threshold[forest.feature >= 0]
    rows = np.repeat(thresholds[:50, np.newaxis], 3, axis=1) + 1e-12

    assert np.max(np.abs(forest.score_samples(rows) - model.score_samples(rows))) <= 1e-12


def test_a_forest_of_one_sample_scores_like_scikit_learn():
    model = IsolationForest(n_estimators=5, random_state=0).fit(np.ones((1, 3)))
    forest = export_forest(model)
    rows = np.random.default_rng(0).normal(size=(10, 3))

    assert np.array_equal(forest.score_samples(rows), model.score_samples(rows))


def test_the_stored_artefact_leaves_out_the_flat_copy():
    rng = np.random.default_rng(5)
    forest = export_forest(IsolationForest(n_estimators=10, random_state=0).fit(rng.normal(size=(200, 4))))
    row = rng.normal(size=4)
    before = forest.prepare().anomaly(row)

    loaded = pickle.loads(pickle.dumps(forest))  # noqa: S301 - written just above

    assert "_flat" not in loaded.__dict__
    assert loaded.anomaly(row) == before


@pytest.mark.parametrize("value", [np.nan, np.inf, 1e300])
def test_a_non_finite_feature_is_refused(value):
    rng = np.random.default_rng(6)
    forest = export_forest(IsolationForest(n_estimators=10, random_state=0).fit(rng.normal(size=(200, 4))))

    with pytest.raises(ValueError, match="finite"):
        forest.anomaly(np.array([0.0, value, 0.0, 0.0]))
