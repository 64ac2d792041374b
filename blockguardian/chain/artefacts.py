"""The compiled contracts committed beside their sources (`contracts/*.json`, built by `make contracts`)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

CONTRACTS_DIR = Path(__file__).resolve().parent / "contracts"


@cache
def artefact(name: str) -> dict:
    """ABI, creation bytecode and runtime bytecode of a compiled contract."""
    return json.loads((CONTRACTS_DIR / f"{name}.json").read_text(encoding="utf-8"))


def registry_artefact() -> dict:
    return artefact("AnchorRegistry")
