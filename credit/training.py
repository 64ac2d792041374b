"""Training the scorecard: the data, repeated stratified cross-validation, the final fit, the
fairness screen and the training score distribution (the baseline for drift)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .attributes import AGE, CANDIDATE_FEATURES, PROHIBITED_FEATURES, SEX_EVALUATION_COLUMN, TARGET, TARGET_BAD
from .scorecard import Scaling, Scorecard, ScorecardConfig, scorecard_fit

DEFAULT_DATA_PATH = Path(__file__).resolve().parent / "data" / "german_credit" / "germancredit.csv"
AGE_BANDS = (("under 25", None, 25), ("25-61", 25, 62), ("62 and over", 62, None))


@dataclass(frozen=True)
class TrainingData:
    frame: pd.DataFrame  # every column, the prohibited ones included (evaluation only)
    y: np.ndarray  # 1 = bad
    sha256: str
    path: str

    @property
    def model_frame(self) -> pd.DataFrame:
        """The columns the scorecard may see: never the prohibited bases, never the target."""
        return self.frame[[c for c in CANDIDATE_FEATURES if c in self.frame.columns]]


def training_data_load(path: str | Path = DEFAULT_DATA_PATH) -> TrainingData:
    raw = Path(path).read_bytes()
    frame = pd.read_csv(path)
    if TARGET not in frame.columns:
        raise ValueError(f"{path}: no {TARGET!r} column")
    y = (frame[TARGET] == TARGET_BAD).astype(int).to_numpy()
    return TrainingData(frame=frame, y=y, sha256=hashlib.sha256(raw).hexdigest(), path=str(path))


def ks_statistic(y: np.ndarray, risk: np.ndarray) -> float:
    """Kolmogorov-Smirnov: the largest gap between the cumulative risk distributions of bads and
    goods."""
    from sklearn.metrics import roc_curve

    fpr, tpr, _ = roc_curve(y, risk)
    return float(np.max(tpr - fpr))


def discrimination(y: np.ndarray, risk: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import roc_auc_score

    auc = float(roc_auc_score(y, risk))
    return {"auc": auc, "gini": 2 * auc - 1, "ks": ks_statistic(y, risk)}


def _summary(values: list[float]) -> dict[str, float]:
    array = np.array(values)
    return {
        "mean": round(float(array.mean()), 4),
        "std": round(float(array.std(ddof=1)) if len(array) > 1 else 0.0, 4),
        "min": round(float(array.min()), 4),
        "max": round(float(array.max()), 4),
    }


def cross_validate(
    data: TrainingData,
    *,
    config: ScorecardConfig,
    folds: int,
    repeats: int,
    seed: int,
    progress: Callable[[Iterable], Iterable] = lambda it: it,
) -> dict[str, Any]:
    """Repeated stratified k-fold: the whole scorecard (binning included) is fitted on each
    training split and scored on its held-out split."""
    from sklearn.model_selection import RepeatedStratifiedKFold

    if folds < 2 or repeats < 1:
        raise ValueError("cross-validation needs at least 2 folds and 1 repeat")
    splitter = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    frame = data.model_frame
    per_fold: list[dict[str, float]] = []
    for train_idx, test_idx in progress(list(splitter.split(frame, data.y))):
        scorecard = scorecard_fit(frame.iloc[train_idx], data.y[train_idx], config=config)
        evaluation = scorecard.evaluate(scorecard.encode(frame.iloc[test_idx]))
        per_fold.append(discrimination(data.y[test_idx], evaluation.probability_of_default))
    return {
        "folds": folds,
        "repeats": repeats,
        "seed": seed,
        "per_fold": [{k: round(v, 4) for k, v in fold.items()} for fold in per_fold],
        **{metric: _summary([fold[metric] for fold in per_fold]) for metric in ("auc", "gini", "ks")},
    }


def fairness_screen(scorecard: Scorecard, data: TrainingData, *, cutoff: int, air_warning: float) -> dict[str, Any]:
    """Approval rate at the default cut-off by age band and by sex, with the adverse impact ratio
    against the most favoured group of each. Sex is read from `personal_status_and_sex` for this
    evaluation only; it is never a feature. A screen (four-fifths), not a legal test."""
    scores = scorecard.evaluate(scorecard.encode(data.model_frame)).scores
    approved = scores >= cutoff
    groupings: dict[str, dict[str, np.ndarray]] = {}
    ages = data.frame[AGE].to_numpy(dtype=float)
    groupings["age_band"] = {
        label: (ages >= (lo if lo is not None else -np.inf)) & (ages < (hi if hi is not None else np.inf))
        for label, lo, hi in AGE_BANDS
    }
    if SEX_EVALUATION_COLUMN in data.frame.columns:
        sex = data.frame[SEX_EVALUATION_COLUMN].astype(str).str.split(":").str[0].str.strip()
        groupings["sex"] = {value: (sex == value).to_numpy() for value in sorted(sex.unique())}
    report: dict[str, Any] = {"cutoff": cutoff, "air_warning_below": air_warning, "groups": {}, "warnings": []}
    for grouping, masks in groupings.items():
        rates = {label: float(approved[mask].mean()) if mask.any() else None for label, mask in masks.items()}
        best = max(rate for rate in rates.values() if rate is not None)
        rows = {}
        for label, mask in masks.items():
            rate = rates[label]
            air = None if rate is None or best == 0 else rate / best
            rows[label] = {
                "n": int(mask.sum()),
                "approved": int(approved[mask].sum()),
                "approval_rate": None if rate is None else round(rate, 4),
                "adverse_impact_ratio": None if air is None else round(air, 4),
            }
            if air is not None and air < air_warning:
                report["warnings"].append(
                    f"{grouping} {label}: adverse impact ratio {air:.2f} is below {air_warning:.2f}"
                )
        report["groups"][grouping] = rows
    return report


def score_distribution(scores: np.ndarray, *, bins: int) -> dict[str, list[float]]:
    """Quantile bin edges of the training scores and each bin's share (the PSI baseline)."""
    inner = np.unique(np.quantile(scores, np.linspace(0, 1, bins + 1)[1:-1]))
    shares = np.bincount(np.searchsorted(inner, scores, side="right"), minlength=len(inner) + 1) / len(scores)
    return {"edges": [float(e) for e in inner], "shares": [round(float(s), 6) for s in shares]}


