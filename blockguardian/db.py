"""Cursors for the hot paths whose statements are written once per process (fraud's decision read
and INSERT): on PostgreSQL they are bound server-side and prepared on first use, so each
connection parses and plans them once instead of on every call, and psycopg does not merge the
parameters into the SQL text. Elsewhere, or with `DB_PREPARED_HOT_PATHS` off (a pooler in
transaction mode without prepared-statement support), an ordinary cursor.

The cursor is wrapped as Django wraps its own (execute wrappers, and the query log with the
parameters merged in, as for a client-bound cursor), so tests and instrumentation see these
statements like any other. Only cursors from here are server-bound: the
connection's other cursors keep Django's client-side binding, which never prepares.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper


class _PreparedDebugWrapper(CursorDebugWrapper):
    """The query log of a server-bound cursor: psycopg keeps no merged statement for Django's
    `last_executed_query`, so it is composed here (only when queries are logged)."""

    def execute(self, sql, params=None):
        with self.debug_sql(self.db.ops.compose_sql(sql, params) if params else sql, params):
            return CursorWrapper.execute(self, sql, params)


@contextmanager
def prepared_cursor(using: str = DEFAULT_DB_ALIAS) -> Iterator:
    connection = connections[using]
    if connection.vendor != "postgresql" or not settings.DB_PREPARED_HOT_PATHS:
        with connection.cursor() as cursor:
            yield cursor
        return
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID, ServerBindingCursor
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.pq import Format

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = connection.connection
        if raw.prepare_threshold != 0:
            raw.prepare_threshold = 0  # prepare at first use (Django connects with None: never)
        bound = ServerBindingCursor(raw)
        if connection.timezone != raw.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT).timezone:
            register_tzloader(connection.timezone, bound)  # as Django's own cursors do
        connection.validate_thread_sharing()
        cursor = (
            _PreparedDebugWrapper(bound, connection) if connection.queries_logged else connection.make_cursor(bound)
        )
    with cursor:
        yield cursor
