"""An IsolationForest's fitted trees as numpy arrays, scored without scikit-learn.

`IsolationForest.score_samples` costs milliseconds for one row (input validation, a joblib pass
over every tree); a decision cannot afford that. `export_forest` copies what scoring needs from a
fitted forest into padded (trees × nodes) arrays (the artefact stored in the model registry).
`ForestArrays.score_samples` reproduces scikit-learn's result bit for bit: the same float32 input
cast, the same per-leaf path length (depth + c(leaf samples) − 1), the trees' path lengths added in
the same order, the same normalisation.

Scoring walks every tree at once over a flat copy of the nodes (built once per process, on first
use): a leaf points to itself on both sides with an infinite threshold, so `depth` steps of a few
numpy operations reach every tree's leaf without a branch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

FORMAT = "fraud-isolation-forest-arrays/1"


def average_path_length(n: np.ndarray) -> np.ndarray:
    """c(n): the average path length of an unsuccessful search in a binary search tree of n items
    (0 for n ≤ 1, 1 for n = 2), as scikit-learn's `_average_path_length`."""
    n = np.asarray(n, dtype=np.float64)
    out = np.zeros_like(n)
    out[n == 2] = 1.0
    big = n > 2
    out[big] = 2.0 * (np.log(n[big] - 1.0) + np.euler_gamma) - 2.0 * (n[big] - 1.0) / n[big]
    return out


@dataclass(frozen=True)
class _FlatForest:
    """Every tree's nodes in one array; node k of tree t is `roots[t] + k`."""

    roots: np.ndarray  # (trees,) int64
    feature: np.ndarray  # (nodes,) intp: input column (0 at a leaf)
    threshold: np.ndarray  # (nodes,) float64: +inf at a leaf
    children: np.ndarray  # (2 × nodes,) intp: left children, then right children (a leaf: itself)
    leaf_value: np.ndarray  # (nodes,) float64
    size: int  # nodes

    @classmethod
    def build(cls, forest: ForestArrays) -> _FlatForest:
        trees, width = forest.feature.shape
        counts = np.array([_node_count(forest, t) for t in range(trees)], dtype=np.intp)
        roots = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.intp)
        size = int(counts.sum())
        feature = np.zeros(size, dtype=np.intp)
        threshold = np.full(size, np.inf, dtype=np.float64)
        left = np.zeros(size, dtype=np.intp)
        right = np.zeros(size, dtype=np.intp)
        leaf_value = np.zeros(size, dtype=np.float64)
        for t in range(trees):
            count, offset = int(counts[t]), int(roots[t])
            nodes = slice(offset, offset + count)
            own = np.arange(offset, offset + count, dtype=np.intp)
            internal = forest.feature[t, :count] >= 0
            feature[nodes] = np.where(internal, forest.feature[t, :count], 0)
            threshold[nodes] = np.where(internal, forest.threshold[t, :count], np.inf)
            left[nodes] = np.where(internal, forest.left[t, :count] + offset, own)
            right[nodes] = np.where(internal, forest.right[t, :count] + offset, own)
            leaf_value[nodes] = forest.leaf_value[t, :count]
        return cls(
            roots=roots,
            feature=feature,
            threshold=threshold,
            children=np.concatenate([left, right]),
            leaf_value=leaf_value,
            size=size,
        )


def _node_count(forest: ForestArrays, t: int) -> int:
    """Nodes of tree t in the padded arrays: every node is the root or some node's child."""
    internal = forest.feature[t] >= 0
    if not internal.any():
        return 1
    return int(max(forest.left[t][internal].max(), forest.right[t][internal].max())) + 1


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

    @cached_property
    def _flat(self) -> _FlatForest:
        return _FlatForest.build(self)

    def __getstate__(self) -> dict:
        # the flat copy is derived: never part of the stored artefact
        state = dict(self.__dict__)
        state.pop("_flat", None)
        return state

    def prepare(self) -> ForestArrays:
        """Build the flat copy now (at load) rather than on the first score."""
        _ = self._flat
        return self

    def path_lengths(self, rows_x: np.ndarray) -> np.ndarray:
        """(rows, trees) path length of each row in each tree, leaf correction included."""
        x = np.asarray(rows_x)
        if x.ndim == 1:
            x = x.reshape(1, -1)
        # scikit-learn casts the input to float32 and compares it with float64 thresholds.
        with np.errstate(over="ignore"):  # too large for float32: infinite, refused below
            x = np.ascontiguousarray(x, dtype=np.float32).astype(np.float64)
        if not np.isfinite(x).all():
            # scikit-learn refuses infinities too; NaN would follow each split's learned side for
            # missing values, which the export does not keep (the features are never NaN)
            raise ValueError("features must be finite (as float32)")
        flat = self._flat
        rows, columns = x.shape
        node = np.broadcast_to(flat.roots, (rows, len(flat.roots)))
        row_start = (np.arange(rows, dtype=np.intp) * columns)[:, np.newaxis]
        values = x.ravel()
        for _ in range(self.depth):
            go_right = values[row_start + flat.feature[node]] > flat.threshold[node]
            node = flat.children[node + flat.size * go_right]
        return flat.leaf_value[node]

    def score_samples(self, rows_x: np.ndarray) -> np.ndarray:
        """The opposite of the anomaly score, exactly as `IsolationForest.score_samples`."""
        lengths = self.path_lengths(rows_x)
        # scikit-learn adds the trees' path lengths one tree after another: a running sum does too
        depths = np.cumsum(lengths, axis=1)[:, -1]
        # (a forest fitted on one sample has a zero denominator: scikit-learn takes the ratio as 1)
        ratio = np.divide(depths, self.denominator, out=np.ones_like(depths), where=self.denominator != 0)
        return -(2.0 ** (-ratio))

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
        # scikit-learn: decision path length + c(n_node_samples) - 1.0, in that order
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
