"""Train the credit scorecard, report its cross-validated discrimination and fairness screen,
and register it in the model registry."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from credit.errors import CreditModelRejected
from credit.services import credit_model_register, credit_model_train
from credit.training import DEFAULT_DATA_PATH


class Command(BaseCommand):
    help = (
        "Cross-validate (repeated stratified k-fold) and fit the credit scorecard on the German Credit "
        "data, print AUC, Gini and KS (mean and spread) and the fairness screen, then register the "
        "version (state trained; --activate to make it active)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data", default=str(DEFAULT_DATA_PATH), help="Training CSV (German Credit layout).")
        parser.add_argument("--folds", type=int, default=settings.CREDIT_CV_FOLDS)
        parser.add_argument("--repeats", type=int, default=settings.CREDIT_CV_REPEATS)
        parser.add_argument("--seed", type=int, default=settings.CREDIT_CV_SEED)
        parser.add_argument("--activate", action="store_true", help="Activate the new version at once.")
        parser.add_argument("--dry-run", action="store_true", help="Report only; register nothing.")

    def handle(self, *args, data: str, folds: int, repeats: int, seed: int, activate: bool, dry_run: bool, **opts):
        if folds < 5 or repeats < 3:
            raise CommandError("validation needs at least 5 folds x 3 repeats")
        result = credit_model_train(
            path=data,
            folds=folds,
            repeats=repeats,
            seed=seed,
            progress=lambda splits: tqdm(splits, desc="cross-validation", unit="fold", disable=None),
        )
        cv = result.cross_validation
        out = self.stdout.write
        out(f"Training data: {data} ({len(result.data.y)} rows, sha256 {result.data.sha256[:16]}…)")
        out(f"Repeated stratified cross-validation: {cv['folds']} folds x {cv['repeats']} repeats (seed {cv['seed']})")
        for metric in ("auc", "gini", "ks"):
            s = cv[metric]
            out(
                f"  {metric.upper():<4} mean {s['mean']:.4f}  std {s['std']:.4f}  min {s['min']:.4f}  max {s['max']:.4f}"
            )
        scorecard = result.scorecard
        out(f"Features ({len(scorecard.features)}): {', '.join(scorecard.features)}")
        for name, why in scorecard.dropped.items():
            out(f"  dropped {name}: {why}")
        out(f"Never used (prohibited bases): {', '.join(sorted(result.params['prohibited_never_used']))}")
        age_bins = ", ".join(f"{label}: {points:.1f}" for label, _lower, points in scorecard.age_bins())
        out(f"Age points by bin: {age_bins}")
        fairness = result.fairness
        out(f"Fairness screen at the default cut-off {fairness['cutoff']} (approval rate, adverse impact ratio):")
        for grouping, rows in fairness["groups"].items():
            for label, row in rows.items():
                out(
                    f"  {grouping:<9} {label:<12} n={row['n']:<4} approved {row['approval_rate']:.3f}  "
                    f"AIR {row['adverse_impact_ratio']:.3f}"
                )
        for warning in fairness["warnings"]:
            self.stderr.write(self.style.WARNING(f"WARNING (screen, not a legal test): {warning}"))
        if dry_run:
            out("Dry run: nothing registered.")
            return
        try:
            version = credit_model_register(result=result, activate=activate)
        except CreditModelRejected as exc:
            raise CommandError(str(exc)) from exc
        out(self.style.SUCCESS(f"Registered {version.name} v{version.version} ({version.state})."))
