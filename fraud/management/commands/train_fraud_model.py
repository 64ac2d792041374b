"""Train the anomaly model (IsolationForest), register it in the model registry, optionally activate it.

--source generated (default): fit on generated activity (seed --seed), in a transaction rolled back
afterwards. --source decisions: fit on the features of the stored decisions of the last --decision-days days
(decisions whose alert was confirmed as fraud are left out).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fraud.evaluation import train_generated
from fraud.models import FraudAlert, StoredDecision
from fraud.rules import FEATURE_NAMES
from fraud.training import forest_fit, model_register_forest

from ._activity_args import add_activity_arguments, params_from_options


class Command(BaseCommand):
    help = "Train the fraud anomaly model and register it (state `trained`; --activate to use it)."

    def add_arguments(self, parser):
        parser.add_argument("--source", choices=["generated", "decisions"], default="generated")
        parser.add_argument("--seed", type=int, default=1, help="seed of the generated training activity")
        parser.add_argument("--decision-days", type=int, default=90, help="decisions: look-back in days")
        parser.add_argument("--trees", type=int, default=100)
        parser.add_argument("--activate", action="store_true")
        add_activity_arguments(parser)

    def handle(self, *args, source: str, seed: int, decision_days: int, trees: int, activate: bool, **options):
        if source == "generated":
            try:
                params = params_from_options(options)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            forest, features, normal, training = train_generated(seed=seed, params=params, trees=trees, progress=True)
            metrics = {"rules_only_training": training}
            info = {"source": "generated", "seed": seed, "trees": trees, "customers": params.customers}
        else:
            since = timezone.now() - dt.timedelta(days=decision_days)
            confirmed = FraudAlert.objects.filter(state=FraudAlert.State.CONFIRMED_FRAUD).values("decision_id")
            rows = (
                StoredDecision.objects.filter(created_at__gte=since)
                .exclude(pk__in=confirmed)
                .values_list("features", flat=True)
                .iterator()
            )
            data = [f for f in rows if isinstance(f, list) and len(f) == len(FEATURE_NAMES)]
            if len(data) < 50:
                raise CommandError(f"only {len(data)} usable decisions in the last {decision_days} days")
            features = np.asarray(data, dtype=np.float64)
            forest, _ = forest_fit(features, trees=trees)
            metrics = {"rows": len(data)}
            info = {"source": "decisions", "days": decision_days, "trees": trees, "at": timezone.now().isoformat()}
        version = model_register_forest(
            forest=forest, features=features, metrics=metrics, params=info, activate=activate
        )
        self.stdout.write(
            f"{version.name} v{version.version} ({version.state}): {len(features)} events, "
            f"threshold {forest.calibration['threshold']:.4f}"
        )
