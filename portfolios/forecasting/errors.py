"""Errors of the market forecasts, with stable codes."""

from __future__ import annotations

from enum import StrEnum

from blockguardian.errors import UnprocessableInput


class ForecastErrorCode(StrEnum):
    INSUFFICIENT_HISTORY = "forecast_insufficient_history"


class InsufficientHistory(UnprocessableInput):
    code = ForecastErrorCode.INSUFFICIENT_HISTORY
    title = "Not enough price history for a forecast"
