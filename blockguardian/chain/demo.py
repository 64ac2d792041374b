"""`make run`: anchor the demo data the other apps enqueued, and say where the chain is."""

from __future__ import annotations

from .client import chain_mode
from .selectors import anchor_backlog
from .services import anchor_pending


def load_demo_chain() -> list[str]:
    run = anchor_pending(force=True)
    backlog = anchor_backlog()
    embedded = chain_mode() == "embedded"
    where = "in-process EVM" if embedded else "JSON-RPC node"
    if run.status != "ok":
        return [f"Chain ({where}): {run.status}; {backlog.pending} records wait to be anchored"]
    lines = [f"Chain ({where}): {run.records_anchored} records anchored now, {backlog.pending} pending"]
    if embedded:
        lines.append("  the server's own in-process chain anchors them again when it first uses the chain")
    return lines
