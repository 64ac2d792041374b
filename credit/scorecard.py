"""The credit scorecard: binned attributes, weight of evidence, logistic regression, points.

Fitting (`scorecard_fit`):

1. Every candidate attribute is binned. Numeric attributes get supervised cut points (a shallow
   decision tree on the attribute alone, each leaf at least `min_bin_share` of the data); ordered
   categorical attributes keep one bin per category along their meaning (`Attribute.chain`), and
   nominal ones one bin per category. Small bins are merged into their closest neighbour. Where
   the attribute's meaning fixes the direction of risk, adjacent bins that contradict it are pooled
   until the weight of evidence is monotone. Fixed cuts are imposed whatever the data says (age: a
   cut at 62, the 62+ bin kept whole).
2. Weight of evidence per bin, WoE = ln(share of goods / share of bads), with half a count added
   to each cell; information value per attribute. Attributes below `min_iv` are dropped.
3. Logistic regression (scikit-learn) of default on the WoE columns. A negative WoE coefficient
   for P(default) is the only sign that keeps points ordered like the WoE; an attribute whose
   coefficient comes out with the other sign is dropped and the model refitted.
4. Points (see `Scaling` for the one odds convention), per attribute and bin, with the intercept
   spread evenly over the attributes. A value the scorecard has not seen (missing, or a category
   outside the training data) scores WoE 0: the attribute's share of the intercept only.
5. The age rule: the 62+ bin's points are raised, if need be, to the highest points of any
   younger bin.

Scoring (`Scorecard.evaluate`) is vectorised: an attribute-code matrix → per-attribute points →
score, probability of default and reason codes, with no Python loop over applicants.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .attributes import AGE, ATTRIBUTES, CATEGORICAL, NUMERIC, PROHIBITED_FEATURES, RISK_DOWN, RISK_UP, reason_for

SMOOTHING = 0.5
MAX_REASONS = 4
# Missing or unknown in the code matrix: +inf for a numeric attribute, one past the last category
# for a categorical one (`missing_code`), so every lookup is a plain non-negative index.
MISSING_NUMBER = np.inf


def missing_code(name: str) -> float:
    attribute = ATTRIBUTES[name]
    return MISSING_NUMBER if attribute.kind == NUMERIC else float(len(attribute.categories))


# --- the odds convention ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Scaling:
    """Points to double the odds.

    The one convention: **odds are good:bad**, the odds of not defaulting, odds = (1 - PD) / PD.
    A score of `base_score` means odds of `base_odds`:1; every `pdo` points more doubles them.

        score = offset + factor × ln(odds),  factor = pdo / ln 2,  offset = base_score − factor × ln(base_odds)

    so PD = 1 / (1 + exp((score − offset) / factor)). Scores are then rounded and clipped to
    [min_score, max_score]; the probability of default is taken from the unclipped points.
    """

    pdo: float
    base_score: float
    base_odds: float
    min_score: int = 300
    max_score: int = 850

    def __post_init__(self) -> None:
        if self.pdo <= 0 or self.base_odds <= 0:
            raise ValueError("pdo and base_odds must be positive")
        if self.min_score >= self.max_score:
            raise ValueError("min_score must be below max_score")

    @property
    def factor(self) -> float:
        return self.pdo / math.log(2)

    @property
    def offset(self) -> float:
        return self.base_score - self.factor * math.log(self.base_odds)

    def points_from_odds(self, odds: float) -> float:
        return self.offset + self.factor * math.log(odds)

    def odds_from_points(self, points: float) -> float:
        return math.exp((points - self.offset) / self.factor)

    def pd_from_points(self, points: np.ndarray | float) -> np.ndarray | float:
        return 1.0 / (1.0 + np.exp((np.asarray(points, dtype=float) - self.offset) / self.factor))

    def points_from_pd(self, pd_: float) -> float:
        return self.points_from_odds((1.0 - pd_) / pd_)

    def clip(self, points: np.ndarray) -> np.ndarray:
        return np.clip(np.rint(points), self.min_score, self.max_score).astype(np.int16)


# --- binning ---------------------------------------------------------------------------------------


@dataclass
class Binning:
    """One attribute's fitted bins and their weight of evidence.

    Numeric: `edges` are the inner cut points, ascending; bin i holds edges[i-1] <= x < edges[i].
    Categorical: `category_bin` maps each category seen in training to its bin.
    """

    name: str
    kind: str
    labels: list[str]
    goods: np.ndarray
    bads: np.ndarray
    edges: np.ndarray | None = None
    category_bin: dict[str, int] | None = None
    woe: np.ndarray = field(default_factory=lambda: np.zeros(0))
    iv: float = 0.0

    def __post_init__(self) -> None:
        total_good, total_bad = self.goods.sum(), self.bads.sum()
        good_share = (self.goods + SMOOTHING) / max(total_good, 1)
        bad_share = (self.bads + SMOOTHING) / max(total_bad, 1)
        self.woe = np.log(good_share / bad_share)
        self.iv = float(np.sum((self.goods / max(total_good, 1) - self.bads / max(total_bad, 1)) * self.woe))

    @property
    def n_bins(self) -> int:
        return len(self.labels)

    def bin_index(self, codes: np.ndarray) -> np.ndarray:
        """Bin of each code (`encode_values`); n_bins for a missing or unseen value."""
        if self.kind == NUMERIC:
            # Bins are [e(i-1), e(i)); the extra edge +inf puts a missing value (+inf) in bin n_bins.
            index = np.zeros(len(codes), dtype=np.intp)
            for edge in [*self.edges.tolist(), np.inf]:
                index += codes >= edge
            return index
        categories = ATTRIBUTES[self.name].categories
        lut = np.full(len(categories) + 1, self.n_bins, dtype=np.intp)  # the last entry: missing
        for category, index in (self.category_bin or {}).items():
            lut[categories.index(category)] = index
        return lut[codes.astype(np.intp)]

    def bin_of_value(self, value: Any) -> int | None:
        """The bin of one attribute value, or None when missing/unseen."""
        codes = encode_values(self.name, [value])
        index = int(self.bin_index(codes)[0])
        return None if index >= self.n_bins else index


def _bad_rates(goods: np.ndarray, bads: np.ndarray) -> np.ndarray:
    return (bads + SMOOTHING) / (goods + bads + 2 * SMOOTHING)


def _merge(groups: list[list[int]], goods: list[float], bads: list[float], i: int, j: int) -> None:
    """Merge group j into group i (in place)."""
    groups[i] = groups[i] + groups[j]
    goods[i] += goods[j]
    bads[i] += bads[j]
    del groups[j], goods[j], bads[j]


def _merge_small_adjacent(groups, goods, bads, min_count: float) -> None:
    """Merge groups under `min_count` into the adjacent group whose bad rate is closest."""
    while len(groups) > 1:
        sizes = [g + b for g, b in zip(goods, bads, strict=True)]
        small = [k for k, size in enumerate(sizes) if size < min_count]
        if not small:
            return
        k = min(small, key=lambda idx: sizes[idx])
        rates = _bad_rates(np.array(goods), np.array(bads))
        neighbours = [n for n in (k - 1, k + 1) if 0 <= n < len(groups)]
        n = min(neighbours, key=lambda idx: abs(rates[idx] - rates[k]))
        lo, hi = sorted((k, n))
        _merge(groups, goods, bads, lo, hi)


def _merge_monotone(groups, goods, bads, risk: str) -> None:
    """Pool adjacent groups until the bad rate runs monotonically in the `risk` direction."""
    while len(groups) > 1:
        rates = _bad_rates(np.array(goods), np.array(bads))
        diffs = np.diff(rates)
        violations = np.flatnonzero(diffs < 0) if risk == RISK_UP else np.flatnonzero(diffs > 0)
        if violations.size == 0:
            return
        k = int(violations[0])
        _merge(groups, goods, bads, k, k + 1)


def _merge_small_nominal(groups, goods, bads, min_count: float) -> None:
    """Nominal categories: merge the smallest group under `min_count` into the closest bad rate."""
    while len(groups) > 1:
        sizes = [g + b for g, b in zip(goods, bads, strict=True)]
        small = [k for k, size in enumerate(sizes) if size < min_count]
        if not small:
            return
        k = min(small, key=lambda idx: sizes[idx])
        rates = _bad_rates(np.array(goods), np.array(bads))
        n = min((idx for idx in range(len(groups)) if idx != k), key=lambda idx: abs(rates[idx] - rates[k]))
        lo, hi = sorted((k, n))
        _merge(groups, goods, bads, lo, hi)


def _tree_cuts(x: np.ndarray, y: np.ndarray, *, max_bins: int, min_count: int) -> list[float]:
    from sklearn.tree import DecisionTreeClassifier

    if len(np.unique(x)) < 2 or len(x) < 2 * min_count:
        return []
    tree = DecisionTreeClassifier(max_leaf_nodes=max_bins, min_samples_leaf=min_count, random_state=0)
    tree.fit(x.reshape(-1, 1), y)
    thresholds = tree.tree_.threshold[tree.tree_.feature >= 0]
    return sorted(float(t) for t in thresholds)


def _quantile_cuts(x: np.ndarray, *, max_bins: int) -> list[float]:
    if len(x) == 0:
        return []
    quantiles = np.quantile(x, np.linspace(0, 1, max_bins + 1)[1:-1])
    return sorted({float(q) for q in quantiles if x.min() < q <= x.max()})


def _fmt(value: float) -> str:
    return f"{value:g}"


def _numeric_binning(name: str, x: np.ndarray, y: np.ndarray, *, max_bins: int, min_share: float) -> Binning:
    attribute = ATTRIBUTES[name]
    min_count = max(int(math.ceil(min_share * len(x))), 1)
    fixed = sorted(attribute.fixed_cuts)
    # Below the first fixed cut the data chooses the cuts; each span between fixed cuts is one bin.
    lower = x < fixed[0] if fixed else np.ones(len(x), dtype=bool)
    max_bins = attribute.max_bins or max_bins
    if attribute.cut_method == "quantile":
        found = _quantile_cuts(x[lower], max_bins=max_bins)
    else:
        found = _tree_cuts(x[lower], y[lower], max_bins=max_bins, min_count=min_count)
    cuts = [c for c in found if not fixed or c < fixed[0]]
    edges = np.array(cuts + fixed, dtype=float)
    index = np.searchsorted(edges, x, side="right")
    n_free = len(cuts) + 1  # bins below the first fixed cut
    goods = [float(np.sum((index == k) & (y == 0))) for k in range(len(edges) + 1)]
    bads = [float(np.sum((index == k) & (y == 1))) for k in range(len(edges) + 1)]
    groups = [[k] for k in range(len(edges) + 1)]
    # Only the data-chosen bins are merged; the fixed-cut bins stay as they are.
    free_groups, free_goods, free_bads = groups[:n_free], goods[:n_free], bads[:n_free]
    _merge_small_adjacent(free_groups, free_goods, free_bads, min_count)
    if attribute.risk in (RISK_UP, RISK_DOWN):
        _merge_monotone(free_groups, free_goods, free_bads, attribute.risk)
    groups = free_groups + groups[n_free:]
    goods, bads = free_goods + goods[n_free:], free_bads + bads[n_free:]
    # Rebuild edges: a merged group keeps the lower edge of its first original bin.
    lower_edges = [-np.inf, *edges.tolist()]
    new_edges = [lower_edges[g[0]] for g in groups[1:]]
    bounds = [-np.inf, *new_edges, np.inf]
    labels = []
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        if lo == -np.inf:
            labels.append(f"< {_fmt(hi)}")
        elif hi == np.inf:
            labels.append(f">= {_fmt(lo)}")
        else:
            labels.append(f"[{_fmt(lo)}, {_fmt(hi)})")
    return Binning(
        name=name,
        kind=NUMERIC,
        labels=labels,
        goods=np.array(goods),
        bads=np.array(bads),
        edges=np.array(new_edges, dtype=float),
    )


def _categorical_binning(name: str, values: pd.Series, y: np.ndarray, *, min_share: float) -> Binning:
    attribute = ATTRIBUTES[name]
    min_count = max(int(math.ceil(min_share * len(values))), 1)
    unknown = set(values.dropna().unique()) - set(attribute.categories)
    if unknown:
        raise ValueError(f"{name}: categories outside the catalogue: {sorted(unknown)}")

    def counts(category: str) -> tuple[float, float]:
        mask = (values == category).to_numpy()
        return float(np.sum(mask & (y == 0))), float(np.sum(mask & (y == 1)))

    def seen(categories: Iterable[str]) -> list[str]:
        return [c for c in categories if sum(counts(c)) > 0]

    chain, free = seen(attribute.chain), seen(attribute.free)
    chain_groups = [[c] for c in chain]
    chain_goods = [counts(c)[0] for c in chain]
    chain_bads = [counts(c)[1] for c in chain]
    _merge_small_adjacent(chain_groups, chain_goods, chain_bads, min_count)
    _merge_monotone(chain_groups, chain_goods, chain_bads, RISK_UP)
    free_groups = [[c] for c in free]
    free_goods = [counts(c)[0] for c in free]
    free_bads = [counts(c)[1] for c in free]
    _merge_small_nominal(free_groups, free_goods, free_bads, min_count)
    groups = chain_groups + free_groups
    category_bin = {c: k for k, group in enumerate(groups) for c in group}
    return Binning(
        name=name,
        kind=CATEGORICAL,
        labels=[" | ".join(group) for group in groups],
        goods=np.array(chain_goods + free_goods),
        bads=np.array(chain_bads + free_bads),
        category_bin=category_bin,
    )


def binning_fit(name: str, values: pd.Series, y: np.ndarray, *, max_bins: int, min_share: float) -> Binning:
    if name in PROHIBITED_FEATURES:
        raise ValueError(f"{name} is a prohibited basis and is never a model feature")
    if ATTRIBUTES[name].kind == NUMERIC:
        x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        keep = ~np.isnan(x)
        return _numeric_binning(name, x[keep], y[keep], max_bins=max_bins, min_share=min_share)
    return _categorical_binning(name, values, y, min_share=min_share)


# --- encoding --------------------------------------------------------------------------------------


def encode_values(name: str, values: Sequence[Any] | pd.Series) -> np.ndarray:
    """One attribute's values → float codes: the number itself for a numeric attribute, the
    category's index in the catalogue for a categorical one; `missing_code(name)` when missing or
    unknown."""
    attribute = ATTRIBUTES[name]
    if attribute.kind == NUMERIC:
        if isinstance(values, pd.Series) and pd.api.types.is_numeric_dtype(values):
            numbers = values.to_numpy(dtype=float, copy=True)
        else:
            try:
                numbers = np.array(list(values), dtype=float)  # None → NaN
            except (TypeError, ValueError):
                numbers = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce").to_numpy(dtype=float)
        numbers[~np.isfinite(numbers)] = MISSING_NUMBER
        return numbers
    missing = missing_code(name)
    get = _category_codes(name).get
    if isinstance(values, pd.Series):
        # Hash the column once, then look up each distinct value (iterating a string column is slow).
        index, uniques = pd.factorize(values, use_na_sentinel=True)
        lut = np.array([get(u, missing) if isinstance(u, str) else missing for u in uniques] + [missing])
        return lut[index]  # the NA sentinel -1 reads the appended missing code
    try:
        return np.fromiter((get(v, missing) for v in values), dtype=float, count=len(values))
    except TypeError:  # an unhashable value: unknown
        return np.array([get(v, missing) if isinstance(v, str) else missing for v in values], dtype=float)


_CODES: dict[str, dict[str, int]] = {}


def _category_codes(name: str) -> dict[str, int]:
    if name not in _CODES:
        _CODES[name] = {category: k for k, category in enumerate(ATTRIBUTES[name].categories)}
    return _CODES[name]


def encode_frame(frame: pd.DataFrame, features: Sequence[str]) -> np.ndarray:
    """Attribute values (a column per attribute; absent columns are missing) → the code matrix the
    scorecard evaluates, one column per feature, Fortran order (column-wise work is contiguous)."""
    matrix = np.empty((len(frame), len(features)), dtype=float, order="F")
    for j, name in enumerate(features):
        if name in frame.columns:
            matrix[:, j] = encode_values(name, frame[name])
        else:
            matrix[:, j] = missing_code(name)
    return matrix


def encode_records(records: Sequence[Mapping[str, Any]], features: Sequence[str]) -> np.ndarray:
    matrix = np.empty((len(records), len(features)), dtype=float, order="F")
    for j, name in enumerate(features):
        matrix[:, j] = encode_values(name, [record.get(name) for record in records])
    return matrix


# --- the fitted scorecard -------------------------------------------------------------------------


@dataclass
class Evaluation:
    """Scores of a batch: `points` has one column per feature (in `Scorecard.features` order)."""

    points: np.ndarray
    total: np.ndarray
    scores: np.ndarray
    probability_of_default: np.ndarray
    codes: np.ndarray
    missing_codes: np.ndarray  # per feature

    def __len__(self) -> int:
        return len(self.scores)

    @property
    def missing(self) -> np.ndarray:
        """Which attribute values were missing or unknown (scored neutrally)."""
        return self.codes >= self.missing_codes[None, :]


@dataclass
class ScorecardConfig:
    scaling: Scaling
    candidates: tuple[str, ...]
    min_iv: float = 0.02
    min_bin_share: float = 0.05
    max_bins: int = 6
    regularisation_c: float = 1.0

    def __post_init__(self) -> None:
        if not 2 <= self.max_bins <= 100:  # evaluation indexes bins with int8
            raise ValueError("max_bins must be between 2 and 100")


@dataclass
class Scorecard:
    """A fitted scorecard (the registry artefact). Plain data plus the fitted regression."""

    features: list[str]
    binnings: dict[str, Binning]
    coefficients: dict[str, float]
    intercept: float
    scaling: Scaling
    points_table: dict[str, np.ndarray]  # per feature: one entry per bin, then the missing value's
    information_values: dict[str, float]
    dropped: dict[str, str]
    regression: Any = None
    age_floor_applied: bool = False

    # -- tables ------------------------------------------------------------------------------------

    def points_rows(self) -> list[dict[str, Any]]:
        """The points table, one row per feature and bin (what the admin and tests read)."""
        rows = []
        for name in self.features:
            binning = self.binnings[name]
            for k, label in enumerate(binning.labels):
                rows.append(
                    {
                        "feature": name,
                        "bin": k,
                        "label": label,
                        "woe": float(binning.woe[k]),
                        "points": float(self.points_table[name][k]),
                        "count": int(binning.goods[k] + binning.bads[k]),
                    }
                )
            rows.append(
                {
                    "feature": name,
                    "bin": binning.n_bins,
                    "label": "missing",
                    "woe": 0.0,
                    "points": float(self.points_table[name][-1]),
                    "count": 0,
                }
            )
        return rows

    def age_bins(self) -> list[tuple[str, float, float]]:
        """(label, lower edge, points) of each age bin, youngest first."""
        if AGE not in self.binnings or AGE not in self.features:
            return []
        binning = self.binnings[AGE]
        lowers = [-np.inf, *binning.edges.tolist()]
        return [(binning.labels[k], lowers[k], float(self.points_table[AGE][k])) for k in range(binning.n_bins)]

    # -- scoring -----------------------------------------------------------------------------------

    def encode(self, frame: pd.DataFrame | Sequence[Mapping[str, Any]]) -> np.ndarray:
        if isinstance(frame, pd.DataFrame):
            return encode_frame(frame, self.features)
        return encode_records(frame, self.features)

    def _lookups(self) -> list[tuple[str, list[float], np.ndarray]]:
        """Per feature: (kind, edges with +inf appended, points by bin) for a numeric attribute;
        (kind, [], points by category code, the missing code last) for a categorical one."""
        cached = self.__dict__.get("_lookup_cache")
        if cached is not None:
            return cached
        lookups = []
        for name in self.features:
            binning, table = self.binnings[name], self.points_table[name]
            if binning.kind == NUMERIC:
                lookups.append((NUMERIC, [*binning.edges.tolist(), np.inf], table))
            else:
                categories = ATTRIBUTES[name].categories
                by_code = np.full(len(categories) + 1, table[-1])
                for category, index in (binning.category_bin or {}).items():
                    by_code[categories.index(category)] = table[index]
                lookups.append((CATEGORICAL, [], by_code))
        self.__dict__["_lookup_cache"] = lookups
        return lookups

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_lookup_cache", None)  # derived; rebuilt on first use
        state.pop("_missing_cache", None)
        return state

    def evaluate(self, codes: np.ndarray) -> Evaluation:
        """Points, score and probability of default for an attribute-code matrix (`encode`):
        per feature one bin lookup and one gather, no loop over applicants, no temporary arrays
        beyond three reused buffers."""
        n = codes.shape[0]
        points = np.empty((n, len(self.features)), dtype=float, order="F")
        counts = np.empty(n, dtype=np.int8)  # a scorecard has far fewer than 127 bins per feature
        index = np.empty(n, dtype=np.intp)
        above = np.empty(n, dtype=bool)
        for j, (kind, edges, table) in enumerate(self._lookups()):
            column = codes[:, j]
            if kind == NUMERIC:
                # The bin is the number of edges at or below the value (a handful of comparisons
                # beats a binary search at this size); +inf, the missing value, passes them all.
                counts.fill(0)
                for edge in edges:
                    np.greater_equal(column, edge, out=above)
                    np.add(counts, above, out=counts)
                np.copyto(index, counts, casting="unsafe")
            else:
                np.copyto(index, column, casting="unsafe")
            np.take(table, index, out=points[:, j], mode="clip")
        total = points.sum(axis=1)
        return Evaluation(
            points=points,
            total=total,
            scores=self.scaling.clip(total),
            probability_of_default=self.scaling.pd_from_points(total),
            codes=codes,
            missing_codes=self._missing_codes(),
        )

    def _missing_codes(self) -> np.ndarray:
        cached = self.__dict__.get("_missing_cache")
        if cached is None:
            cached = self.__dict__["_missing_cache"] = np.array([missing_code(name) for name in self.features])
        return cached

    def predict_proba(self, codes: np.ndarray) -> np.ndarray:
        """scikit-learn's shape: column 0 P(good), column 1 P(default), from the scorecard's points
        (the age rule included)."""
        pd_ = self.evaluate(codes).probability_of_default
        return np.column_stack([1.0 - pd_, pd_])

    def woe_matrix(self, codes: np.ndarray) -> np.ndarray:
        """The regression's input for an attribute-code matrix (missing → WoE 0)."""
        woe = np.empty((codes.shape[0], len(self.features)), dtype=float)
        for j, name in enumerate(self.features):
            binning = self.binnings[name]
            index = binning.bin_index(codes[:, j])
            woe[:, j] = np.append(binning.woe, 0.0)[index]
        return woe

    def max_points(self) -> np.ndarray:
        return np.array([self.points_table[name].max() for name in self.features])

    def reason_indices(self, evaluation: Evaluation, limit: int = MAX_REASONS) -> tuple[np.ndarray, np.ndarray]:
        """The principal reasons of each score, vectorised: (feature index, shortfall) arrays of
        shape (n, limit), largest shortfall first; a shortfall of 0 means no reason in that slot.

        A feature's shortfall is the points it scored below the most it could score; the features
        that cost the applicant most are the principal reasons (the "maximum points" method).
        """
        shortfall = self.max_points()[None, :] - evaluation.points
        shortfall[shortfall < 1e-9] = 0.0
        limit = min(limit, shortfall.shape[1])
        # Ties go to the feature listed first: a key slightly smaller for later features.
        key = shortfall - np.arange(shortfall.shape[1])[None, :] * 1e-9
        if limit < shortfall.shape[1]:
            top = np.argpartition(-key, limit - 1, axis=1)[:, :limit]
        else:
            top = np.broadcast_to(np.arange(limit), key.shape).copy()
        order = np.take_along_axis(top, np.argsort(-np.take_along_axis(key, top, axis=1), axis=1), axis=1)
        return order, np.take_along_axis(shortfall, order, axis=1)

    def reasons(self, evaluation: Evaluation, values: Sequence[Mapping[str, Any]] | None = None) -> list[list[dict]]:
        """Up to four principal reasons per score, each a code and plain-language text."""
        order, shortfall = self.reason_indices(evaluation)
        missing = evaluation.missing
        out = []
        for i in range(len(evaluation)):
            row = []
            for j, gap in zip(order[i], shortfall[i], strict=True):
                if gap <= 0:
                    break
                name = self.features[j]
                value = values[i].get(name) if values is not None else None
                reason = reason_for(name, value=value, missing=bool(missing[i, j]))
                reason["points_below_best"] = round(float(gap), 1)
                row.append(reason)
            out.append(row)
        return out


