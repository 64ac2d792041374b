"""Next-day direction: a scikit-learn classifier (standardised logistic regression) over lagged
returns, realised volatility and volume, evaluated walk-forward only (no database, no Django).

A sample is one asset at one close `t`: its features use closes and volumes up to and including
`t`; its label is whether the next log return (close `t` to `t + 1`) is positive, known at close
`t + 1`. Several assets of one class are pooled. The walk-forward refits at fixed positions in the
sorted list of sample dates (`min_train` dates, then every `refit_every`), each time on the samples
whose label was known by the refit date (within the last `window` dates), and predicts the samples
of the dates until the next refit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from . import backtest
from . import volatility as vol

LAGS = 5
WARMUP = 22  # closes before the first sample (21-day windows)
MIN_TRAIN = 250
WINDOW = 1000
REFIT_EVERY = 21
FEATURES = (
    *(f"ret_lag{i}" for i in range(1, LAGS + 1)),
    "mom_5",
    "mom_21",
    "log_vol_5",
    "log_vol_21",
    "log_ewma_vol",
    "volume_ratio",
)


@dataclass(frozen=True)
class Series:
    """One asset's daily bars (ascending)."""

    key: str
    at: Sequence[dt.datetime | pd.Timestamp]
    close: np.ndarray
    volume: np.ndarray


def features(series: Series) -> pd.DataFrame:
    """One row per close `t` (index: its timestamp) with the features known at `t`, the label
    `up` (NaN for the last close) and `label_at` (the next close's time)."""
    c = np.asarray(series.close, dtype=float)
    v = np.asarray(series.volume, dtype=float)
    at = pd.DatetimeIndex(pd.to_datetime(list(series.at), utc=True))
    r = pd.Series(np.concatenate(([np.nan], np.diff(np.log(c)))), index=at)  # r at t: close t-1 -> t
    df = pd.DataFrame(index=at)
    for i in range(1, LAGS + 1):
        df[f"ret_lag{i}"] = r.shift(i - 1)
    df["mom_5"] = r.rolling(5).sum()
    df["mom_21"] = r.rolling(21).sum()
    df["log_vol_5"] = 0.5 * np.log((r**2).rolling(5).mean() + 1e-12)
    df["log_vol_21"] = 0.5 * np.log((r**2).rolling(21).mean() + 1e-12)
    # ewma[t] forecasts the return close t -> t + 1 from closes up to t: aligned with the rows.
    ewma = vol.ewma_variance(np.diff(np.log(c)))
    df["log_ewma_vol"] = 0.5 * np.log(ewma + 1e-12)
    volume = pd.Series(np.where(v > 0, v, np.nan), index=at)
    ratio = np.log(volume / volume.rolling(21, min_periods=5).mean())
    df["volume_ratio"] = ratio.replace([np.inf, -np.inf], np.nan).fillna(0.0)
    nxt = r.shift(-1)
    df["up"] = np.where(nxt.isna(), np.nan, (nxt > 0).astype(float))
    df["label_at"] = pd.Series(at, index=at).shift(-1)
    df["key"] = series.key
    df = df.iloc[WARMUP:]
    return df.dropna(subset=list(FEATURES))


def pooled(series_list: Iterable[Series]) -> pd.DataFrame:
    frames = [features(s) for s in series_list]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=[*FEATURES, "up", "label_at", "key"])
    df = pd.concat(frames)
    df.index.name = "at"
    return df.reset_index().sort_values(["at", "key"], kind="stable").reset_index(drop=True)


def new_classifier() -> Pipeline:
    return make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=500))


def fit(samples: pd.DataFrame) -> Pipeline | None:
    labelled = samples.dropna(subset=["up"])
    if labelled["up"].nunique() < 2:
        return None
    return new_classifier().fit(labelled[list(FEATURES)].to_numpy(), labelled["up"].to_numpy().astype(int))


def probability_up(model: Pipeline, row: pd.DataFrame) -> np.ndarray:
    classes = list(model.classes_)
    return model.predict_proba(row[list(FEATURES)].to_numpy())[:, classes.index(1)]


def walk_forward(
    samples: pd.DataFrame,
    *,
    min_train: int = MIN_TRAIN,
    window: int = WINDOW,
    refit_every: int = REFIT_EVERY,
    progress: Callable[[Iterable[int]], Iterable[int]] | None = None,
) -> pd.DataFrame:
    """Columns `p_up` (the model) and `p_const` (the training up-rate) for each sample after the
    first `min_train` dates; `up` as given (NaN for samples whose label is not known yet)."""
    dates = np.array(sorted(samples["at"].unique()))
    out = samples.assign(p_up=np.nan, p_const=np.nan)
    positions: Iterable[int] = range(min_train, len(dates), refit_every)
    if progress is not None:
        positions = progress(positions)
    for pos in positions:
        refit_at = dates[pos]
        first = dates[max(0, pos - window)]
        until = dates[pos + refit_every] if pos + refit_every < len(dates) else None
        train = samples[(samples["at"] >= first) & (samples["label_at"] <= refit_at)]
        model = fit(train)
        if model is None:
            continue
        test = (samples["at"] >= refit_at) if until is None else (samples["at"] >= refit_at) & (samples["at"] < until)
        if not test.any():
            continue
        out.loc[test, "p_up"] = probability_up(model, samples[test])
        out.loc[test, "p_const"] = float(train["up"].mean())
    return out


def direction_backtest(samples: pd.DataFrame, **kwargs) -> dict:
    """The walk-forward scores of `backtest.direction_scores` (JSON-safe)."""
    path = walk_forward(samples, **kwargs)
    scored = path.dropna(subset=["p_up", "up"])
    if scored.empty:
        raise ValueError("too few samples for a direction backtest")
    result = backtest.direction_scores(scored["up"].to_numpy(), scored["p_up"].to_numpy(), scored["p_const"].to_numpy())
    result["first_date"] = pd.Timestamp(scored["at"].min()).date().isoformat()
    result["last_date"] = pd.Timestamp(scored["at"].max()).date().isoformat()
    return result
