"""The data-rights registry: each app registers how to export and erase a customer's data.

`accounts` runs the registered exporters for `GET /api/me/export` and the erasers for
`POST /api/me/erase`. An app may veto an erasure (an open case, a SAR, blocked property); the
veto's reason is internal and never shown to the customer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Exporter = Callable[[Any], dict]
Eraser = Callable[[Any], None]
Veto = Callable[[Any], str | None]


@dataclass(frozen=True)
class DataRightsHandler:
    app_label: str
    exporter: Exporter | None = None
    eraser: Eraser | None = None
    veto: Veto | None = None
    order: int = 100  # erasers run in this order (accounts last: it revokes the tokens)


_registry: dict[str, DataRightsHandler] = {}


def register(
    app_label: str,
    *,
    exporter: Exporter | None = None,
    eraser: Eraser | None = None,
    veto: Veto | None = None,
    order: int = 100,
) -> None:
    """Called from an app's `AppConfig.ready()`; registering twice replaces the first."""
    _registry[app_label] = DataRightsHandler(app_label, exporter, eraser, veto, order)


def handlers() -> list[DataRightsHandler]:
    return sorted(_registry.values(), key=lambda h: (h.order, h.app_label))


def export_for(user: Any) -> dict[str, dict]:
    return {h.app_label: h.exporter(user) for h in handlers() if h.exporter}


def vetoes_for(user: Any) -> list[str]:
    """Internal reasons that defer an erasure; empty when it may run."""
    reasons = []
    for handler in handlers():
        if handler.veto and (reason := handler.veto(user)):
            reasons.append(f"{handler.app_label}: {reason}")
    return reasons


def erase_for(user: Any) -> None:
    """Run every eraser (callers check vetoes first and hold the transaction)."""
    for handler in handlers():
        if handler.eraser:
            handler.eraser(user)
