"""Market forecasts: EWMA and GARCH(1,1) volatility with parametric VaR, a next-day direction
classifier, and walk-forward backtests against naive baselines (`volatility`, `direction`,
`backtest` are plain numpy; `services`, `selectors`, `api`, `tasks` are the Django side)."""