def _scale(
    features: list[str],
    binnings: dict[str, Binning],
    coefficients: dict[str, float],
    intercept: float,
    scaling: Scaling,
) -> dict[str, np.ndarray]:
    share = (scaling.offset - scaling.factor * intercept) / len(features)
    return {
        name: np.append(-scaling.factor * coefficients[name] * binnings[name].woe, 0.0) + share for name in features
    }


def _apply_age_floor(scorecard: Scorecard, *, protected_from: float) -> None:
    """Raise the points of the bin starting at `protected_from` (62) to at least the highest
    points of any younger bin."""
    if AGE not in scorecard.features:
        return
    binning = scorecard.binnings[AGE]
    lowers = [-np.inf, *binning.edges.tolist()]
    protected = [k for k, lower in enumerate(lowers) if lower >= protected_from]
    younger = [k for k, lower in enumerate(lowers) if lower < protected_from]
    if not protected or not younger:
        raise ValueError("the age binning has no cut at the protected age")
    table = scorecard.points_table[AGE]
    best_younger = max(table[k] for k in younger)
    for k in protected:
        if table[k] < best_younger:
            table[k] = best_younger
            scorecard.age_floor_applied = True


def scorecard_fit(frame: pd.DataFrame, y: np.ndarray, *, config: ScorecardConfig) -> Scorecard:
    """Fit the scorecard on attribute values `frame` and outcomes `y` (1 = bad)."""
    from sklearn.linear_model import LogisticRegression

    y = np.asarray(y, dtype=int)
    candidates = [c for c in config.candidates if c in frame.columns]
    prohibited = PROHIBITED_FEATURES & set(config.candidates)
    if prohibited:
        raise ValueError(f"prohibited bases cannot be candidates: {sorted(prohibited)}")
    binnings = {
        name: binning_fit(name, frame[name], y, max_bins=config.max_bins, min_share=config.min_bin_share)
        for name in candidates
    }
    dropped: dict[str, str] = {}
    features = []
    for name in candidates:
        if binnings[name].n_bins < 2 or binnings[name].iv < config.min_iv:
            dropped[name] = f"information value {binnings[name].iv:.3f} below {config.min_iv}"
        else:
            features.append(name)
    if not features:
        raise ValueError("no attribute carries enough information to fit a scorecard")
    codes = encode_frame(frame, features)
    while True:
        woe = np.column_stack(
            [np.append(binnings[n].woe, 0.0)[binnings[n].bin_index(codes[:, features.index(n)])] for n in features]
        )
        regression = LogisticRegression(C=config.regularisation_c, max_iter=2000)
        regression.fit(woe, y)
        coefs = regression.coef_[0]
        wrong = [k for k, c in enumerate(coefs) if c >= 0]
        if not wrong:
            break
        worst = max(wrong, key=lambda k: coefs[k])
        dropped[features[worst]] = "coefficient against the weight of evidence"
        codes = np.delete(codes, worst, axis=1)
        del features[worst]
        if not features:
            raise ValueError("no attribute left after the sign check")
    coefficients = {name: float(c) for name, c in zip(features, regression.coef_[0], strict=True)}
    intercept = float(regression.intercept_[0])
    scorecard = Scorecard(
        features=features,
        binnings={name: binnings[name] for name in features},
        coefficients=coefficients,
        intercept=intercept,
        scaling=config.scaling,
        points_table=_scale(features, binnings, coefficients, intercept, config.scaling),
        information_values={name: round(b.iv, 4) for name, b in binnings.items()},
        dropped=dropped,
        regression=regression,
    )
    age = ATTRIBUTES[AGE]
    if age.fixed_cuts:
        _apply_age_floor(scorecard, protected_from=age.fixed_cuts[0])
    return scorecard
