"""Money helpers: Decimal only, half-up to the cent once, strict decimal input."""

from decimal import Decimal

import pytest
from rest_framework.exceptions import ValidationError

from blockguardian.money import MoneyAmountField, quantize_cash, to_decimal, whole_dollars_up


def test_quantize_rounds_half_up_to_the_cent():
    assert quantize_cash("2.675") == Decimal("2.68")
    assert quantize_cash("2.665") == Decimal("2.67")
    assert quantize_cash("-2.665") == Decimal("-2.67")


def test_floats_are_refused():
    with pytest.raises(TypeError):
        to_decimal(0.1)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-inf", "sNaN"])
def test_non_finite_values_are_refused(value):
    with pytest.raises(ValueError):
        to_decimal(value)


def test_fincen_amounts_round_up_to_whole_dollars():
    assert whole_dollars_up("10000.01") == 10001
    assert whole_dollars_up("10000.00") == 10000


@pytest.mark.parametrize(
    "value",
    ["NaN", "Infinity", "-Infinity", "1e3", "1E-2", "10.001", "0", "-5", True, float("nan"), "12345678901234567890.00"],
)
def test_money_amount_input_refuses_what_is_not_a_plain_positive_cent_amount(value):
    with pytest.raises(ValidationError):
        MoneyAmountField().run_validation(value)


@pytest.mark.parametrize(("value", "expected"), [("10", Decimal("10")), ("0.01", Decimal("0.01")), (12, Decimal("12"))])
def test_money_amount_input_accepts_plain_amounts(value, expected):
    assert MoneyAmountField().run_validation(value) == expected
