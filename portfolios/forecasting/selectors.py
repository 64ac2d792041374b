"""Reads for the market forecasts: price series, stored forecasts, active models and their skill."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from blockguardian.models import ModelVersion
from blockguardian.registry import model_load_active

from ..models import Asset, Price
from . import conf
from .direction import Series
from .models import AssetForecast


def price_series(*, asset: Asset, until: dt.datetime | None = None) -> Series:
    """The asset's daily bars in time order (closes and volumes as floats), up to `until`."""
    bars = Price.objects.filter(asset=asset)
    if until is not None:
        bars = bars.filter(timestamp__lte=until)
    rows = list(bars.order_by("timestamp").values_list("timestamp", "close", "volume"))
    return Series(
        key=str(asset.pk),
        at=[r[0] for r in rows],
        close=np.array([float(r[1]) for r in rows], dtype=float),
        volume=np.array([float(r[2]) for r in rows], dtype=float),
    )


def price_last_at(*, asset: Asset) -> dt.datetime | None:
    return Price.objects.filter(asset=asset).order_by("-timestamp").values_list("timestamp", flat=True).first()


@dataclass(frozen=True)
class ActiveModel:
    version: ModelVersion
    artefact: dict[str, Any]

    @property
    def number(self) -> int:
        return self.version.version


def active_model(*, kind: str) -> ActiveModel | None:
    """The active `volatility` or `direction` market model, or None (none trained, or its artefact
    fails its hash check: the forecasts then say so instead of failing)."""
    name = conf.setting(
        "PORTFOLIOS_FORECAST_VOLATILITY_MODEL" if kind == "volatility" else "PORTFOLIOS_FORECAST_DIRECTION_MODEL"
    )
    loaded = model_load_active(name=name)
    if loaded is None:
        return None
    return ActiveModel(version=loaded[0], artefact=loaded[1])


def asset_forecast_stored(
    *, asset: Asset, as_of: dt.datetime, volatility_version: int, direction_version: int
) -> AssetForecast | None:
    return AssetForecast.objects.filter(
        asset=asset, as_of=as_of, volatility_version=volatility_version, direction_version=direction_version
    ).first()


def volatility_skill(*, model: ActiveModel | None, asset: Asset) -> dict | None:
    """The platform backtest of the asset in the active volatility model's metrics, if any."""
    if model is None:
        return None
    row = model.version.metrics.get("assets", {}).get(str(asset.pk))
    return (row or {}).get("backtest")


def direction_skill(*, model: ActiveModel | None, asset_class: str) -> dict | None:
    if model is None:
        return None
    return model.version.metrics.get("classes", {}).get(asset_class)
