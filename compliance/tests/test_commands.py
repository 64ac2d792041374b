"""`manage.py screen` prints ranked matches with their reasons."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from . import factories

pytestmark = pytest.mark.django_db


def _screen(*args) -> str:
    out = StringIO()
    call_command("screen", *args, stdout=out)
    return out.getvalue()


def test_screen_prints_ranked_matches_with_reasons(sanctions_list):
    text = _screen("Ivan Tsertsel", "--dob", "1966", "--country", "BY", "--type", "person")
    first = text.splitlines()[1]
    assert first.lstrip().startswith("1.") and f"SDN {factories.TSERTSEL}" in first and "confident" in first
    assert "dob_year" in text and "country_matches" in text


def test_screen_a_legal_form_alone(sanctions_list):
    assert "Nothing left to screen" in _screen("S.A.")


def test_screen_refuses_a_bad_date(sanctions_list):
    with pytest.raises(CommandError):
        _screen("Ivan Tsertsel", "--dob", "1966-13-45")
