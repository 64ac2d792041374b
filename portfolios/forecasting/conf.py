"""The forecasting settings, read with their defaults (every one can be set in the environment
through `blockguardian/settings/domain/portfolios.py`)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from . import backtest, direction
from . import volatility as vol

DEFAULTS = {
    # Registry names of the two market models.
    "PORTFOLIOS_FORECAST_VOLATILITY_MODEL": "market_volatility",
    "PORTFOLIOS_FORECAST_DIRECTION_MODEL": "market_direction",
    # RiskMetrics decay and the naive baseline's window (trading days).
    "PORTFOLIOS_FORECAST_EWMA_LAMBDA": vol.EWMA_LAMBDA,
    "PORTFOLIOS_FORECAST_BASELINE_WINDOW": vol.BASELINE_WINDOW,
    # GARCH walk-forward: returns before the first refit, estimation window, days between refits.
    "PORTFOLIOS_FORECAST_GARCH_MIN_TRAIN": vol.GARCH_MIN_TRAIN,
    "PORTFOLIOS_FORECAST_GARCH_WINDOW": vol.GARCH_WINDOW,
    "PORTFOLIOS_FORECAST_REFIT_EVERY": vol.GARCH_REFIT_EVERY,
    # Direction walk-forward: dates before the first refit and the training window (dates).
    "PORTFOLIOS_FORECAST_DIRECTION_MIN_TRAIN": direction.MIN_TRAIN,
    "PORTFOLIOS_FORECAST_DIRECTION_WINDOW": direction.WINDOW,
    # Fewer daily returns than this: no forecast (422).
    "PORTFOLIOS_FORECAST_MIN_OBSERVATIONS": 250,
    # A model whose VaR Kupiec rejects below this p-value is not used for VaR.
    "PORTFOLIOS_FORECAST_KUPIEC_MIN_P": backtest.KUPIEC_MIN_P,
}


def setting(name: str):
    return getattr(settings, name, DEFAULTS[name])


def var_confidence() -> float:
    return float(Decimal(str(getattr(settings, "PORTFOLIOS_VAR_CONFIDENCE", "0.95"))))
