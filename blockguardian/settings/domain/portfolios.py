"""Settings of the portfolios app (thresholds and switches; every one from the environment)."""

from ..env import BASE_DIR, env

# How many open portfolios one customer may hold.
PORTFOLIOS_MAX_PER_CUSTOMER = env.int("PORTFOLIOS_MAX_PER_CUSTOMER", default=10)

# Settlement cycles, in settlement days after the trade date: equities and ETFs T+1, crypto T+0.
# An asset's own `settlement_days` wins; these are the defaults for new assets of each class.
PORTFOLIOS_SETTLEMENT_DAYS = {
    "stock": env.int("PORTFOLIOS_SETTLEMENT_DAYS_STOCK", default=1),
    "etf": env.int("PORTFOLIOS_SETTLEMENT_DAYS_ETF", default=1),
    "commodity": env.int("PORTFOLIOS_SETTLEMENT_DAYS_COMMODITY", default=1),
    "crypto": env.int("PORTFOLIOS_SETTLEMENT_DAYS_CRYPTO", default=0),
}
# Settlement days after which an ACH deposit is due to settle (its funds become withdrawable).
PORTFOLIOS_ACH_SETTLEMENT_DAYS = env.int("PORTFOLIOS_ACH_SETTLEMENT_DAYS", default=1)

# Holding period above which a realised gain is long-term (IRS: more than one year).
PORTFOLIOS_LONG_TERM_MONTHS = env.int("PORTFOLIOS_LONG_TERM_MONTHS", default=12)

# The price source trading fills against (a dotted path to a PriceSource class); the database is
# the default. A live provider adapter plugs in here and is never needed by the tests.
PORTFOLIOS_PRICE_SOURCE = env.str("PORTFOLIOS_PRICE_SOURCE", default="portfolios.prices.DatabasePriceSource")
# A quote older than this is reported as stale (trading decides what to do with a stale quote).
PORTFOLIOS_PRICE_STALE_HOURS = env.int("PORTFOLIOS_PRICE_STALE_HOURS", default=96)
# Rows per transaction when loading a price file.
PORTFOLIOS_PRICE_LOAD_BATCH = env.int("PORTFOLIOS_PRICE_LOAD_BATCH", default=5000)
# The bundled synthetic price history loaded by the demo data.
PORTFOLIOS_DEMO_PRICES_FILE = env.str(
    "PORTFOLIOS_DEMO_PRICES_FILE", default=str(BASE_DIR / "portfolios" / "data" / "prices.csv.gz")
)

# Analytics: annual risk-free rate for the Sharpe ratio (a decimal fraction), VaR confidence,
# how long a computed performance report is kept (it is also dropped at the portfolio's next
# ledger entry or the next price load).
PORTFOLIOS_RISK_FREE_RATE = env.str("PORTFOLIOS_RISK_FREE_RATE", default="0.04")
PORTFOLIOS_VAR_CONFIDENCE = env.str("PORTFOLIOS_VAR_CONFIDENCE", default="0.95")
PORTFOLIOS_ANALYTICS_CACHE_SECONDS = env.int("PORTFOLIOS_ANALYTICS_CACHE_SECONDS", default=3600)
# Periods per year for annualising: NYSE trading days, and calendar days once crypto is held.
PORTFOLIOS_TRADING_DAYS_PER_YEAR = env.int("PORTFOLIOS_TRADING_DAYS_PER_YEAR", default=252)

# Risk rules (GET /api/portfolios/{id}/risk): a figure above its threshold is a warning.
# Shares are fractions of the portfolio's total value.
PORTFOLIOS_RISK_MAX_ASSET_SHARE = env.str("PORTFOLIOS_RISK_MAX_ASSET_SHARE", default="0.25")
PORTFOLIOS_RISK_MAX_CLASS_SHARE = env.str("PORTFOLIOS_RISK_MAX_CLASS_SHARE", default="0.60")
PORTFOLIOS_RISK_MAX_CRYPTO_SHARE = env.str("PORTFOLIOS_RISK_MAX_CRYPTO_SHARE", default="0.20")
# Fees of the last 365 days as a fraction of the current total value.
PORTFOLIOS_RISK_MAX_FEE_RATIO = env.str("PORTFOLIOS_RISK_MAX_FEE_RATIO", default="0.01")
PORTFOLIOS_RISK_MAX_CASH_SHARE = env.str("PORTFOLIOS_RISK_MAX_CASH_SHARE", default="0.20")

# Market forecasts (GET /api/portfolios/assets/{id}/forecast, manage.py train_market_models).
PORTFOLIOS_FORECAST_VOLATILITY_MODEL = env.str("PORTFOLIOS_FORECAST_VOLATILITY_MODEL", default="market_volatility")
PORTFOLIOS_FORECAST_DIRECTION_MODEL = env.str("PORTFOLIOS_FORECAST_DIRECTION_MODEL", default="market_direction")
# RiskMetrics EWMA decay; the rolling-variance baseline's window (trading days).
PORTFOLIOS_FORECAST_EWMA_LAMBDA = env.float("PORTFOLIOS_FORECAST_EWMA_LAMBDA", default=0.94)
PORTFOLIOS_FORECAST_BASELINE_WINDOW = env.int("PORTFOLIOS_FORECAST_BASELINE_WINDOW", default=21)
# Walk-forward: returns before the first GARCH refit, GARCH estimation window, days between refits.
PORTFOLIOS_FORECAST_GARCH_MIN_TRAIN = env.int("PORTFOLIOS_FORECAST_GARCH_MIN_TRAIN", default=500)
PORTFOLIOS_FORECAST_GARCH_WINDOW = env.int("PORTFOLIOS_FORECAST_GARCH_WINDOW", default=1500)
PORTFOLIOS_FORECAST_REFIT_EVERY = env.int("PORTFOLIOS_FORECAST_REFIT_EVERY", default=21)
# Direction classifier: dates before the first refit, training window (dates).
PORTFOLIOS_FORECAST_DIRECTION_MIN_TRAIN = env.int("PORTFOLIOS_FORECAST_DIRECTION_MIN_TRAIN", default=250)
PORTFOLIOS_FORECAST_DIRECTION_WINDOW = env.int("PORTFOLIOS_FORECAST_DIRECTION_WINDOW", default=1000)
# Fewer daily returns than this: no forecast (422).
PORTFOLIOS_FORECAST_MIN_OBSERVATIONS = env.int("PORTFOLIOS_FORECAST_MIN_OBSERVATIONS", default=250)
# A model whose VaR the Kupiec test rejects below this p-value is not used for VaR.
PORTFOLIOS_FORECAST_KUPIEC_MIN_P = env.float("PORTFOLIOS_FORECAST_KUPIEC_MIN_P", default=0.05)
