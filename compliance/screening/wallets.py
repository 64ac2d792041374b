"""Digital currency addresses are compared exactly, as OFAC lists them."""

from __future__ import annotations

import re

_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
# Bech32 (SegWit) addresses are case-insensitive; base58 addresses are not.
_BECH32_PREFIXES = ("bc1", "tb1", "bcrt1", "ltc1")


def normalise_wallet_address(address: str) -> str:
    """The address without surrounding space or a URI scheme (`bitcoin:…?amount=`); hexadecimal
    (EVM) and bech32 addresses in lower case, since their case carries no meaning. Base58
    addresses keep their case: changing it makes another address."""
    value = (address or "").strip()
    if ":" in value:
        value = value.split(":", 1)[1]
    value = value.split("?", 1)[0].strip()
    lowered = value.lower()
    if _HEX.match(value):
        return lowered
    if lowered.startswith(_BECH32_PREFIXES) and (value == lowered or value == value.upper()):
        return lowered
    return value
