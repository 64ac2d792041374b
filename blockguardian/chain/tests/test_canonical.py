"""The canonical form: one byte string per value, whatever the key order, scale or time zone."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from decimal import Decimal

import pytest
from django.db import models
from hypothesis import given
from hypothesis import strategies as st

from blockguardian.chain.canonical import canonical_json, leaf_hash, new_salt
from blockguardian.chain.conf import DEFAULTS
from blockguardian.chain.errors import CanonicalFormError


class Decision(models.TextChoices):
    APPROVED = "approved", "Approved"


def test_keys_are_sorted_and_there_is_no_whitespace():
    assert canonical_json({"b": 1, "a": {"d": [1, 2], "c": None}}) == b'{"a":{"c":null,"d":[1,2]},"b":1}'


def test_decimals_are_plain_strings_without_trailing_zeros():
    payload = {"a": Decimal("700.00"), "b": Decimal("12.50"), "c": Decimal("1E+3"), "d": Decimal("-0.00")}

    assert canonical_json(payload) == b'{"a":"700","b":"12.5","c":"1000","d":"0"}'


def test_a_decimal_read_back_with_another_scale_has_the_same_form():
    assert canonical_json({"amount": Decimal("2500")}) == canonical_json({"amount": Decimal("2500.00")})


def test_times_are_iso_utc_with_microseconds_whatever_the_zone():
    new_york = dt.datetime(2026, 3, 2, 9, 30, tzinfo=zoneinfo.ZoneInfo("America/New_York"))

    assert canonical_json({"t": new_york}) == b'{"t":"2026-03-02T14:30:00.000000Z"}'
    assert canonical_json({"d": dt.date(2026, 3, 2)}) == b'{"d":"2026-03-02"}'


def test_uuids_enums_bytes_and_text_are_plain_strings():
    value = uuid.UUID("12345678-1234-5678-1234-567812345678")

    out = canonical_json({"id": value, "decision": Decision.APPROVED, "raw": b"\x01\xff", "name_of_model": "é"})

    assert (
        out
        == '{"decision":"approved","id":"12345678-1234-5678-1234-567812345678","name_of_model":"é","raw":"0x01ff"}'.encode()
    )


@pytest.mark.parametrize(
    "payload",
    [
        {"pd": 0.25},
        {"amount": Decimal("NaN")},
        {"amount": Decimal("Infinity")},
        {"at": dt.datetime(2026, 1, 1, 12, 0)},
        {1: "non-string key"},
        {"value": object()},
        {"items": {1, 2}},
    ],
)
def test_values_without_a_canonical_form_are_refused(payload):
    with pytest.raises(CanonicalFormError):
        canonical_json(payload)


@pytest.mark.parametrize("key", ["email", "first_name", "date_of_birth", "ssn", "Email"])
def test_personal_data_keys_are_refused_at_any_depth(key):
    with pytest.raises(CanonicalFormError, match="personal data"):
        canonical_json({"applicant": {key: "x"}})


def test_the_forbidden_keys_are_a_setting(settings):
    settings.CHAIN_FORBIDDEN_PAYLOAD_KEYS = ["branch_code"]

    with pytest.raises(CanonicalFormError):
        canonical_json({"branch_code": "NY1"})


def test_the_leaf_depends_on_the_salt():
    canonical = canonical_json({"score": 700})

    assert leaf_hash(salt=new_salt(), canonical=canonical) != leaf_hash(salt=new_salt(), canonical=canonical)


def test_the_leaf_is_keccak_of_the_prefix_salt_and_canonical_bytes():
    from eth_utils import keccak

    salt = bytes(range(32))

    assert leaf_hash(salt=salt, canonical=b'{"score":700}') == keccak(b"\x00" + salt + b'{"score":700}')


keys = st.text(max_size=6).filter(lambda k: k.lower() not in DEFAULTS["CHAIN_FORBIDDEN_PAYLOAD_KEYS"])
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=8)
    | st.decimals(allow_nan=False, allow_infinity=False),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
    max_leaves=12,
)


@given(st.dictionaries(keys, json_values, max_size=6))
def test_key_order_never_changes_the_bytes(payload):
    reordered = dict(reversed(list(payload.items())))

    assert canonical_json(payload) == canonical_json(reordered)


def test_generic_words_such_as_a_model_name_are_not_taken_for_personal_data():
    assert canonical_json({"model": {"name": "credit_scorecard", "version": 3}}) == (
        b'{"model":{"name":"credit_scorecard","version":3}}'
    )
