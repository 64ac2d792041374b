"""`manage.py evaluate_screening`: precision, recall and F1 on the labelled pairs."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from blockguardian.errors import ApplicationError

from ...screening.engine import SanctionsIndex, ScreeningConfig, entries_from_records
from ...screening.evaluation import EVAL_DIR, evaluate, load_pairs
from ...screening.ofac import read_sanctions_dir
from ...selectors import sanctions_index


class Command(BaseCommand):
    help = (
        "Run the labelled screening pairs in compliance/data/screening_eval (true matches from the SDN "
        "aliases, hand-written hard variants, look-alike entries, common-name decoys) and print "
        "precision, recall and F1 at the review and confident thresholds."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--list",
            choices=["loaded", "files"],
            default="loaded",
            help="screen against the loaded list (default) or straight from the bundled CSV files",
        )
        parser.add_argument("--errors", action="store_true", help="print every misclassified pair")
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")

    def handle(self, *args, **options):
        if options["list"] == "files":
            records = read_sanctions_dir(settings.SANCTIONS_DATA_DIR)
            index = SanctionsIndex(entries_from_records(records), ScreeningConfig.from_settings())
        else:
            try:
                index = sanctions_index().index
            except ApplicationError as exc:
                raise CommandError(f"{exc.detail} Or use --list files.") from exc
        pairs = load_pairs(EVAL_DIR)
        thresholds = {
            "review": settings.SCREENING_REVIEW_THRESHOLD,
            "confident": settings.SCREENING_CONFIDENT_THRESHOLD,
        }
        report = evaluate(index, pairs, thresholds)
        figures = {
            "pairs": report.pairs,
            "positives": report.positives,
            "negatives": report.negatives,
            "thresholds": {
                name: {
                    "threshold": r.threshold,
                    "precision": round(r.precision, 4),
                    "recall": round(r.recall, 4),
                    "f1": round(r.f1, 4),
                    "tp": r.tp,
                    "fp": r.fp,
                    "fn": r.fn,
                    "tn": r.tn,
                }
                for name, r in report.results.items()
            },
            "by_kind": {kind: dict(counts) for kind, counts in sorted(report.by_kind.items())},
        }
        if options["json"]:
            self.stdout.write(json.dumps(figures, indent=2))
            return
        self.stdout.write(
            f"{report.pairs} labelled pairs ({report.positives} matches, {report.negatives} non-matches) "
            f"against {len(index)} listed entries"
        )
        self.stdout.write(
            f"{'threshold':<22}{'precision':>10}{'recall':>10}{'F1':>10}{'TP':>6}{'FP':>6}{'FN':>6}{'TN':>6}"
        )
        for name, r in report.results.items():
            self.stdout.write(
                f"{name + f' ({r.threshold:g})':<22}{r.precision:>10.3f}{r.recall:>10.3f}{r.f1:>10.3f}"
                f"{r.tp:>6}{r.fp:>6}{r.fn:>6}{r.tn:>6}"
            )
        self.stdout.write("By kind (pairs classified correctly at review / confident):")
        for kind, counts in sorted(report.by_kind.items()):
            self.stdout.write(
                f"  {kind:<18}{counts['pairs']:>5}  {counts['correct_review']:>5} / {counts['correct_confident']}"
            )
        if options["errors"]:
            for name, r in report.results.items():
                self.stdout.write(f"Errors at {name}:")
                for kind, pair, score in r.errors:
                    self.stdout.write(
                        f"  {kind}: {pair.query!r} (dob {pair.date_of_birth or '-'}) vs "
                        f"{pair.ent_num or 'any'} [{pair.kind}] score {score}"
                    )
