"""The benchmark profile: the test settings with the per-client rate limits raised, because a load
test sends every request from 127.0.0.1 and a handful of accounts. Lockout (django-axes) is
unchanged, and so is every check on the request path."""

from .test import *  # noqa: F403

ACCOUNTS_RATE_LIMITS = {name: {"ip": "1000000/m", "account": "1000000/m"} for name in ACCOUNTS_RATE_LIMITS}
# A few customers placing an order every second or two would trip the velocity rules and be held
# for review: the assessment still runs for every order, only its thresholds are raised.
FRAUD_THRESHOLDS = {**FRAUD_THRESHOLDS, "review_score": 5000, "block_score": 6000}
