"""An IsolationForest's fitted trees as numpy arrays, scored without scikit-learn.

`IsolationForest.score_samples` costs milliseconds for one row (input validation, a joblib pass
over every tree); a decision cannot afford that. `export_forest` copies what scoring needs from a
fitted forest into padded (trees × nodes) arrays; `ForestArrays.score_samples` walks all trees at
once with numpy and reproduces scikit-learn's result (same float32 input cast, same per-leaf path
length, same normalisation), to within floating-point summation order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

FORMAT = "fraud-isolation-forest-arrays/1"


def average_path_length(n: np.ndarray) -> np.ndarray:
    """c(n): the average path length of an unsuccessful search in a binary search tree of n items."""
    n = np.asarray(n, dtype=np.float64)
    out = np.zeros_like(n)
    out[n == 2] = 1.0
    big = n > 2
    out[big] = 2.0 * (np.log(n[big] - 1.0) + np.euler_gamma) - 2.0 * (n[big] - 1.0) / n[big]
    return out


@dataclass(frozen=True)
class ForestArrays:
    feature: np.ndarray  # (trees, nodes) int64: input column split on, -1 at a leaf
    threshold: np.ndarray  # (trees, nodes) float64
    left: np.ndarray  # (trees, nodes) int64
    right: np.ndarray  # (trees, nodes) int64
    leaf_value: np.ndarray  # (trees, nodes) float64: depth + c(samples in leaf) - 1 at leaves
    denominator: float  # trees × c(max_samples)
    depth: int  # the deepest leaf
    feature_names: tuple[str, ...] = ()
    calibration: dict = field(default_factory=dict)
    format: str = FORMAT

    @property
    def n_trees(self) -> int:
        return int(self.feature.shape[0])

    def score_samples(self, rows_x: np.ndarray) -> np.ndarray:
        """The opposite of the anomaly score, exactly as `IsolationForest.score_samples`."""
        x = np.asarray(rows_x)
        if x.ndim == 1:
            x = x.reshape(1, -1)
        # scikit-learn casts the input to float32 and compares it with float64 thresholds.
        x = x.astype(np.float32).astype(np.float64)
        rows = x.shape[0]
        trees = np.arange(self.n_trees)[np.newaxis, :]
        row_index = np.arange(rows)[:, np.newaxis]
        node = np.zeros((rows, self.n_trees), dtype=np.int64)
        for _ in range(self.depth):
            feature = self.feature[trees, node]
            internal = feature >= 0
            value = x[row_index, np.where(internal, feature, 0)]
            go_left = value <= self.threshold[trees, node]
            child = np.where(go_left, self.left[trees, node], self.right[trees, node])
            node = np.where(internal, child, node)
        depths = self.leaf_value[trees, node].sum(axis=1)
        if self.denominator == 0:
            return -np.ones(rows)
        return -(2.0 ** (-depths / self.denominator))

    def anomaly(self, x: np.ndarray) -> float:
        """The anomaly score (0..1, higher is more anomalous) of one row."""
        return float(-self.score_samples(x)[0])


def export_forest(model, *, feature_names: tuple[str, ...] = (), calibration: dict | None = None) -> ForestArrays:
    """Copy a fitted `sklearn.ensemble.IsolationForest` into `ForestArrays`."""
    estimators = model.estimators_
    n_nodes = max(e.tree_.node_count for e in estimators)
    shape = (len(estimators), n_nodes)
    feature = np.full(shape, -1, dtype=np.int64)
    threshold = np.zeros(shape, dtype=np.float64)
    left = np.zeros(shape, dtype=np.int64)
    right = np.zeros(shape, dtype=np.int64)
    leaf_value = np.zeros(shape, dtype=np.float64)
    depth = 0
    for t, (estimator, features) in enumerate(zip(estimators, model.estimators_features_, strict=True)):
        tree = estimator.tree_
        count = tree.node_count
        is_leaf = tree.children_left[:count] == -1
        node_depth = tree.compute_node_depths()[:count]
        # map the tree's (possibly subsampled) columns back to the input's columns
        column = np.asarray(features)[np.clip(tree.feature[:count], 0, None)]
        feature[t, :count] = np.where(is_leaf, -1, column)
        threshold[t, :count] = tree.threshold[:count]
        left[t, :count] = np.where(is_leaf, 0, tree.children_left[:count])
        right[t, :count] = np.where(is_leaf, 0, tree.children_right[:count])
        leaf_value[t, :count] = node_depth + average_path_length(tree.n_node_samples[:count]) - 1.0
        depth = max(depth, int(node_depth[is_leaf].max()) if count > 1 else 0)
    denominator = float(len(estimators) * average_path_length(np.array([model._max_samples]))[0])
    return ForestArrays(
        feature=feature,
        threshold=threshold,
        left=left,
        right=right,
        leaf_value=leaf_value,
        denominator=denominator,
        depth=depth,
        feature_names=tuple(feature_names),
        calibration=dict(calibration or {}),
    )
