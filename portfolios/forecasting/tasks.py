"""Celery tasks of the market forecasts: thin, idempotent wrappers around the services.

Beat: `portfolios.forecasting.retrain` weekly; `portfolios.forecasting.refresh` follows each price
load (see `receivers`).
"""

from __future__ import annotations

from celery import shared_task

from ..models import Price
from . import services


@shared_task(
    name="portfolios.forecasting.refresh", acks_late=True, ignore_result=True, soft_time_limit=600, time_limit=660
)
def refresh_forecasts(*, asset_ids: list[int]) -> int:
    """Store the current forecast of each asset (an existing one for the same bar and model versions
    is kept, so a repeat does nothing)."""
    return services.forecasts_refresh(asset_ids=asset_ids)


@shared_task(
    name="portfolios.forecasting.retrain", acks_late=True, ignore_result=True, soft_time_limit=3600, time_limit=3660
)
def retrain_market_models(*, reference: bool = True) -> dict:
    """Backtest and refit both market models, register and activate the new versions, then refresh
    every asset's forecast with them. Running it twice registers two identical versions; the active
    one is the latest either way."""
    result = services.market_models_train(reference=reference)
    volatility, direction = services.market_models_register(result=result, activate=True)
    refreshed = services.forecasts_refresh(asset_ids=Price.objects.values_list("asset_id", flat=True).distinct())
    return {"volatility": volatility.version, "direction": direction.version, "refreshed": refreshed}
