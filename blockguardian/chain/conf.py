"""The chain settings and their defaults.

The values come from `blockguardian/settings/domain/chain.py` (read from the environment); the
defaults below apply when a setting is absent, so the embedded default needs no configuration.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

# The first funded account of the in-process EVM (eth-tester). Used only for the embedded chain:
# with `WEB3_PROVIDER_URI` set, `CHAIN_SIGNER_KEY` is required and this key is never used.
EMBEDDED_SIGNER_KEY = "0x" + "00" * 31 + "01"

DEFAULTS: dict[str, Any] = {
    # Where the chain is: empty = the in-process EVM (one per process, deployed at first use).
    "WEB3_PROVIDER_URI": "",
    "CHAIN_ENABLED": True,
    # Hex private key of the writer account (required with WEB3_PROVIDER_URI).
    "CHAIN_SIGNER_KEY": "",
    # An already deployed registry on the provider's chain; empty = deploy one (CHAIN_AUTO_DEPLOY).
    "CHAIN_REGISTRY_ADDRESS": "",
    "CHAIN_AUTO_DEPLOY": True,
    # A batch closes when it holds this many records ...
    "CHAIN_BATCH_MAX_RECORDS": 500,
    # ... or when its oldest pending record has waited this long (checked by the beat job).
    "CHAIN_BATCH_MAX_AGE_SECONDS": 300,
    "CHAIN_MAX_BATCHES_PER_RUN": 20,
    # Fail fast: a node that does not answer never holds a request for long.
    "CHAIN_CONNECT_TIMEOUT_SECONDS": 1.0,
    "CHAIN_REQUEST_TIMEOUT_SECONDS": 3.0,
    "CHAIN_HEALTH_TIMEOUT_SECONDS": 1.0,
    # After a connection failure, calls fail at once for this long instead of trying again.
    "CHAIN_UNAVAILABLE_COOLDOWN_SECONDS": 10.0,
    "CHAIN_RECEIPT_TIMEOUT_SECONDS": 60.0,
    "CHAIN_RECEIPT_POLL_SECONDS": 0.5,
    # A submitted transaction without a receipt after this long is sent again (same nonce, higher fee).
    "CHAIN_RESUBMIT_AFTER_SECONDS": 600,
    "CHAIN_FEE_BUMP": 1.25,
    "CHAIN_GAS_MULTIPLIER": 1.25,
    # An anchoring transaction needing more gas than this is not sent (about 120,000 are used).
    "CHAIN_GAS_LIMIT_MAX": 300_000,
    # Retries of a batch the chain refused: base * 2**attempts seconds, capped; then `failed`.
    "CHAIN_RETRY_BASE_SECONDS": 30,
    "CHAIN_RETRY_MAX_SECONDS": 3600,
    "CHAIN_MAX_ATTEMPTS": 10,
    # /health says `degraded` when a pending record has waited longer than this, or a record failed.
    "CHAIN_BACKLOG_ALERT_SECONDS": 3600,
    # Keys refused in a canonical payload (anchored records carry no personal data).
    "CHAIN_FORBIDDEN_PAYLOAD_KEYS": [
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
}


def setting(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])


def provider_uri() -> str:
    return (setting("WEB3_PROVIDER_URI") or "").strip()


def is_embedded() -> bool:
    return not provider_uri()
