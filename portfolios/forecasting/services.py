"""Market forecasts: training and registering the models, computing and storing forecasts.

Two registry models (names from the settings): `market_volatility` (per asset: the GARCH(1,1)
parameters; metrics: each asset's walk-forward backtest of EWMA and GARCH against the
rolling-variance baseline, and the same on the `arch` package's S&P 500 and NASDAQ series) and
`market_direction` (per asset class: the fitted classifier; metrics: the walk-forward backtest
against always-up and 50/50, per class and on the reference series).

A forecast as of a bar uses only bars up to it: a registry model (and its skill) is used only when
it was trained on data ending at or before that bar; otherwise GARCH is fitted there and then on the
history up to the bar (reported as `fitted_now`, without skill), and VaR falls back to the
baseline, because only a model shown to beat its baseline (and to pass Kupiec) is used for VaR.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import structlog
from django.conf import settings
from django.db import IntegrityError, transaction

from blockguardian.models import ModelVersion
from blockguardian.registry import artefact_dumps, model_activate, model_register

from ..analytics import historical_var
from ..models import Asset, Price, TradingCalendar
from . import backtest, conf, direction, selectors
from . import volatility as vol
from .direction import Series
from .errors import InsufficientHistory
from .models import AssetForecast

logger = structlog.get_logger(__name__)

DISCLAIMER = (
    "These are statistical forecasts computed from past prices, for risk estimation only. They are not "
    "investment advice or a recommendation to buy, sell or hold anything; past backtest skill does not "
    "guarantee future accuracy."
)
HORIZON_DAYS = 10
REFERENCE_SERIES = (("sp500", "S&P 500"), ("nasdaq", "NASDAQ Composite"))

Progress = Callable[[Iterable[Any], str], Iterable[Any]]


def _no_progress(items: Iterable[Any], desc: str) -> Iterable[Any]:
    return items


def _iso(at: Any) -> str:
    return pd.Timestamp(at).isoformat()


def _parse(at: str) -> dt.datetime:
    return pd.Timestamp(at).to_pydatetime()


# --- training -------------------------------------------------------------------------------------


def reference_series() -> list[Series]:
    """The daily S&P 500 and NASDAQ Composite series bundled with `arch` (adjusted closes)."""
    from arch.data import nasdaq, sp500

    modules = {"sp500": sp500, "nasdaq": nasdaq}
    out = []
    for key, _label in REFERENCE_SERIES:
        frame = modules[key].load()
        out.append(
            Series(
                key=key,
                at=list(pd.DatetimeIndex(frame.index).tz_localize("UTC")),
                close=frame["Adj Close"].to_numpy(dtype=float),
                volume=frame["Volume"].to_numpy(dtype=float),
            )
        )
    return out


def platform_series() -> tuple[list[Asset], dict[int, Series]]:
    """Every asset with prices, and its series."""
    ids = set(Price.objects.values_list("asset_id", flat=True).distinct())
    assets = list(Asset.objects.filter(pk__in=ids).order_by("symbol"))
    return assets, {a.pk: selectors.price_series(asset=a) for a in assets}


def _volatility_kwargs() -> dict:
    return {
        "confidence": conf.var_confidence(),
        "lam": conf.setting("PORTFOLIOS_FORECAST_EWMA_LAMBDA"),
        "baseline_window": conf.setting("PORTFOLIOS_FORECAST_BASELINE_WINDOW"),
        "garch_min_train": conf.setting("PORTFOLIOS_FORECAST_GARCH_MIN_TRAIN"),
        "garch_window": conf.setting("PORTFOLIOS_FORECAST_GARCH_WINDOW"),
        "garch_refit_every": conf.setting("PORTFOLIOS_FORECAST_REFIT_EVERY"),
        "kupiec_min_p": conf.setting("PORTFOLIOS_FORECAST_KUPIEC_MIN_P"),
    }


def _direction_kwargs() -> dict:
    return {
        "min_train": conf.setting("PORTFOLIOS_FORECAST_DIRECTION_MIN_TRAIN"),
        "window": conf.setting("PORTFOLIOS_FORECAST_DIRECTION_WINDOW"),
        "refit_every": conf.setting("PORTFOLIOS_FORECAST_REFIT_EVERY"),
    }


def series_volatility_train(series: Series) -> dict:
    """The walk-forward backtest of one series (None when too short) and the GARCH fit on its last
    window (None below the minimum history)."""
    kw = _volatility_kwargs()
    r = vol.log_returns(series.close)
    row: dict[str, Any] = {"returns": int(r.size), "backtest": None, "garch": None, "reason": ""}
    if r.size:
        row.update(first=_iso(series.at[0]), trained_through=_iso(series.at[-1]))
    if r.size >= kw["garch_min_train"] + kw["garch_refit_every"]:
        try:
            row["backtest"] = backtest.volatility_backtest(r, **kw)
        except ValueError as exc:  # e.g. a flat series: no day with a positive variance forecast
            row["reason"] = str(exc)
    else:
        row["reason"] = f"{r.size} returns: a backtest needs {kw['garch_min_train'] + kw['garch_refit_every']}"
    if r.size >= conf.setting("PORTFOLIOS_FORECAST_MIN_OBSERVATIONS"):
        row["garch"] = vol.garch_fit(r[-kw["garch_window"] :]).as_dict()
    return row


def class_direction_train(series_list: list[Series]) -> tuple[dict, Any]:
    """(metrics, fitted classifier or None) for the pooled series of one asset class."""
    kw = _direction_kwargs()
    samples = direction.pooled(series_list)
    dates = np.array(sorted(samples["at"].unique())) if not samples.empty else np.array([])
    metrics: dict[str, Any] = {"samples": int(len(samples)), "series": len(series_list), "backtest": None}
    if len(dates) >= kw["min_train"] + kw["refit_every"]:
        try:
            metrics["backtest"] = direction.direction_backtest(samples, **kw)
        except ValueError as exc:  # e.g. a training window with a single label
            metrics["reason"] = str(exc)
    else:
        metrics["reason"] = f"{len(dates)} dates: a backtest needs {kw['min_train'] + kw['refit_every']}"
    model = None
    if len(dates):
        recent = samples[samples["at"] >= dates[max(0, len(dates) - kw["window"])]]
        labelled = recent.dropna(subset=["up"])
        model = direction.fit(labelled) if len(labelled) >= kw["min_train"] else None
        if model is not None:
            metrics["trained_through"] = _iso(labelled["label_at"].max())
    return metrics, model


@dataclass
class TrainingResult:
    volatility_artefact: dict = field(default_factory=dict)
    volatility_metrics: dict = field(default_factory=dict)
    direction_artefact: dict = field(default_factory=dict)
    direction_metrics: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    data_hash: str = ""


def _hash_series(digest, series: Series) -> None:
    digest.update(series.key.encode())
    digest.update(np.asarray(series.close, dtype=float).tobytes())
    digest.update("|".join(_iso(a) for a in series.at).encode())


def market_models_train(*, reference: bool = True, progress: Progress | None = None) -> TrainingResult:
    """Backtest and fit both market models on the platform's prices (and, with `reference`, backtest
    them on the bundled S&P 500 and NASDAQ series too). Nothing is written."""
    progress = progress or _no_progress
    result = TrainingResult(
        params={**_volatility_kwargs(), "direction": _direction_kwargs(), "features": list(direction.FEATURES)}
    )
    digest = hashlib.sha256()
    vol_ref: dict[str, Any] = {}
    dir_ref: dict[str, Any] = {}
    if reference:
        for series in progress(reference_series(), "reference series"):
            _hash_series(digest, series)
            row = series_volatility_train(series)
            row["label"] = dict(REFERENCE_SERIES)[series.key]
            vol_ref[series.key] = row
            dir_ref[series.key] = class_direction_train([series])[0]
    assets, by_id = platform_series()
    vol_assets: dict[str, Any] = {}
    garch: dict[str, Any] = {}
    for asset in progress(assets, "platform assets (volatility)"):
        series = by_id[asset.pk]
        _hash_series(digest, series)
        row = series_volatility_train(series)
        fitted = row.pop("garch")
        if fitted is not None:
            garch[str(asset.pk)] = {"params": fitted, "trained_through": row["trained_through"]}
        vol_assets[str(asset.pk)] = {"symbol": asset.symbol, **row}
    for row in vol_ref.values():
        row.pop("garch", None)  # the reference series are backtests only
    classes: dict[str, list[Series]] = {}
    for asset in assets:
        classes.setdefault(asset.asset_class, []).append(by_id[asset.pk])
    dir_classes: dict[str, Any] = {}
    dir_models: dict[str, Any] = {}
    for asset_class in progress(sorted(classes), "platform asset classes (direction)"):
        metrics, model = class_direction_train(classes[asset_class])
        dir_classes[asset_class] = metrics
        if model is not None:
            dir_models[asset_class] = {"model": model, "trained_through": metrics["trained_through"]}
    result.volatility_artefact = {"garch": garch}
    result.volatility_metrics = {"reference": vol_ref, "assets": vol_assets}
    result.direction_artefact = {"classes": dir_models}
    result.direction_metrics = {
        "reference": dir_ref,
        "classes": {k: v.get("backtest") for k, v in dir_classes.items()},
        "detail": dir_classes,
    }
    result.data_hash = digest.hexdigest()
    return result


@transaction.atomic
def market_models_register(
    *, result: TrainingResult, activate: bool = False, acting_user: Any = None
) -> tuple[ModelVersion, ModelVersion]:
    """Register both models as new versions (activated when asked)."""
    versions = []
    for setting_name, artefact, metrics in (
        ("PORTFOLIOS_FORECAST_VOLATILITY_MODEL", result.volatility_artefact, result.volatility_metrics),
        ("PORTFOLIOS_FORECAST_DIRECTION_MODEL", result.direction_artefact, result.direction_metrics),
    ):
        version = model_register(
            name=conf.setting(setting_name),
            artefact=artefact_dumps(artefact),
            training_data_hash=result.data_hash,
            metrics=metrics,
            params=result.params,
        )
        if activate:
            version = model_activate(version=version, acting_user=acting_user)
        versions.append(version)
    return versions[0], versions[1]


# --- forecasts ------------------------------------------------------------------------------------


def _model_skill(backtest_row: dict | None, name: str) -> dict | None:
    if not backtest_row:
        return None
    row = backtest_row["models"][name]
    return {
        "observations": backtest_row["observations"],
        "qlike": row["qlike"],
        "baseline_qlike": row.get("baseline_qlike"),
        "beats_baseline": row.get("beats_baseline"),
        "var_exceedance_rate": row["var"]["exceedance_rate"],
        "kupiec_p_value": row["var"]["kupiec_p_value"],
    }


def _sqrt(variance: float | None) -> float | None:
    return None if variance is None else round(float(np.sqrt(max(variance, 0.0))), 8)


def _trained_by(entry: dict | None, last_at: dt.datetime) -> bool:
    return bool(entry) and _parse(entry["trained_through"]) <= last_at


def asset_forecast_compute(
    *,
    asset: Asset,
    as_of: dt.datetime | None = None,
    volatility_model: selectors.ActiveModel | None = None,
    direction_model: selectors.ActiveModel | None = None,
) -> dict:
    """The forecast payload from the bars up to `as_of` (default: all). Raises
    `InsufficientHistory` below `PORTFOLIOS_FORECAST_MIN_OBSERVATIONS` daily returns."""
    kw = _volatility_kwargs()
    series = selectors.price_series(asset=asset, until=as_of)
    r = vol.log_returns(series.close)
    # Never fewer than the baseline window and the EWMA seed, whatever the setting says.
    needed = max(conf.setting("PORTFOLIOS_FORECAST_MIN_OBSERVATIONS"), kw["baseline_window"], vol.EWMA_SEED)
    if r.size < needed:
        raise InsufficientHistory(
            f"{asset.symbol} has {r.size} daily returns up to this date; a forecast needs at least {needed}.",
            errors={"observations": [f"{r.size} < {needed}"]},
        )
    last_at = series.at[-1]
    confidence = conf.var_confidence()
    per_year = 365 if asset.calendar == TradingCalendar.ALWAYS else settings.PORTFOLIOS_TRADING_DAYS_PER_YEAR

    # Volatility: the registry's GARCH and skill only when trained on data up to this bar.
    entry = volatility_model.artefact.get("garch", {}).get(str(asset.pk)) if volatility_model else None
    from_registry = _trained_by(entry, last_at)
    skill = selectors.volatility_skill(model=volatility_model, asset=asset) if from_registry else None
    params: vol.GarchParams | None
    if from_registry:
        params = vol.GarchParams.from_dict(entry["params"])
    else:
        try:
            params = vol.garch_fit(r[-kw["garch_window"] :])
        except Exception as exc:  # noqa: BLE001 - an optimiser failure leaves GARCH out, never fails the request
            logger.warning("garch_fit_failed", asset_id=asset.pk, error=str(exc))
            params = None
    garch_next = vol.garch_forecast(r, params, window=kw["garch_window"]) if params else float("nan")
    variances = {
        "ewma": vol.ewma_variance(r, lam=kw["lam"])[-1],
        "garch": garch_next,
        backtest.BASELINE: vol.rolling_variance(r, window=kw["baseline_window"])[-1],
    }
    horizon = {
        "ewma": HORIZON_DAYS * variances["ewma"],
        "garch": vol.garch_horizon_variance(garch_next, params, HORIZON_DAYS) if params else float("nan"),
        backtest.BASELINE: HORIZON_DAYS * variances[backtest.BASELINE],
    }
    usable = {name: bool(np.isfinite(variances[name]) and np.isfinite(horizon[name])) for name in variances}
    var_model = backtest.choose_var_model(skill)
    if not usable[var_model]:
        var_model = backtest.BASELINE
    version_used = volatility_model.number if from_registry else None
    volatility = {}
    for name in ("ewma", "garch", backtest.BASELINE):
        v1, vh = (float(variances[name]), float(horizon[name])) if usable[name] else (None, None)
        volatility[name] = {
            "daily_1d": _sqrt(v1),
            "horizon_10d": _sqrt(vh),
            "annualised": _sqrt(None if v1 is None else v1 * per_year),
            "source": ("registry" if from_registry else "fitted_now") if name == "garch" else "formula",
            "model_version": version_used,
            "params": (
                {"lambda": kw["lam"]}
                if name == "ewma"
                else {"window": kw["baseline_window"]}
                if name == backtest.BASELINE
                else {k: round(getattr(params, k), 10) for k in ("mu", "omega", "alpha", "beta")}
                if params
                else {}
            ),
            "skill": _model_skill(skill, name),
            "used_for_var": name == var_model,
        }
    if skill is None:
        reason = "No backtest of this asset by a model trained on data up to this date: the rolling-variance baseline is used."
    elif var_model == backtest.BASELINE:
        reason = "Neither EWMA nor GARCH beat the rolling-variance baseline (QLIKE) with a VaR Kupiec does not reject: the baseline is used."
    else:
        reason = f"{var_model} has the lowest QLIKE among the models that beat the baseline and pass Kupiec."
    simple = np.expm1(r[-250:])
    hist = historical_var(simple, confidence)

    # Direction: the class classifier, when trained on labels known by this bar.
    dir_entry = direction_model.artefact.get("classes", {}).get(asset.asset_class) if direction_model else None
    dir_ok = _trained_by(dir_entry, last_at)
    p_up = None
    if dir_ok:
        rows = direction.features(series)
        if not rows.empty and rows.index[-1] == pd.Timestamp(last_at):
            p_up = float(direction.probability_up(dir_entry["model"], rows.iloc[[-1]])[0])
    dir_skill = selectors.direction_skill(model=direction_model, asset_class=asset.asset_class) if dir_ok else None
    beats = bool(dir_skill and dir_skill.get("beats_baseline"))
    if p_up is None:
        note = "No direction model for this asset class was trained on data up to this date."
    elif not beats:
        note = (
            "The classifier did not beat the always-up and 50/50 baselines in its walk-forward backtest: "
            "treat this probability as no better than a coin flip."
        )
    else:
        note = "The classifier beat both baselines in its walk-forward backtest; a small statistical edge, not a signal to trade on."
    return {
        "as_of": _iso(last_at),
        "observations": int(r.size),
        "last_close": f"{series.close[-1]:.8f}",
        "volatility": volatility,
        "var": {
            "confidence": confidence,
            "model": var_model,
            "horizon_1d": round(vol.parametric_var(variances[var_model], confidence=confidence), 8),
            "horizon_10d": round(vol.parametric_var(horizon[var_model], confidence=confidence), 8),
            "historical_1d": None if hist is None else round(hist, 8),
            "reason": reason,
        },
        "direction": {
            "asset_class": asset.asset_class,
            "probability_up": None if p_up is None else round(p_up, 8),
            "model_version": direction_model.number if dir_ok else None,
            "skill": dir_skill,
            "beats_baseline": beats,
            "note": note,
        },
        "model_versions": {
            "volatility": version_used,
            "direction": direction_model.number if dir_ok else None,
        },
    }


def asset_forecast_refresh(*, asset: Asset) -> AssetForecast:
    """Compute the forecast as of the asset's last bar with the active models and store it (once:
    the same bar and versions give the stored row back)."""
    volatility_model = selectors.active_model(kind="volatility")
    direction_model = selectors.active_model(kind="direction")
    payload = asset_forecast_compute(asset=asset, volatility_model=volatility_model, direction_model=direction_model)
    key = {
        "asset": asset,
        "as_of": _parse(payload["as_of"]),
        "volatility_version": volatility_model.number if volatility_model else 0,
        "direction_version": direction_model.number if direction_model else 0,
    }
    try:
        with transaction.atomic():
            forecast, _ = AssetForecast.objects.get_or_create(
                **key, defaults={"payload": payload, "observations": payload["observations"]}
            )
    except IntegrityError:  # a concurrent refresh stored it first
        forecast = AssetForecast.objects.get(**key)
    return forecast


def asset_forecast_current(*, asset: Asset) -> AssetForecast:
    """The stored forecast for the asset's last bar and the active versions, computed when missing."""
    last_at = selectors.price_last_at(asset=asset)
    if last_at is not None:
        versions = {
            kind: (m.number if (m := selectors.active_model(kind=kind)) else 0) for kind in ("volatility", "direction")
        }
        stored = selectors.asset_forecast_stored(
            asset=asset,
            as_of=last_at,
            volatility_version=versions["volatility"],
            direction_version=versions["direction"],
        )
        if stored is not None:
            return stored
    return asset_forecast_refresh(asset=asset)


def forecasts_refresh(*, asset_ids: Iterable[int]) -> int:
    """Refresh the forecasts of these assets; assets with too short a history are skipped.
    Returns how many were refreshed."""
    done = 0
    for asset in Asset.objects.filter(pk__in=list(asset_ids)).order_by("pk"):
        try:
            asset_forecast_refresh(asset=asset)
        except InsufficientHistory:
            continue
        except Exception as exc:  # noqa: BLE001 - one asset's failure must not stop the others; the endpoint recomputes
            logger.error("forecast_refresh_failed", asset_id=asset.pk, error=str(exc))
            continue
        done += 1
    return done
