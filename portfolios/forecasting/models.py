"""Stored forecasts: one row per asset, last bar used and pair of model versions (a cache of what
the endpoint shows; rows are never rewritten, so what was forecast at a date stays on record).

Imported by `portfolios.models` so that the portfolios app owns the table.
"""

from __future__ import annotations

from django.db import models


class AssetForecast(models.Model):
    asset = models.ForeignKey("portfolios.Asset", on_delete=models.CASCADE, related_name="forecasts")
    as_of = models.DateTimeField(help_text="Timestamp of the last bar the forecast uses.")
    # Registry versions used (0: none, the model was fitted on the fly or is unavailable).
    volatility_version = models.PositiveIntegerField(default=0)
    direction_version = models.PositiveIntegerField(default=0)
    observations = models.PositiveIntegerField(help_text="Daily returns the forecast uses.")
    payload = models.JSONField(help_text="Forecasts, VaR, direction and skill, as the API renders them.")
    computed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "portfolios"
        ordering = ["asset", "-as_of", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "as_of", "volatility_version", "direction_version"], name="asset_forecast_unique"
            ),
        ]
        indexes = [models.Index(fields=["asset", "-as_of"], name="asset_forecast_latest_idx")]

    def __str__(self) -> str:
        return f"forecast {self.asset_id} as of {self.as_of:%Y-%m-%d}"
