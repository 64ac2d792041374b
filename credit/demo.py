"""Demo data for `make run`: the default scorecard, trained and activated when none is active."""

from __future__ import annotations

from .services import credit_model_ensure_active


def load_default_model() -> list[str]:
    version, trained = credit_model_ensure_active()
    auc = (version.metrics or {}).get("auc")
    state = "trained and activated now" if trained else "already active"
    return [
        "",
        f"Credit scorecard: {version.name} v{version.version} ({state}; cross-validated AUC {auc}).",
        "  Score an application: POST /api/credit/calculate-score",
    ]
