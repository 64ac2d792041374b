"""Shared parsing for the BSA filing commands."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError


def parse_date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{option}: use YYYY-MM-DD ({value!r})") from exc


def officer(email: str | None):
    """The officer named by --by (checked by the service), or None: the operator at the shell."""
    if not email:
        return None
    user = get_user_model().objects.filter(email=email.lower()).first()
    if user is None:
        raise CommandError(f"no user {email}")
    return user
