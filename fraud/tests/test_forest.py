"""The exported forest reproduces scikit-learn's scores without calling scikit-learn."""

from __future__ import annotations

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

    assert np.max(np.abs(ours - theirs)) < 1e-9


def test_one_row_is_scored_like_a_batch():
    rng = np.random.default_rng(1)
    model = IsolationForest(n_estimators=30, random_state=0).fit(rng.normal(size=(500, 5)))
    forest = export_forest(model)
    row = rng.normal(size=5)

    assert forest.anomaly(row) == pytest.approx(-model.score_samples(row.reshape(1, -1))[0], abs=1e-12)


def test_float32_cast_matches_at_split_boundaries():
    """scikit-learn compares float32 inputs with float64 thresholds; values that only differ in
    float64 must fall on the same side of a split."""
    rng = np.random.default_rng(3)
    train = rng.normal(size=(300, 3))
    model = IsolationForest(n_estimators=20, random_state=0).fit(train)
    forest = export_forest(model)
    thresholds = forest.threshold[forest.feature >= 0]
    rows = np.repeat(thresholds[:50, np.newaxis], 3, axis=1) + 1e-12

    assert np.max(np.abs(forest.score_samples(rows) - model.score_samples(rows))) < 1e-9
