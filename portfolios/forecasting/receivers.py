"""Forecasts follow the prices: after each price load, the touched assets' forecasts are refreshed.

Connect in `PortfoliosConfig.ready`:
`prices_loaded.connect(on_prices_loaded, dispatch_uid="portfolios.forecasting.on_prices_loaded")`.
"""

from __future__ import annotations


def on_prices_loaded(sender, *, load_id: int, asset_ids: list[int], **kwargs) -> None:
    """Queue the refresh (the signal arrives after the load's commit). A lost refresh costs nothing
    but latency: the endpoint computes a missing forecast on demand, so no outbox is needed."""
    from .tasks import refresh_forecasts

    if asset_ids:
        refresh_forecasts.delay(asset_ids=list(asset_ids))
