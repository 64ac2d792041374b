"""Demo data for `make run`: the bundled OFAC SDN list, so screening works on a fresh laptop."""

from __future__ import annotations

from django.conf import settings


def load_sanctions_list() -> list[str]:
    from .selectors import sanctions_list_version_current
    from .services import sanctions_list_load

    current = sanctions_list_version_current()
    if current is None:
        current = sanctions_list_load(directory=settings.SANCTIONS_DATA_DIR).version
    return [
        f"Sanctions: OFAC SDN list version {current.pk} loaded ({current.entries_total} entries); "
        'staff screen names at POST /api/staff/screening or with `manage.py screen "NAME"`.'
    ]
