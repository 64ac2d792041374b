"""Performance and risk arithmetic over numpy arrays (no database, no Django).

Conventions: a daily value series `values[0..n]` (value at the end of each day, `values[0]` the
day before the period) and the external cash flows `flows[0..n]` of each day (deposits positive,
withdrawals negative), counted at the end of the day they happen.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize

DAYS_PER_YEAR = 365.0


def daily_returns(values: np.ndarray, flows: np.ndarray) -> np.ndarray:
    """r[t] = (V[t] - F[t]) / V[t-1] - 1 for t = 1..n (flows at the end of the day); NaN where
    there was nothing invested the day before (V[t-1] <= 0)."""
    values = np.asarray(values, dtype=float)
    flows = np.asarray(flows, dtype=float)
    prev, cur, flow = values[:-1], values[1:], flows[1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(prev > 0, (cur - flow) / prev - 1.0, np.nan)


def time_weighted_return(returns: np.ndarray) -> float:
    """Daily-linked TWR: the product of (1 + r) over the days with something invested, minus 1.
    Independent of when and how much money was added or taken out."""
    r = np.asarray(returns, dtype=float)
    r = r[~np.isnan(r)]
    return float(np.prod(1.0 + r) - 1.0) if r.size else 0.0


def annualise(total_return: float, days: int) -> float:
    """Compound a period return to a yearly rate (only meaningful for periods over a year)."""
    if days <= 0 or total_return <= -1.0:
        return total_return
    return float((1.0 + total_return) ** (DAYS_PER_YEAR / days) - 1.0)


def wealth_index(returns: np.ndarray) -> np.ndarray:
    """Growth of 1 by the daily returns, starting at 1 (length n + 1)."""
    r = np.nan_to_num(np.asarray(returns, dtype=float), nan=0.0)
    return np.concatenate(([1.0], np.cumprod(1.0 + r)))


def max_drawdown(returns: np.ndarray) -> float:
    """The largest peak-to-trough fall of the wealth index, as a positive fraction (0 if none)."""
    wealth = wealth_index(returns)
    peaks = np.maximum.accumulate(wealth)
    return float(max(0.0, -np.min(wealth / peaks - 1.0)))


def annualised_volatility(returns: np.ndarray, periods_per_year: float) -> float | None:
    r = np.asarray(returns, dtype=float)
    r = r[~np.isnan(r)]
    if r.size < 2:
        return None
    return float(np.std(r, ddof=1) * math.sqrt(periods_per_year))


def sharpe_ratio(returns: np.ndarray, periods_per_year: float, risk_free_rate: float) -> float | None:
    """(annualised mean return - risk-free rate) / annualised volatility."""
    r = np.asarray(returns, dtype=float)
    r = r[~np.isnan(r)]
    vol = annualised_volatility(r, periods_per_year)
    if vol is None or vol == 0:
        return None
    return float((np.mean(r) * periods_per_year - risk_free_rate) / vol)


def historical_var(returns: np.ndarray, confidence: float) -> float | None:
    """1-day historical value at risk: the loss (a positive fraction) that the daily returns
    exceeded on (1 - confidence) of the days."""
    r = np.asarray(returns, dtype=float)
    r = r[~np.isnan(r)]
    if r.size < 2:
        return None
    return float(max(0.0, -np.quantile(r, 1.0 - confidence)))


def xirr(days: np.ndarray, amounts: np.ndarray) -> float | None:
    """Money-weighted return: the yearly rate r with sum(a_i / (1 + r) ** (t_i / 365)) = 0, where
    t_i are days since the first flow (actual/365). Amounts are from the investor's side (money
    put in negative, money taken out and the final value positive). None without a sign change
    or a root."""
    t = (np.asarray(days, dtype=float) - float(np.min(days))) / DAYS_PER_YEAR
    a = np.asarray(amounts, dtype=float)
    keep = a != 0
    t, a = t[keep], a[keep]
    if a.size < 2 or not (np.any(a > 0) and np.any(a < 0)):
        return None

    def npv(rate: float) -> float:
        return float(np.sum(a * np.exp(-t * np.log1p(rate))))

    low, high = -0.999999, 1.0
    f_low = npv(low)
    f_high = npv(high)
    while f_low * f_high > 0 and high < 1e9:
        high *= 4.0
        f_high = npv(high)
    if f_low * f_high > 0:
        return None
    rate = optimize.brentq(npv, low, high, xtol=1e-14, rtol=1e-14, maxiter=500)
    return float(rate)
