"""Blockchain anchoring (`blockguardian.chain`): where the chain is, batching, timeouts and retries."""

from ..env import env

# Empty: the in-process EVM (embedded default and tests; one chain per process). Production: a JSON-RPC node.
WEB3_PROVIDER_URI = env.str("WEB3_PROVIDER_URI", default="")
CHAIN_ENABLED = env.bool("CHAIN_ENABLED", default=True)
# Hex private key of the registry's owner and writer; required with WEB3_PROVIDER_URI (the in-process
# EVM signs with its own funded test key and never with this one).
CHAIN_SIGNER_KEY = env.str("CHAIN_SIGNER_KEY", default="")
# A registry already deployed on the node's chain; empty = the one recorded for that chain, or deploy one.
CHAIN_REGISTRY_ADDRESS = env.str("CHAIN_REGISTRY_ADDRESS", default="")
CHAIN_AUTO_DEPLOY = env.bool("CHAIN_AUTO_DEPLOY", default=True)
# A batch closes at this many records of one kind, or when its oldest record has waited this long.
CHAIN_BATCH_MAX_RECORDS = env.int("CHAIN_BATCH_MAX_RECORDS", default=500)
CHAIN_BATCH_MAX_AGE_SECONDS = env.int("CHAIN_BATCH_MAX_AGE_SECONDS", default=300)
CHAIN_MAX_BATCHES_PER_RUN = env.int("CHAIN_MAX_BATCHES_PER_RUN", default=20)
# Fail fast: a node that does not answer never holds a request for long.
CHAIN_CONNECT_TIMEOUT_SECONDS = env.float("CHAIN_CONNECT_TIMEOUT_SECONDS", default=1.0)
CHAIN_REQUEST_TIMEOUT_SECONDS = env.float("CHAIN_REQUEST_TIMEOUT_SECONDS", default=3.0)
CHAIN_HEALTH_TIMEOUT_SECONDS = env.float("CHAIN_HEALTH_TIMEOUT_SECONDS", default=1.0)
CHAIN_UNAVAILABLE_COOLDOWN_SECONDS = env.float("CHAIN_UNAVAILABLE_COOLDOWN_SECONDS", default=10.0)
CHAIN_RECEIPT_TIMEOUT_SECONDS = env.float("CHAIN_RECEIPT_TIMEOUT_SECONDS", default=60.0)
CHAIN_RECEIPT_POLL_SECONDS = env.float("CHAIN_RECEIPT_POLL_SECONDS", default=0.5)
# A transaction without a receipt after this long is sent again (same nonce, fee x CHAIN_FEE_BUMP).
CHAIN_RESUBMIT_AFTER_SECONDS = env.int("CHAIN_RESUBMIT_AFTER_SECONDS", default=600)
CHAIN_FEE_BUMP = env.float("CHAIN_FEE_BUMP", default=1.25)
CHAIN_GAS_MULTIPLIER = env.float("CHAIN_GAS_MULTIPLIER", default=1.25)
# An anchoring transaction needing more gas than this is not sent (about 120,000 are used).
CHAIN_GAS_LIMIT_MAX = env.int("CHAIN_GAS_LIMIT_MAX", default=300_000)
# A batch the chain refuses is retried after base * 2**(attempts-1) seconds (capped), then `failed`.
CHAIN_RETRY_BASE_SECONDS = env.int("CHAIN_RETRY_BASE_SECONDS", default=30)
CHAIN_RETRY_MAX_SECONDS = env.int("CHAIN_RETRY_MAX_SECONDS", default=3600)
CHAIN_MAX_ATTEMPTS = env.int("CHAIN_MAX_ATTEMPTS", default=10)
# /health shows the chain `degraded` when a record has waited longer than this, or a record failed.
CHAIN_BACKLOG_ALERT_SECONDS = env.int("CHAIN_BACKLOG_ALERT_SECONDS", default=3600)
# Keys refused in an anchored payload (anchored records carry no personal data).
CHAIN_FORBIDDEN_PAYLOAD_KEYS = env.list(
    "CHAIN_FORBIDDEN_PAYLOAD_KEYS",
    default=[
        "first_name",
        "last_name",
        "full_name",
        "legal_name",
        "email",
        "phone",
        "phone_number",
        "street_address",
        "home_address",
        "postal_code",
        "date_of_birth",
        "dob",
        "birth_date",
        "ssn",
        "tin",
        "tax_id",
        "passport_number",
        "id_number",
        "ip_address",
    ],
)
