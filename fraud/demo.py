"""Demo data for `make run`: a small generated population with injected fraud, a trained and
active anomaly model, and the alerts it raises (risk analysts work them in the admin)."""

from __future__ import annotations

from django.conf import settings

from blockguardian import registry

from .evaluation import activity_load, train_generated
from .models import FraudAlert
from .simulation import ActivityParams, generate
from .training import model_register_forest

DEMO_SEED = 7
DEMO_TRAIN_SEED = 1
DEMO_PARAMS = ActivityParams(customers=25, history_days=30, days=14, ato=2, card_testing=2, mule=2)
TRAIN_PARAMS = ActivityParams(customers=60, history_days=30, days=21, ato=4, card_testing=4, mule=4)


def load_demo_activity() -> list[str]:
    if registry.model_active_version(name=settings.FRAUD_MODEL_NAME) is None:
        forest, features, _, training = train_generated(seed=DEMO_TRAIN_SEED, params=TRAIN_PARAMS)
        model_register_forest(
            forest=forest,
            features=features,
            metrics={"rules_only_training": training},
            params={"source": "generated", "seed": DEMO_TRAIN_SEED, "demo": True},
            activate=True,
        )
    result = activity_load(generate(DEMO_PARAMS, DEMO_SEED), tag="demo")
    open_alerts = FraudAlert.objects.filter(state=FraudAlert.State.OPEN).count()
    return [
        "Fraud (generated demo activity):",
        f"  {result['customers']} customers; {open_alerts} open fraud alerts in the admin under Fraud › Fraud alerts",
    ]
