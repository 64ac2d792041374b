"""Money and quantities: `Decimal` end to end, rounded once, half-up, at the boundary.

Cash is USD with 2 decimal places; asset quantities and prices carry up to 8.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import models
from rest_framework import serializers

CURRENCY = "USD"
CASH_PLACES = 2
QUANTITY_PLACES = 8
CENT = Decimal("0.01")
QUANTUM_8 = Decimal("0.00000001")
ZERO = Decimal("0.00")
# Large enough for any real balance; small enough that a typo cannot overflow a column.
MAX_DIGITS = 20


class Currency(models.TextChoices):
    USD = "USD", "US dollar"


def to_decimal(value: Any) -> Decimal:
    """A finite Decimal from a str/int/Decimal; floats are refused (they cannot hold cents)."""
    if isinstance(value, (bool, float)):
        raise TypeError("money and quantities are never floats")
    try:
        result = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"not a decimal number: {value!r}") from exc
    if not result.is_finite():
        raise ValueError("not a finite number")
    return result


def quantize_cash(value: Any) -> Decimal:
    """Round half-up to the cent."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def quantize_quantity(value: Any, places: int = QUANTITY_PLACES) -> Decimal:
    return to_decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def has_places(value: Decimal, places: int) -> bool:
    """True when `value` needs no more than `places` decimal places."""
    return value == value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def whole_dollars_up(value: Any) -> int:
    """FinCEN amounts: whole dollars, rounded up."""
    from decimal import ROUND_CEILING

    return int(to_decimal(value).quantize(Decimal(1), rounding=ROUND_CEILING))


class MoneyField(models.DecimalField):
    """A cash amount column: 2 places, 20 digits."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", MAX_DIGITS)
        kwargs.setdefault("decimal_places", CASH_PLACES)
        super().__init__(*args, **kwargs)


class QuantityField(models.DecimalField):
    """An asset quantity or price column: 8 places, 28 digits."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 28)
        kwargs.setdefault("decimal_places", QUANTITY_PLACES)
        super().__init__(*args, **kwargs)


_PLAIN_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)", re.ASCII)


class StrictDecimalField(serializers.DecimalField):
    """A decimal input that refuses NaN, Infinity, exponents, floats-in-JSON quirks and excess places.

    Renders as a string (COERCE_DECIMAL_TO_STRING).
    """

    default_error_messages = {
        "exponent": "Write the number out in full (no exponent).",
        "not_finite": "A finite number is required.",
        "not_plain": "Write the number with the digits 0-9 and at most one decimal point.",
    }

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, str):
            text = data.strip()
            if "e" in text.lower() and text.lower() not in {"nan", "inf", "infinity"}:
                self.fail("exponent")
            if text.lower().lstrip("+-") in {"nan", "snan", "inf", "infinity"}:
                self.fail("not_finite")
            # Decimal() also reads full-width and other scripts' digits and underscores ("１００", "1_000").
            if not _PLAIN_DECIMAL.fullmatch(text):
                self.fail("not_plain")
        elif isinstance(data, float):
            if data != data or data in (float("inf"), float("-inf")):
                self.fail("not_finite")
            data = repr(data)
            if "e" in data.lower():
                self.fail("exponent")
        return super().to_internal_value(data)


class MoneyAmountField(StrictDecimalField):
    """A positive cash amount in USD: up to 2 places."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", MAX_DIGITS - 2)
        kwargs.setdefault("decimal_places", CASH_PLACES)
        kwargs.setdefault("min_value", CENT)
        super().__init__(**kwargs)


class QuantityInputField(StrictDecimalField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 26)
        kwargs.setdefault("decimal_places", QUANTITY_PLACES)
        kwargs.setdefault("min_value", QUANTUM_8)
        super().__init__(**kwargs)
