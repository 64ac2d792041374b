"""Volatility forecasts over a daily log-return series (numpy and `arch`; no database, no Django).

Indexing convention, used by every function here and in `direction` and `backtest`: `returns[i]`
is the log return from close `i` to close `i + 1`; a forecast path `f` has length
`len(returns) + 1` and `f[t]` is the forecast of the variance of `returns[t]` made with
`returns[:t]` only (after close `t`). `f[len(returns)]` is the forecast for the next, unseen day.
NaN where a model has too little data to forecast.

* EWMA (RiskMetrics): `v[t+1] = λ v[t] + (1 - λ) r[t]²`, λ = 0.94, seeded with the mean square of
  the first `seed` returns; a flat term structure (h days: `h v`).
* GARCH(1,1) with a constant mean, fitted by Gaussian maximum likelihood with `arch`; walk-forward:
  refitted every `refit_every` days on the `window` returns before the refit date, then filtered
  forward with the fitted parameters. h-day variance is the sum of the 1..h-step forecasts.
* The naive baseline: the mean square of the last `window` returns.

Parametric VaR is zero-mean normal: the loss fraction `1 - exp(-z σ_h)` with `z` the
`confidence` quantile of the standard normal.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

import numpy as np
from scipy.stats import norm

EWMA_LAMBDA = 0.94
EWMA_SEED = 30
BASELINE_WINDOW = 21
GARCH_MIN_TRAIN = 500
GARCH_WINDOW = 1500
GARCH_REFIT_EVERY = 21
# arch fits percentage returns (better conditioned); parameters are converted back.
_SCALE = 100.0


def log_returns(closes: Iterable[float]) -> np.ndarray:
    c = np.asarray(list(closes) if not isinstance(closes, np.ndarray) else closes, dtype=float)
    if c.size < 2:
        return np.empty(0)
    return np.diff(np.log(c))


# --- EWMA and the rolling baseline ----------------------------------------------------------------


def ewma_variance(returns: np.ndarray, *, lam: float = EWMA_LAMBDA, seed: int = EWMA_SEED) -> np.ndarray:
    r = np.asarray(returns, dtype=float)
    f = np.full(r.size + 1, np.nan)
    if r.size < seed:
        return f
    f[seed] = float(np.mean(r[:seed] ** 2))
    for t in range(seed, r.size):
        f[t + 1] = lam * f[t] + (1.0 - lam) * r[t] * r[t]
    return f


def rolling_variance(returns: np.ndarray, *, window: int = BASELINE_WINDOW) -> np.ndarray:
    r = np.asarray(returns, dtype=float)
    f = np.full(r.size + 1, np.nan)
    if r.size < window:
        return f
    csum = np.concatenate(([0.0], np.cumsum(r * r)))
    t = np.arange(window, r.size + 1)
    f[window:] = (csum[t] - csum[t - window]) / window
    return f


# --- GARCH(1,1) ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class GarchParams:
    """GARCH(1,1) with a constant mean, in return units (not percent)."""

    mu: float
    omega: float
    alpha: float
    beta: float
    observations: int
    converged: bool

    @property
    def persistence(self) -> float:
        return self.alpha + self.beta

    @property
    def long_run_variance(self) -> float | None:
        return self.omega / (1.0 - self.persistence) if self.persistence < 1.0 else None

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> GarchParams:
        return cls(**{k: data[k] for k in ("mu", "omega", "alpha", "beta", "observations", "converged")})


def garch_fit(returns: np.ndarray) -> GarchParams:
    """Maximum-likelihood GARCH(1,1) (normal errors, constant mean) with `arch`."""
    from arch import arch_model

    r = np.asarray(returns, dtype=float)
    model = arch_model(r * _SCALE, mean="Constant", vol="GARCH", p=1, q=1, dist="normal", rescale=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = model.fit(disp="off", show_warning=False)
    p = res.params
    return GarchParams(
        mu=float(p["mu"]) / _SCALE,
        omega=float(p["omega"]) / _SCALE**2,
        alpha=float(p["alpha[1]"]),
        beta=float(p["beta[1]"]),
        observations=int(r.size),
        converged=int(res.convergence_flag) == 0,
    )


def garch_filter(returns: np.ndarray, params: GarchParams, *, start_variance: float) -> np.ndarray:
    """One-step variance forecasts `v[0..n]` with fixed parameters: `v[0] = start_variance`,
    `v[t+1] = ω + α (r[t] - μ)² + β v[t]`."""
    r = np.asarray(returns, dtype=float)
    v = np.empty(r.size + 1)
    v[0] = start_variance
    e2 = (r - params.mu) ** 2
    for t in range(r.size):
        v[t + 1] = params.omega + params.alpha * e2[t] + params.beta * v[t]
    return v


def garch_horizon_variance(next_variance: float, params: GarchParams, horizon: int) -> float:
    """Variance of the sum of the next `horizon` returns (the 1..h-step forecasts added up)."""
    vbar = params.long_run_variance
    if vbar is None:
        return horizon * next_variance
    k = np.arange(horizon)
    return float(np.sum(vbar + params.persistence**k * (next_variance - vbar)))


def garch_forecast(returns: np.ndarray, params: GarchParams, *, window: int = GARCH_WINDOW) -> float:
    """The next day's variance with fixed parameters, filtered over the last `window` returns."""
    r = np.asarray(returns, dtype=float)[-window:]
    return float(garch_filter(r, params, start_variance=float(np.var(r)))[-1])


def garch_walk_forward(
    returns: np.ndarray,
    *,
    min_train: int = GARCH_MIN_TRAIN,
    window: int = GARCH_WINDOW,
    refit_every: int = GARCH_REFIT_EVERY,
    progress: Callable[[Iterable[int]], Iterable[int]] | None = None,
) -> tuple[np.ndarray, list[tuple[int, GarchParams]]]:
    """Walk-forward one-step forecasts: refits at `min_train`, `min_train + refit_every`, … (fixed
    from the start of the series, so later data never moves them); each refit at `at` uses
    `returns[at - window:at]` and forecasts days `at .. at + refit_every - 1`. Returns the path and
    the (refit index, parameters) list."""
    r = np.asarray(returns, dtype=float)
    n = r.size
    f = np.full(n + 1, np.nan)
    fits: list[tuple[int, GarchParams]] = []
    refits: Iterable[int] = range(min_train, n + 1, refit_every)
    if progress is not None:
        refits = progress(refits)
    for at in refits:
        s0 = max(0, at - window)
        params = garch_fit(r[s0:at])
        fits.append((at, params))
        end = min(at + refit_every, n + 1)  # forecasts for t in [at, end)
        v = garch_filter(r[s0 : end - 1], params, start_variance=float(np.var(r[s0:at])))
        f[at:end] = v[at - s0 :]
    return f, fits


# --- value at risk --------------------------------------------------------------------------------


def z_score(confidence: float) -> float:
    return float(norm.ppf(confidence))


def parametric_var(variance: float, *, confidence: float) -> float:
    """Zero-mean normal VaR as a positive loss fraction of the position's value."""
    return float(1.0 - math.exp(-z_score(confidence) * math.sqrt(max(variance, 0.0))))


def var_threshold(variance: np.ndarray, *, confidence: float) -> np.ndarray:
    """The log return below which a day is a VaR exceedance (same rule as `parametric_var`)."""
    return -z_score(confidence) * np.sqrt(np.asarray(variance, dtype=float))
