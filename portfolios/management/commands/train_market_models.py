"""Backtest and fit the market models (volatility and direction), print the backtests on the
`arch` package's S&P 500 and NASDAQ series and on the platform's prices, and register them."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from tqdm import tqdm

from portfolios.forecasting import backtest
from portfolios.forecasting.services import market_models_register, market_models_train

NAMES = {"ewma": "EWMA λ=0.94", "garch": "GARCH(1,1)", backtest.BASELINE: "rolling var (baseline)"}
SHORT = {"ewma": "ewma", "garch": "garch", backtest.BASELINE: "base"}


def _pct(value) -> str:
    return "   n/a" if value is None else f"{100 * value:5.2f}%"


def _num(value, width: int = 9, places: int = 4) -> str:
    return f"{'n/a':>{width}}" if value is None else f"{value:{width}.{places}f}"


class Command(BaseCommand):
    help = (
        "Walk-forward backtests of EWMA and GARCH(1,1) volatility (QLIKE against a rolling-variance baseline; 95% "
        "VaR exceedances with the Kupiec test) and of the direction classifier (accuracy and log-loss against "
        "always-up and 50/50), on the bundled S&P 500 and NASDAQ series and on the platform's prices; then register "
        "both models (state trained; --activate to make them active)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-reference", action="store_true", help="Skip the S&P 500 and NASDAQ backtests.")
        parser.add_argument("--activate", action="store_true", help="Activate the new versions at once.")
        parser.add_argument("--dry-run", action="store_true", help="Report only; register nothing.")

    def handle(self, *args, no_reference: bool, activate: bool, dry_run: bool, **opts):
        result = market_models_train(
            reference=not no_reference,
            progress=lambda items, desc: tqdm(list(items), desc=desc, unit="series", disable=None, file=self.stderr),
        )
        out = self.stdout.write
        p = result.params
        out(
            f"Walk-forward: GARCH refitted every {p['garch_refit_every']} days on the last {p['garch_window']} returns "
            f"(first after {p['garch_min_train']}); direction refitted every {p['direction']['refit_every']} dates "
            f"(first after {p['direction']['min_train']}). VaR confidence {p['confidence']:.0%}; a model is used for "
            f"VaR only if it beats the baseline's QLIKE and Kupiec p >= {p['kupiec_min_p']}."
        )
        for key, row in result.volatility_metrics["reference"].items():
            out("")
            out(
                f"{row['label']} (arch.data.{key}, {row['first'][:10]} .. {row['trained_through'][:10]}, {row['returns']} returns)"
            )
            self._volatility(row["backtest"], row.get("reason", ""))
            self._direction(result.direction_metrics["reference"][key].get("backtest"))
        out("")
        out("Platform prices, per asset:")
        out(
            f"  {'symbol':<10} {'days':>5}  {'QLIKE ewma':>10} {'garch':>9} {'baseline':>9}  {'VaR95 exceedances (Kupiec p)':<48} VaR model"
        )
        for row in result.volatility_metrics["assets"].values():
            bt = row["backtest"]
            if bt is None:
                out(f"  {row['symbol']:<10} not backtested: {row['reason']}")
                continue
            m = bt["models"]
            exceed = "  ".join(
                f"{SHORT[n]} {_pct(m[n]['var']['exceedance_rate'])} ({m[n]['var']['kupiec_p_value']:.3f})" for n in m
            )
            out(
                f"  {row['symbol']:<10} {bt['observations']:>5}  {_num(m['ewma']['qlike'], 10)} {_num(m['garch']['qlike'])} "
                f"{_num(m[backtest.BASELINE]['qlike'])}  {exceed:<48} {bt['var_model']}"
            )
        out("")
        out("Platform prices, direction per asset class:")
        for asset_class, detail in result.direction_metrics["detail"].items():
            out(f"  {asset_class} ({detail['series']} assets, {detail['samples']} samples)")
            self._direction(detail.get("backtest"), detail.get("reason", ""))
        if dry_run:
            out("Dry run: nothing registered.")
            return
        volatility, direction = market_models_register(result=result, activate=activate)
        for version in (volatility, direction):
            out(self.style.SUCCESS(f"Registered {version.name} v{version.version} ({version.state})."))

    def _volatility(self, bt: dict | None, reason: str = "") -> None:
        out = self.stdout.write
        if bt is None:
            out(f"  volatility: not backtested ({reason})")
            return
        out(f"  volatility, {bt['observations']} walk-forward days:")
        out(f"    {'model':<24} {'QLIKE':>9}  {'vs baseline':<12} {'VaR95 exceed.':>13} {'Kupiec p':>9}  used for VaR")
        for name, row in bt["models"].items():
            if name == backtest.BASELINE:
                verdict, used = "(baseline)", "yes" if bt["var_model"] == name else "no"
            else:
                verdict = "beats" if row["beats_baseline"] else "DOES NOT beat"
                if bt["var_model"] == name:
                    used = "yes"
                elif not row["beats_baseline"]:
                    used = "no (does not beat the baseline)"
                elif not row["kupiec_ok"]:
                    used = "no (Kupiec rejects its VaR)"
                else:
                    used = "no (another model has a lower QLIKE)"
            var = row["var"]
            out(
                f"    {NAMES[name]:<24} {row['qlike']:9.4f}  {verdict:<12} {_pct(var['exceedance_rate']):>13} "
                f"{var['kupiec_p_value']:9.4f}  {used}"
            )

    def _direction(self, bt: dict | None, reason: str = "") -> None:
        out = self.stdout.write
        if bt is None:
            out(f"  direction: not backtested ({reason})")
            return
        verdict = "beats both baselines" if bt["beats_baseline"] else "DOES NOT beat its baselines"
        out(
            f"  direction, {bt['observations']} walk-forward predictions ({bt['first_date']} .. {bt['last_date']}): "
            f"accuracy {bt['accuracy']:.4f} (always-up {bt['always_up']['accuracy']:.4f}, 50/50 0.5000); "
            f"log-loss {bt['log_loss']:.4f} (always-up {bt['always_up']['log_loss']:.4f}, "
            f"50/50 {bt['fifty_fifty']['log_loss']:.4f}): {verdict}"
        )
