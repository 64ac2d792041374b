"""Market forecasts, the arithmetic: GARCH recovery, Kupiec, no look-ahead, the baseline rule."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from portfolios.forecasting import backtest, direction
from portfolios.forecasting import volatility as vol


def simulate_garch(n: int, *, omega: float, alpha: float, beta: float, seed: int, burn: int = 500) -> np.ndarray:
    rng = np.random.default_rng(seed)
    variance = omega / (1.0 - alpha - beta)
    out = np.empty(n + burn)
    for t in range(n + burn):
        out[t] = rng.standard_normal() * math.sqrt(variance)
        variance = omega + alpha * out[t] ** 2 + beta * variance
    return out[burn:]


def closes_from(returns: np.ndarray, start: float = 100.0) -> np.ndarray:
    return start * np.exp(np.concatenate(([0.0], np.cumsum(returns))))


# --- GARCH(1,1) by maximum likelihood ---------------------------------------------------------------


def test_garch_fit_recovers_known_parameters_of_a_simulated_series():
    omega, alpha, beta = 2e-6, 0.08, 0.90
    returns = simulate_garch(5000, omega=omega, alpha=alpha, beta=beta, seed=1)

    fitted = vol.garch_fit(returns)

    assert fitted.converged
    assert abs(fitted.alpha - alpha) <= 0.05
    assert abs(fitted.beta - beta) <= 0.05
    assert abs(fitted.omega / omega - 1.0) <= 0.30


def test_garch_multi_day_variance_reverts_to_the_long_run_level():
    params = vol.GarchParams(mu=0.0, omega=2e-6, alpha=0.08, beta=0.90, observations=0, converged=True)
    long_run = params.long_run_variance  # 1e-4
    # Starting at the long-run level, h days add up to h times it; starting above, to less than h times the start.
    assert vol.garch_horizon_variance(long_run, params, 10) == pytest.approx(10 * long_run)
    high = 4 * long_run
    assert 10 * long_run < vol.garch_horizon_variance(high, params, 10) < 10 * high
    # The second day's forecast: long run + persistence x (today's - long run).
    assert vol.garch_horizon_variance(high, params, 2) - high == pytest.approx(long_run + 0.98 * (high - long_run))


def test_ewma_is_the_riskmetrics_recursion():
    r = np.array([0.01, -0.02, 0.015, 0.0, -0.01])
    f = vol.ewma_variance(r, lam=0.94, seed=2)
    assert np.isnan(f[:2]).all()
    assert f[2] == pytest.approx((0.01**2 + 0.02**2) / 2)
    assert f[3] == pytest.approx(0.94 * f[2] + 0.06 * 0.015**2)
    assert f[5] == pytest.approx(0.94 * f[4] + 0.06 * 0.01**2)


def test_parametric_var_is_the_normal_quantile_loss():
    # sigma 2%: 1.6449 sigma = 3.29% in log return, a 3.24% loss of value.
    assert vol.parametric_var(0.02**2, confidence=0.95) == pytest.approx(1 - math.exp(-1.644853627 * 0.02), rel=1e-6)


# --- Kupiec -------------------------------------------------------------------------------------------


def test_kupiec_statistic_on_a_hand_computed_case():
    # 20 exceedances in 250 days at 5%: LR = -2 [230 ln .95 + 20 ln .05 - 230 ln .92 - 20 ln .08].
    k = backtest.kupiec_pof(exceedances=20, observations=250, expected_rate=0.05)
    expected = -2 * (230 * math.log(0.95) + 20 * math.log(0.05) - 230 * math.log(0.92) - 20 * math.log(0.08))
    assert k.lr == pytest.approx(expected, rel=1e-12)
    assert k.lr == pytest.approx(4.03952, abs=1e-5)
    assert k.p_value == pytest.approx(0.044446, abs=1e-6)
    assert k.rate == 0.08


@pytest.mark.parametrize(
    ("observations", "rate", "lowest_kept", "highest_kept"),
    # Kupiec (1995) non-rejection regions at the 5% test level (Jorion, Value at Risk, table 6-3).
    [(255, 0.05, 7, 20), (1000, 0.05, 38, 64), (1000, 0.01, 5, 16), (510, 0.05, 17, 35)],
)
def test_kupiec_matches_the_published_non_rejection_regions(observations, rate, lowest_kept, highest_kept):
    def p(x):
        return backtest.kupiec_pof(exceedances=x, observations=observations, expected_rate=rate).p_value

    assert p(lowest_kept) > 0.05 and p(highest_kept) > 0.05
    assert p(lowest_kept - 1) < 0.05 and p(highest_kept + 1) < 0.05


def test_kupiec_with_exactly_the_expected_exceedances_cannot_reject():
    k = backtest.kupiec_pof(exceedances=50, observations=1000, expected_rate=0.05)
    assert k.lr == pytest.approx(0.0, abs=1e-12)
    assert k.p_value == pytest.approx(1.0)


# --- no look-ahead ------------------------------------------------------------------------------------


def _paths(closes: np.ndarray, volumes: np.ndarray) -> dict[str, np.ndarray]:
    r = vol.log_returns(closes)
    garch, _ = vol.garch_walk_forward(r, min_train=150, window=300, refit_every=40)
    at = pd.date_range("2024-01-01", periods=closes.size, freq="D", tz="UTC")
    samples = direction.pooled([direction.Series("X", list(at), closes, volumes)])
    wf = direction.walk_forward(samples, min_train=100, window=300, refit_every=40)
    return {
        "ewma": vol.ewma_variance(r),
        "baseline": vol.rolling_variance(r),
        "garch": garch,
        "direction": wf.set_index("at")["p_up"].reindex(at).to_numpy(),
    }


def test_changing_prices_after_a_date_leaves_every_earlier_forecast_unchanged():
    rng = np.random.default_rng(5)
    closes = closes_from(simulate_garch(400, omega=2e-6, alpha=0.08, beta=0.90, seed=5))
    volumes = rng.uniform(1e5, 2e5, closes.size)
    cut = 300  # closes 0..300 are kept; later ones change
    changed_closes, changed_volumes = closes.copy(), volumes.copy()
    changed_closes[cut + 1 :] *= np.exp(rng.normal(0, 0.05, closes.size - cut - 1))
    changed_volumes[cut + 1 :] *= 3.0

    before, after = _paths(closes, volumes), _paths(changed_closes, changed_volumes)

    for name in before:
        # A forecast made at close t (index t) uses closes up to t only.
        made_before = slice(0, cut + 1)
        np.testing.assert_array_equal(before[name][made_before], after[name][made_before], err_msg=name)
        assert np.isfinite(before[name][cut]), name  # the comparison is not vacuous
        assert not np.allclose(before[name][cut + 2 :], after[name][cut + 2 :], equal_nan=True), name


# --- the baseline rule --------------------------------------------------------------------------------


def _bt(*, ewma_beats: bool, garch_beats: bool, ewma_p: float = 0.5, garch_p: float = 0.5) -> dict:
    def row(qlike, beats, p):
        return {"qlike": qlike, "beats_baseline": beats, "eligible_for_var": beats and p >= 0.05}

    return {
        "models": {
            "ewma": row(-8.2 if ewma_beats else -7.9, ewma_beats, ewma_p),
            "garch": row(-8.3 if garch_beats else -7.8, garch_beats, garch_p),
            "rolling_variance": {"qlike": -8.0},
        }
    }


def test_a_model_that_does_not_beat_its_baseline_is_never_chosen_for_var():
    assert backtest.choose_var_model(_bt(ewma_beats=False, garch_beats=False)) == "rolling_variance"
    assert backtest.choose_var_model(_bt(ewma_beats=True, garch_beats=False)) == "ewma"
    assert backtest.choose_var_model(_bt(ewma_beats=True, garch_beats=True)) == "garch"  # the lower QLIKE
    assert backtest.choose_var_model(_bt(ewma_beats=True, garch_beats=True, garch_p=0.01)) == "ewma"  # Kupiec
    assert backtest.choose_var_model(None) == "rolling_variance"  # never backtested


def test_volatility_backtest_marks_eligibility_by_qlike_and_kupiec():
    r = simulate_garch(900, omega=2e-6, alpha=0.08, beta=0.90, seed=3)

    result = backtest.volatility_backtest(
        r, confidence=0.95, garch_min_train=300, garch_window=600, garch_refit_every=100
    )

    models = result["models"]
    base = models["rolling_variance"]["qlike"]
    assert result["observations"] == 900 - 300
    for name in ("ewma", "garch"):
        row = models[name]
        assert row["beats_baseline"] == (row["qlike"] < base)
        assert row["kupiec_ok"] == (row["var"]["kupiec_p_value"] >= 0.05)
        assert row["eligible_for_var"] == (row["beats_baseline"] and row["kupiec_ok"])
    assert result["var_model"] == backtest.choose_var_model(result)
    # On a true GARCH series the walk-forward GARCH beats the 21-day rolling variance.
    assert models["garch"]["beats_baseline"]


def test_direction_scores_against_always_up_and_fifty_fifty():
    y = np.array([1, 1, 1, 0])
    no_skill = backtest.direction_scores(y, np.full(4, 0.6), np.full(4, 0.75))
    assert no_skill["accuracy"] == 0.75 and no_skill["always_up"]["accuracy"] == 0.75
    assert no_skill["fifty_fifty"]["log_loss"] == pytest.approx(math.log(2), abs=1e-8)
    assert not no_skill["beats_baseline"]  # same accuracy as always-up is no skill

    skilled = backtest.direction_scores(y, np.array([0.9, 0.9, 0.9, 0.1]), np.full(4, 0.75))
    assert skilled["accuracy"] == 1.0 and skilled["beats_baseline"]
