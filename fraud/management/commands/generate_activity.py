"""Generate synthetic customers and activity with injected fraud (demo data, benchmarks).

Deterministic by seed; idempotent per (seed, tag). Labels never enter the database: write them
apart with --labels FILE (JSON lines: reference, customer email, type, pattern, instance, key).
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from fraud.evaluation import EMAIL_DOMAIN, activity_load, email_prefix
from fraud.simulation import generate, jittered

from ._activity_args import add_activity_arguments, params_from_options


class Command(BaseCommand):
    help = "Generate customers, security events and money movements with injected fraud patterns."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, required=True)
        parser.add_argument("--jitter", action="store_true", help="move every behavioural parameter by ±30%%")
        parser.add_argument("--tag", default="act", help="email prefix of the generated customers")
        parser.add_argument(
            "--no-assess", action="store_true", help="record everything without assessing (no decisions)"
        )
        parser.add_argument("--labels", help="write the labels to this file (JSON lines)")
        add_activity_arguments(parser)

    def handle(self, *args, seed: int, jitter: bool, tag: str, no_assess: bool, labels: str | None, **options):
        try:
            params = params_from_options(options)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if jitter:
            params = jittered(params, seed)
        dataset = generate(params, seed)
        result = activity_load(dataset, tag=tag, assess=not no_assess, progress=True)
        if labels:
            prefix = email_prefix(seed, tag)
            with open(labels, "w") as fh:
                for e in dataset.events:
                    row = {
                        "reference": f"sim:{tag}{seed}:{e.seq}",
                        "customer": f"{prefix}{e.customer}@{EMAIL_DOMAIN}",
                        "type": e.type,
                        "occurred_at": e.at.isoformat(),
                        "pattern": e.pattern,
                        "instance": e.instance,
                        "key": e.key,
                    }
                    fh.write(json.dumps(row) + "\n")
        state = "already loaded" if result["already_loaded"] else f"{result['events']} events"
        self.stdout.write(
            f"seed {seed}: {result['customers']} customers, {state}, {result['flagged']} flagged"
            + (f"; labels in {labels}" if labels else "")
        )
