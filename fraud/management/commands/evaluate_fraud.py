"""Train on one generated set and evaluate on another (different seed, ±30% jitter with --jitter):
precision, recall and false-positive rate per pattern. Nothing is kept in the database."""

from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand, CommandError

from fraud.evaluation import evaluate_run
from fraud.simulation import PATTERNS

from ._activity_args import add_activity_arguments, params_from_options

TARGET_RECALL = 0.9
TARGET_FPR = 0.02


class Command(BaseCommand):
    help = "Evaluate the fraud engine (rules + a freshly trained model) on held-out generated activity."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, required=True, help="evaluation seed")
        parser.add_argument("--train-seed", type=int, default=1)
        parser.add_argument("--jitter", action="store_true")
        parser.add_argument("--json", dest="json_path", help="also write the figures to this file")
        add_activity_arguments(parser)

    def handle(self, *args, seed: int, train_seed: int, jitter: bool, json_path: str | None = None, **options):
        try:
            params = params_from_options(options)
            started = time.perf_counter()
            run = evaluate_run(seed=seed, train_seed=train_seed, jitter=jitter, params=params, progress=True)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        m = run.metrics
        out = [
            f"train seed {train_seed}, evaluation seed {seed}{' (jittered ±30%)' if jitter else ''}",
            f"{'pattern':<14}{'instances':>10}{'detected':>10}{'recall':>8}{'event recall':>14}{'precision':>11}",
        ]
        ok = m["fpr"] <= TARGET_FPR
        for pattern in PATTERNS:
            p = m["patterns"][pattern]
            ok = ok and (p["recall"] or 0) >= TARGET_RECALL
            out.append(
                f"{pattern:<14}{p['instances']:>10}{p['detected']:>10}{p['recall']:>8.3f}"
                f"{p['event_recall']:>14.3f}{(p['precision'] or 0):>11.3f}"
            )
        out.append(f"normal events {m['normal_events']}, flagged {m['false_positives']}, FPR {m['fpr']:.4f}")
        out.append(f"false-positive reasons: {m['false_positive_reasons']}")
        out.append(
            f"targets (recall ≥ {TARGET_RECALL} per pattern, FPR ≤ {TARGET_FPR:.0%}): {'met' if ok else 'NOT met'}"
            f" — {time.perf_counter() - started:.0f}s"
        )
        self.stdout.write("\n".join(out))
        if json_path:
            with open(json_path, "w") as fh:
                json.dump({"seed": seed, "train_seed": train_seed, "jitter": jitter, "metrics": m}, fh, indent=2)
