"""The large tables' admin lists: their default ordering and each of their field filters lead an
index (a changelist page of a million rows reads the first rows of an index, never sorts or scans
the table)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import connection

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

LARGE_TABLES = [
    "trading.transaction",
    "trading.branchcashtransaction",
    "portfolios.journalentry",
    "portfolios.price",
    "lending.loan",
    "credit.creditscore",
    "credit.creditevent",
    "fraud.storeddecision",
    "fraud.fraudalert",
    "compliance.alert",
    "compliance.case",
    "compliance.ctr",
    "compliance.sar",
    "compliance.filing",
    "compliance.screeninghit",
    "accounts.securityevent",
]


def _model_admin(label: str):
    for model, model_admin in admin.site._registry.items():
        if model._meta.label_lower == label:
            return model, model_admin
    raise AssertionError(f"{label} has no admin")


def _leading_columns(table: str) -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {
        info["columns"][0] for info in constraints.values() if info["columns"] and (info["index"] or info["unique"])
    }


@pytest.mark.parametrize("label", LARGE_TABLES)
def test_the_default_ordering_of_a_large_admin_list_leads_an_index(label):
    model, model_admin = _model_admin(label)
    ordering = list(model_admin.ordering or model._meta.ordering or ["-pk"])
    first = model._meta.get_field(ordering[0].lstrip("-").replace("pk", model._meta.pk.name))

    assert first.column in _leading_columns(model._meta.db_table), (label, ordering)


@pytest.mark.parametrize("label", LARGE_TABLES)
def test_each_field_filter_of_a_large_admin_list_leads_an_index(label):
    model, model_admin = _model_admin(label)
    fields = [f for f in model_admin.list_filter if isinstance(f, str) and "__" not in f]
    columns = _leading_columns(model._meta.db_table)

    assert [f for f in fields if model._meta.get_field(f).column not in columns] == [], label
