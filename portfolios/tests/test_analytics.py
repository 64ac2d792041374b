"""The analytics arithmetic against known answers."""

import datetime as dt

import numpy as np
import pytest

from portfolios import analytics

# Microsoft's XIRR documentation example: the rate is 0.373362535 (37.34%).
XIRR_DATES = [
    dt.date(2008, 1, 1),
    dt.date(2008, 3, 1),
    dt.date(2008, 10, 30),
    dt.date(2009, 2, 15),
    dt.date(2009, 4, 1),
]
XIRR_AMOUNTS = [-10000.0, 2750.0, 4250.0, 3250.0, 2750.0]


def _days(dates):
    return np.array([d.toordinal() for d in dates])


def test_xirr_of_a_known_cash_flow_series_within_1e_6():
    rate = analytics.xirr(_days(XIRR_DATES), np.array(XIRR_AMOUNTS))
    assert rate == pytest.approx(0.373362535, abs=1e-6)
    # and it is a root: the flows discounted at it are worth nothing
    t = (_days(XIRR_DATES) - _days(XIRR_DATES)[0]) / 365.0
    assert abs(sum(a / (1 + rate) ** ti for a, ti in zip(XIRR_AMOUNTS, t, strict=True))) < 1e-6


def test_xirr_of_one_year_doubling_is_100_percent():
    assert analytics.xirr(np.array([0, 365]), np.array([-100.0, 200.0])) == pytest.approx(1.0, abs=1e-9)


def test_xirr_of_a_loss_is_negative_and_without_a_sign_change_is_none():
    assert analytics.xirr(np.array([0, 365]), np.array([-100.0, 80.0])) == pytest.approx(-0.2, abs=1e-9)
    assert analytics.xirr(np.array([0, 365]), np.array([-100.0, -80.0])) is None


def test_daily_returns_count_flows_at_the_end_of_the_day():
    values = np.array([0.0, 1000.0, 2100.0, 2000.0])
    flows = np.array([0.0, 1000.0, 1000.0, 0.0])
    returns = analytics.daily_returns(values, flows)
    assert np.isnan(returns[0])  # nothing invested the day before
    assert returns[1] == pytest.approx(0.10)
    assert returns[2] == pytest.approx(2000.0 / 2100.0 - 1)
    assert analytics.time_weighted_return(returns) == pytest.approx(1.10 * 2000.0 / 2100.0 - 1)


def test_max_drawdown_is_the_deepest_fall_from_a_peak():
    returns = np.array([0.10, -0.20, 0.05, -0.10, 0.50])
    wealth = np.cumprod(1 + returns)
    assert analytics.max_drawdown(returns) == pytest.approx(1 - wealth[3] / wealth[0])


def test_historical_var_is_the_loss_at_the_5th_percentile():
    returns = np.linspace(-0.10, 0.09, 20)
    assert analytics.historical_var(returns, 0.95) == pytest.approx(-np.quantile(returns, 0.05))


def test_volatility_and_sharpe_are_annualised():
    returns = np.array([0.01, -0.01] * 50)
    vol = analytics.annualised_volatility(returns, 252)
    assert vol == pytest.approx(np.std(returns, ddof=1) * np.sqrt(252))
    assert analytics.sharpe_ratio(returns, 252, 0.0) == pytest.approx(0.0, abs=1e-12)


def test_annualise_compounds_to_a_yearly_rate():
    assert analytics.annualise(0.21, 730) == pytest.approx(0.1, abs=1e-3)
