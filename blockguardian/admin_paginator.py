"""A paginator for the admin's changelists on the largest tables (transactions, journal entries,
decisions, alerts): an unfiltered list does not run `count(*)` over millions of rows.

On PostgreSQL an unfiltered queryset is counted from the planner's statistics
(`pg_class.reltuples`, kept fresh by autovacuum's ANALYZE); a filtered one is counted exactly, as
the filters behind the admin's lists are indexed. Where the statistics are missing (a table never
analysed, another database) the count is exact too. ModelAdmins using it set
`show_full_result_count = False`, so the admin never counts the whole table a second time.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

# Below this many rows an exact count is cheap and an estimate would show a wrong total.
EXACT_BELOW = 100_000


def table_row_estimate(model, *, using: str = "default") -> int | None:
    """The planner's row estimate for `model`'s table on PostgreSQL; None elsewhere or unknown."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)", [model._meta.db_table])
        row = cursor.fetchone()
    if not row or row[0] is None or row[0] < 0:
        return None
    return int(row[0])


def _is_unfiltered(queryset) -> bool:
    query = getattr(queryset, "query", None)
    return query is not None and not query.where and not query.distinct and not query.combinator


class EstimatedCountPaginator(Paginator):
    """`count` is the table's row estimate when the list is unfiltered and large, else exact."""

    @cached_property
    def count(self) -> int:
        if _is_unfiltered(self.object_list):
            estimate = table_row_estimate(self.object_list.model, using=self.object_list.db)
            if estimate is not None and estimate >= EXACT_BELOW:
                return estimate
        return super().count
