"""The credit model's state for `/health` and `/api/info`.

`ok`: the active scorecard loads. `not_configured`: no active scorecard, scores come from the
rule-based fallback. `degraded`: a scorecard is active but its artefact does not load, so scores
come from the rules until it is fixed or another version is activated.
"""

from __future__ import annotations

from django.conf import settings

from blockguardian.health import DEGRADED, NOT_CONFIGURED, OK
from blockguardian.registry import model_active_version

from .engine import active_scorecard


def check_credit_model() -> dict:
    version = model_active_version(name=settings.CREDIT_MODEL_NAME)
    if version is None:
        return {"status": NOT_CONFIGURED, "method": "rules"}
    if active_scorecard() is None:
        return {"status": DEGRADED, "method": "rules", "version": version.version}
    return {"status": OK, "method": "model", "version": version.version}


def credit_model_available() -> bool:
    return active_scorecard() is not None
