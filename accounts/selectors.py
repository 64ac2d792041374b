"""Reads other apps may use (they never touch accounts' models directly)."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from .models import SecurityEvent, User


def security_event_list(*, user: User, since: dt.datetime, kinds: list[str] | None = None) -> QuerySet[SecurityEvent]:
    """The customer's security events at or after `since`, newest first."""
    events = SecurityEvent.objects.filter(user=user, created_at__gte=since)
    if kinds:
        events = events.filter(kind__in=kinds)
    return events
