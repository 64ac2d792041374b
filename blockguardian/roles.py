"""Roles are groups created by each app's data migration. A database flush (as transactional tests
do) removes them; re-applying the same migration functions on `post_migrate` keeps them in place."""

from __future__ import annotations

import importlib

from django.apps import apps as global_apps


def reapply_data_migration(module: str, function: str):
    """A `post_migrate` receiver that runs `function(apps, schema_editor)` of a data migration again
    (the functions are idempotent: get_or_create groups, add permissions)."""

    def receiver(sender, **kwargs):
        getattr(importlib.import_module(module), function)(global_apps, None)

    return receiver
