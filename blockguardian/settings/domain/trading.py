"""Settings of the trading app (thresholds and switches; every one from the environment)."""

from ..env import env

# Orders and transfers a customer without verified KYC may still make, in whole dollars (each);
# above this the KYC record must be verified.
TRADING_UNVERIFIED_MAX_AMOUNT = env.int("TRADING_UNVERIFIED_MAX_AMOUNT", default=0)

# Spread added to (buys) or taken from (sells) the source's price, in basis points, per asset class.
TRADING_SPREAD_BPS = {
    "stock": env.int("TRADING_SPREAD_BPS_STOCK", default=0),
    "etf": env.int("TRADING_SPREAD_BPS_ETF", default=0),
    "commodity": env.int("TRADING_SPREAD_BPS_COMMODITY", default=10),
    "crypto": env.int("TRADING_SPREAD_BPS_CRYPTO", default=50),
}
# Fee per order: a flat part in dollars plus basis points of the trade value, per asset class
# (rounded half-up to the cent).
TRADING_FEE_FLAT = {
    "stock": env.str("TRADING_FEE_FLAT_STOCK", default="0.00"),
    "etf": env.str("TRADING_FEE_FLAT_ETF", default="0.00"),
    "commodity": env.str("TRADING_FEE_FLAT_COMMODITY", default="1.00"),
    "crypto": env.str("TRADING_FEE_FLAT_CRYPTO", default="0.00"),
}
TRADING_FEE_BPS = {
    "stock": env.int("TRADING_FEE_BPS_STOCK", default=0),
    "etf": env.int("TRADING_FEE_BPS_ETF", default=0),
    "commodity": env.int("TRADING_FEE_BPS_COMMODITY", default=0),
    "crypto": env.int("TRADING_FEE_BPS_CRYPTO", default=100),
}
# A market buy waiting for the open reserves the last price plus this buffer (basis points); the
# fill consumes the reservation and the difference must be available.
TRADING_MARKET_BUY_RESERVE_BUFFER_BPS = env.int("TRADING_MARKET_BUY_RESERVE_BUFFER_BPS", default=500)

# Outgoing wires at or above this amount record originator and beneficiary (31 CFR 1010.410(f)).
TRADING_WIRE_RECORD_THRESHOLD = env.int("TRADING_WIRE_RECORD_THRESHOLD", default=3000)
# Largest single deposit or withdrawal through the API, in dollars.
TRADING_MAX_TRANSFER_AMOUNT = env.int("TRADING_MAX_TRANSFER_AMOUNT", default=250000)

# Linked bank accounts: wrong micro-deposit answers before the verification fails for good.
TRADING_MICRO_DEPOSIT_MAX_ATTEMPTS = env.int("TRADING_MICRO_DEPOSIT_MAX_ATTEMPTS", default=3)
# How many linked bank accounts and wallets one customer may register.
TRADING_MAX_BANK_ACCOUNTS = env.int("TRADING_MAX_BANK_ACCOUNTS", default=5)
TRADING_MAX_WALLETS = env.int("TRADING_MAX_WALLETS", default=10)

# Transactions settled per run of the settlement job, and rows per batch of an import.
TRADING_SETTLEMENT_BATCH = env.int("TRADING_SETTLEMENT_BATCH", default=500)
TRADING_IMPORT_BATCH = env.int("TRADING_IMPORT_BATCH", default=500)

# The originating institution named on outgoing wire records.
TRADING_INSTITUTION_NAME = env.str("TRADING_INSTITUTION_NAME", default="BlockGuardian Securities LLC")

# Largest single order through the API, in dollars (its estimated value: quantity x price).
TRADING_MAX_ORDER_AMOUNT = env.int("TRADING_MAX_ORDER_AMOUNT", default=10_000_000)
