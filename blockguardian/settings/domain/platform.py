"""Institution-wide settings: regulation, calendars, retention, money."""

from ..env import env

BSA_INSTITUTION_TYPE = env.str("BSA_INSTITUTION_TYPE", default="broker_dealer")
if BSA_INSTITUTION_TYPE not in {"broker_dealer", "bank", "msb"}:
    raise ValueError(f"BSA_INSTITUTION_TYPE must be broker_dealer, bank or msb, not {BSA_INSTITUTION_TYPE!r}")

# Business dates (trading, settlement, CTR days) are taken in this zone; storage is UTC.
BUSINESS_TIME_ZONE = env.str("BUSINESS_TIME_ZONE", default="America/New_York")
CALENDAR_FIRST_YEAR = env.int("CALENDAR_FIRST_YEAR", default=2000)
CALENDAR_YEARS_AHEAD = env.int("CALENDAR_YEARS_AHEAD", default=3)

# Retention per record class (DESIGN.md): years kept after the event named in `starts`.
RETENTION_CLASSES = {
    "cip": {"years": 5, "starts": "account_closed"},
    "sar": {"years": 5, "starts": "filed"},
    "ctr": {"years": 5, "starts": "filed"},
    "bsa_supporting": {"years": 5, "starts": "filed"},
    "ofac": {"years": 10, "starts": "created"},
    "trade": {"years": 6, "starts": "created"},
    "credit_application": {"months": 25, "starts": "decided"},
    "adverse_action": {"months": 25, "starts": "decided"},
    "loan_disclosure": {"years": 2, "starts": "loan_closed"},
    "audit": {"years": 7, "starts": "created"},
}

# Idempotency keys on money-moving POSTs.
IDEMPOTENCY_KEY_TTL_HOURS = env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=24)
IDEMPOTENCY_WAIT_SECONDS = env.float("IDEMPOTENCY_WAIT_SECONDS", default=15.0)

# Outbox relay.
OUTBOX_RELAY_BATCH = env.int("OUTBOX_RELAY_BATCH", default=200)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=20)

# Hot paths (fraud's decision read and INSERT) prepare their statements once per connection
# (PostgreSQL). Turn off behind a pooler in transaction mode that cannot carry prepared statements.
DB_PREPARED_HOT_PATHS = env.bool("DB_PREPARED_HOT_PATHS", default=True)