def population_stability_index(expected: Iterable[float], actual: Iterable[float], *, floor: float = 1e-4) -> float:
    """PSI = Σ (actual − expected) × ln(actual / expected), shares floored to avoid ln 0."""
    e = np.maximum(np.asarray(list(expected), dtype=float), floor)
    a = np.maximum(np.asarray(list(actual), dtype=float), floor)
    return float(np.sum((a - e) * np.log(a / e)))


@dataclass
class TrainingResult:
    scorecard: Scorecard
    data: TrainingData
    cross_validation: dict[str, Any]
    fairness: dict[str, Any]
    distribution: dict[str, list[float]]

    @property
    def metrics(self) -> dict[str, Any]:
        cv = self.cross_validation
        return {
            "auc": cv["auc"]["mean"],
            "gini": cv["gini"]["mean"],
            "ks": cv["ks"]["mean"],
            "cross_validation": cv,
            "training_rows": int(len(self.data.y)),
            "bad_rate": round(float(self.data.y.mean()), 4),
        }

    @property
    def params(self) -> dict[str, Any]:
        import sklearn

        scaling = self.scorecard.scaling
        return {
            "features": list(self.scorecard.features),
            "dropped": dict(self.scorecard.dropped),
            "prohibited_never_used": sorted(PROHIBITED_FEATURES),
            "information_values": dict(self.scorecard.information_values),
            "coefficients": {k: round(v, 6) for k, v in self.scorecard.coefficients.items()},
            "intercept": round(self.scorecard.intercept, 6),
            "scaling": {
                "odds": "good:bad",
                "pdo": scaling.pdo,
                "base_score": scaling.base_score,
                "base_odds": scaling.base_odds,
                "min_score": scaling.min_score,
                "max_score": scaling.max_score,
            },
            "age_floor_applied": self.scorecard.age_floor_applied,
            "points_table": [
                {**row, "woe": round(row["woe"], 4), "points": round(row["points"], 2)}
                for row in self.scorecard.points_rows()
            ],
            "score_distribution": self.distribution,
            "data_path": Path(self.data.path).name,
            "scikit_learn": sklearn.__version__,
        }


def scorecard_train(
    data: TrainingData,
    *,
    scaling: Scaling,
    min_iv: float,
    min_bin_share: float,
    max_bins: int,
    regularisation_c: float,
    folds: int,
    repeats: int,
    seed: int,
    cutoff: int,
    air_warning: float,
    psi_bins: int,
    progress: Callable[[Iterable], Iterable] = lambda it: it,
) -> TrainingResult:
    config = ScorecardConfig(
        scaling=scaling,
        candidates=CANDIDATE_FEATURES,
        min_iv=min_iv,
        min_bin_share=min_bin_share,
        max_bins=max_bins,
        regularisation_c=regularisation_c,
    )
    cv = cross_validate(data, config=config, folds=folds, repeats=repeats, seed=seed, progress=progress)
    scorecard = scorecard_fit(data.model_frame, data.y, config=config)
    fairness = fairness_screen(scorecard, data, cutoff=cutoff, air_warning=air_warning)
    scores = scorecard.evaluate(scorecard.encode(data.model_frame)).scores
    distribution = score_distribution(scores, bins=psi_bins)
    return TrainingResult(
        scorecard=scorecard, data=data, cross_validation=cv, fairness=fairness, distribution=distribution
    )
