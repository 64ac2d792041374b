"""Backtests of the forecasts against naive baselines (numpy/scipy; no database).

Every figure is computed on walk-forward forecasts only (see `volatility` for the indexing
convention: `f[t]` forecasts `returns[t]` from `returns[:t]`), on the days where every compared
model has a forecast, so the comparison is like for like.

* VaR: exceedance rate of the 1-day parametric VaR and Kupiec's proportion-of-failures test
  (likelihood ratio, χ² with one degree of freedom).
* Volatility: QLIKE `mean(log h + r² / h)` (Patton 2011; robust to the noise in r² as a proxy of
  the true variance; lower is better) against the rolling-variance baseline.
* Direction: accuracy and log-loss against always-up (predicts up; its probability is the up-rate
  of the training data at each refit) and 50/50 (accuracy 0.5, log-loss ln 2).

The rule: a volatility model is used for VaR only when its QLIKE is below the baseline's **and**
Kupiec does not reject its VaR at `kupiec_min_p`; otherwise the baseline's VaR is served and the
model is reported as not used. A direction model beats its baselines only when its accuracy is
above always-up's and its log-loss below both baselines'.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2

from . import volatility as vol

VOLATILITY_MODELS = ("ewma", "garch")
BASELINE = "rolling_variance"
KUPIEC_MIN_P = 0.05


@dataclass(frozen=True)
class Kupiec:
    exceedances: int
    observations: int
    expected_rate: float
    lr: float
    p_value: float

    @property
    def rate(self) -> float:
        return self.exceedances / self.observations if self.observations else float("nan")


def _xlogy(x: float, y: float) -> float:
    return 0.0 if x == 0 else x * math.log(y)


def kupiec_pof(*, exceedances: int, observations: int, expected_rate: float) -> Kupiec:
    """Kupiec's POF test: LR = -2 ln[(1-p)^(n-x) p^x / ((1-x/n)^(n-x) (x/n)^x)] ~ χ²(1)."""
    n, x, p = observations, exceedances, expected_rate
    if n <= 0 or not 0 <= x <= n:
        raise ValueError("need 0 <= exceedances <= observations and observations > 0")
    phat = x / n
    log_null = _xlogy(n - x, 1.0 - p) + _xlogy(x, p)
    log_alt = _xlogy(n - x, 1.0 - phat) + _xlogy(x, phat)
    lr = max(0.0, -2.0 * (log_null - log_alt))
    return Kupiec(x, n, p, float(lr), float(chi2.sf(lr, df=1)))


def qlike(returns: np.ndarray, variance: np.ndarray) -> float:
    r = np.asarray(returns, dtype=float)
    h = np.asarray(variance, dtype=float)
    return float(np.mean(np.log(h) + r * r / h))


def _clean(value: float) -> float | None:
    """JSON-safe (the registry and the forecast rows are JSON)."""
    return None if value is None or not math.isfinite(value) else round(float(value), 8)


def var_backtest(returns: np.ndarray, variance: np.ndarray, *, confidence: float) -> dict:
    r = np.asarray(returns, dtype=float)
    hits = int(np.sum(r < vol.var_threshold(variance, confidence=confidence)))
    k = kupiec_pof(exceedances=hits, observations=int(r.size), expected_rate=1.0 - confidence)
    return {
        "confidence": confidence,
        "observations": k.observations,
        "exceedances": k.exceedances,
        "exceedance_rate": _clean(k.rate),
        "expected_rate": _clean(k.expected_rate),
        "kupiec_lr": _clean(k.lr),
        "kupiec_p_value": _clean(k.p_value),
    }


def volatility_backtest(
    returns: np.ndarray,
    *,
    confidence: float,
    lam: float = vol.EWMA_LAMBDA,
    baseline_window: int = vol.BASELINE_WINDOW,
    garch_min_train: int = vol.GARCH_MIN_TRAIN,
    garch_window: int = vol.GARCH_WINDOW,
    garch_refit_every: int = vol.GARCH_REFIT_EVERY,
    kupiec_min_p: float = KUPIEC_MIN_P,
    progress=None,
) -> dict:
    """Walk-forward EWMA, GARCH(1,1) and baseline forecasts of `returns`, scored on the days all
    three forecast. Returns a JSON-safe dict with each model's QLIKE and VaR backtest, whether it
    beats the baseline, which model VaR uses, and the last GARCH fit."""
    r = np.asarray(returns, dtype=float)
    paths = {
        "ewma": vol.ewma_variance(r, lam=lam),
        "garch": vol.garch_walk_forward(
            r, min_train=garch_min_train, window=garch_window, refit_every=garch_refit_every, progress=progress
        )[0],
        BASELINE: vol.rolling_variance(r, window=baseline_window),
    }
    usable = np.ones(r.size, dtype=bool)
    for path in paths.values():
        usable &= np.isfinite(path[:-1]) & (path[:-1] > 0)
    idx = np.flatnonzero(usable)
    if idx.size == 0:
        raise ValueError("too few returns for a backtest")
    out: dict = {"observations": int(idx.size), "confidence": confidence, "models": {}}
    scored = {
        name: (qlike(r[idx], p[idx]), var_backtest(r[idx], p[idx], confidence=confidence)) for name, p in paths.items()
    }
    base_q = scored[BASELINE][0]
    for name, (q, var) in scored.items():
        row = {"qlike": _clean(q), "var": var}
        if name != BASELINE:
            beats = q < base_q
            kupiec_ok = (var["kupiec_p_value"] or 0.0) >= kupiec_min_p
            row.update(
                baseline_qlike=_clean(base_q),
                beats_baseline=bool(beats),
                kupiec_ok=bool(kupiec_ok),
                eligible_for_var=bool(beats and kupiec_ok),
            )
        out["models"][name] = row
    out["var_model"] = choose_var_model(out)
    return out


def choose_var_model(backtest: dict | None) -> str:
    """The eligible model with the lowest QLIKE, else the baseline."""
    if not backtest:
        return BASELINE
    eligible = [
        (row["qlike"], name)
        for name, row in backtest.get("models", {}).items()
        if name != BASELINE and row.get("eligible_for_var")
    ]
    return min(eligible)[1] if eligible else BASELINE


def direction_scores(y: np.ndarray, p_up: np.ndarray, p_const: np.ndarray) -> dict:
    """Accuracy and log-loss of the model against always-up and 50/50 (JSON-safe)."""
    y = np.asarray(y, dtype=float)
    eps = 1e-12

    def logloss(p: np.ndarray) -> float:
        p = np.clip(np.asarray(p, dtype=float), eps, 1 - eps)
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))

    acc = float(np.mean((np.asarray(p_up) > 0.5) == (y == 1)))
    up_acc = float(np.mean(y))
    model_ll, up_ll, coin_ll = logloss(p_up), logloss(p_const), math.log(2.0)
    beats = acc > up_acc and model_ll < min(up_ll, coin_ll)
    return {
        "observations": int(y.size),
        "accuracy": _clean(acc),
        "log_loss": _clean(model_ll),
        "always_up": {"accuracy": _clean(up_acc), "log_loss": _clean(up_ll)},
        "fifty_fifty": {"accuracy": 0.5, "log_loss": _clean(coin_ll)},
        "beats_baseline": bool(beats),
    }
