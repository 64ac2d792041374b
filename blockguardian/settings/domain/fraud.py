"""Settings of the fraud app (thresholds and switches; every one from the environment).

`FRAUD_THRESHOLDS` holds every rule threshold and weight; each key is read from the environment
variable `FRAUD_<KEY IN UPPER CASE>` and may be overridden at run time, with an audit trail, in the
admin (fraud › rule overrides). Amounts are whole US dollars; windows are hours or days as named.
"""

from ..env import env

# A kill switch for operators: when false, assess() stores an `allow` decision saying so.
FRAUD_ENABLED = env.bool("FRAUD_ENABLED", default=True)

# PostgreSQL: an `allow` decision is committed without waiting for its WAL flush (the caller's own
# synchronous commit of the movement, moments later, flushes it; only an allowed request the caller
# then refuses for another reason could lose its decision, in a database crash within
# wal_writer_delay). `review` and `block` decisions, with their alerts, always wait for the flush.
FRAUD_ALLOW_DECISION_ASYNC_COMMIT = env.bool("FRAUD_ALLOW_DECISION_ASYNC_COMMIT", default=True)

# The anomaly model's name in the model registry.
FRAUD_MODEL_NAME = env.str("FRAUD_MODEL_NAME", default="fraud_isolation_forest")
# How often a process re-checks which model version is active and which overrides exist (seconds).
FRAUD_MODEL_REFRESH_SECONDS = env.int("FRAUD_MODEL_REFRESH_SECONDS", default=300)
FRAUD_OVERRIDE_REFRESH_SECONDS = env.int("FRAUD_OVERRIDE_REFRESH_SECONDS", default=10)

# FINRA Rule 2165 (financial exploitation of specified adults).
FRAUD_FINRA_SPECIFIED_ADULT_AGE = env.int("FRAUD_FINRA_SPECIFIED_ADULT_AGE", default=65)
# A temporary hold expires this many business days after it is placed...
FRAUD_FINRA_HOLD_BUSINESS_DAYS = env.int("FRAUD_FINRA_HOLD_BUSINESS_DAYS", default=15)
# ...may be extended by this many per extension...
FRAUD_FINRA_EXTENSION_BUSINESS_DAYS = env.int("FRAUD_FINRA_EXTENSION_BUSINESS_DAYS", default=10)
# ...never beyond this many in all (15 + 10 + 30 after a report to a state agency or a court).
FRAUD_FINRA_MAX_HOLD_BUSINESS_DAYS = env.int("FRAUD_FINRA_MAX_HOLD_BUSINESS_DAYS", default=55)
# The trusted contact person is notified within this many business days of the hold.
FRAUD_FINRA_NOTICE_BUSINESS_DAYS = env.int("FRAUD_FINRA_NOTICE_BUSINESS_DAYS", default=2)

# The restriction a confirmed fraud puts on the customer (through accounts.services).
FRAUD_CONFIRMED_RESTRICTION = env.str("FRAUD_CONFIRMED_RESTRICTION", default="frozen")

# The customer's own amount history: log10-dollar histogram bins of this width.
FRAUD_HISTOGRAM_BIN_WIDTH = 0.1
FRAUD_HISTOGRAM_BINS = 80  # $1 .. $100,000,000

_THRESHOLD_DEFAULTS: dict[str, int | float] = {
    # score → decision
    "review_score": 400,
    "block_score": 800,
    # velocity of funding movements (deposits, withdrawals, loan disbursements) in 1 h and 24 h
    "velocity_count_1h": 4,
    "velocity_count_1h_points": 250,
    "velocity_count_24h": 8,
    "velocity_count_24h_points": 150,
    "velocity_amount_1h": 20000,
    "velocity_amount_1h_points": 100,
    "velocity_amount_24h": 50000,
    "velocity_amount_24h_points": 100,
    # velocity of trades
    "trade_velocity_count_1h": 60,
    "trade_velocity_count_1h_points": 150,
    # card-testing: small deposits in one hour (this one included)
    "small_deposit_amount": 50,
    "small_deposit_count_1h": 3,
    "small_deposit_burst_points": 300,
    # amount far above the customer's own history (robust z-score of log10 amounts)
    "amount_min_history": 5,
    "amount_min_dollars": 1000,
    "amount_zscore": 3.0,
    "amount_zscore_points": 150,
    "amount_zscore_high": 5.0,
    "amount_zscore_high_points": 250,
    "amount_scale_floor": 0.15,
    "amount_no_history_dollars": 5000,
    "amount_no_history_points": 150,
    # money out soon after money in, or after an ACH return
    "withdrawal_after_deposit_hours": 48,
    "withdrawal_after_deposit_points": 150,
    "withdrawal_after_return_days": 30,
    "withdrawal_after_return_points": 300,
    # pass-through: most of the last week's inflow leaves at once
    "pass_through_days": 7,
    "pass_through_ratio": 0.5,
    "pass_through_min_inbound": 3,
    "pass_through_points": 200,
    # new funding sources and destinations
    "new_destination_days": 7,
    "new_destination_points": 200,
    "new_funding_source_points": 100,
    "funding_source_burst_count_24h": 3,
    "funding_source_burst_points": 200,
    # new device (user agent and network both unseen, or first seen within the window)
    "new_device_hours": 24,
    "new_device_min_history": 3,
    "new_device_points": 100,
    # unusual hour for this customer (business time zone, the hour and its neighbours)
    "unusual_hour_min_history": 20,
    "unusual_hour_share": 0.03,
    "unusual_hour_points": 80,
    # young account
    "young_account_days": 30,
    "young_account_points": 100,
    # security events (accounts) before money leaves or a funding source is added
    "failed_logins_hours": 24,
    "failed_logins_count": 3,
    "failed_logins_points": 120,
    "lockout_hours": 24,
    "lockout_points": 150,
    "password_reset_hours": 72,
    "password_reset_points": 200,
    "password_changed_hours": 72,
    "password_changed_points": 100,
    "mfa_disabled_hours": 72,
    "mfa_disabled_points": 200,
    "mfa_enabled_hours": 72,
    "mfa_enabled_points": 100,
    "email_changed_hours": 72,
    "email_changed_points": 200,
    "token_reuse_hours": 24,
    "token_reuse_points": 250,
    # money out or a new source with two of: new device, new destination, credential change
    "takeover_pattern_points": 150,
    # restrictions (accounts)
    "restriction_review_points": 400,
    # the anomaly model: points grow from 0 at the calibrated threshold to this at the top
    "model_max_points": 250,
}

FRAUD_THRESHOLDS: dict[str, int | float] = {
    key: (
        env.float(f"FRAUD_{key.upper()}", default=default)
        if isinstance(default, float)
        else env.int(f"FRAUD_{key.upper()}", default=default)
    )
    for key, default in _THRESHOLD_DEFAULTS.items()
}
