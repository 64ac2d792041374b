"""Hot-path cursors: statements prepared once per connection on PostgreSQL, logged like any other."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from blockguardian.db import prepared_cursor

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

# Each test names its statement: prepared statements outlive a test on the same connection.
STATEMENT = "SELECT %s::int + 41 AS {}"


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def _run(value: int, label: str) -> int:
    with prepared_cursor() as cursor:
        cursor.execute(STATEMENT.format(label), [value])
        return cursor.fetchone()[0]


def test_a_hot_path_statement_is_prepared_once_and_answers_each_call():
    assert [_run(1, "probe_once"), _run(2, "probe_once")] == [42, 43]

    prepared = [s for s in _prepared_statements() if "probe_once" in s]
    assert len(prepared) == 1


def test_the_query_log_shows_the_statement_with_its_parameters():
    with CaptureQueriesContext(connection) as queries:
        _run(5, "probe_logged")

    assert [q["sql"] for q in queries.captured_queries] == ["SELECT 5::int + 41 AS probe_logged"]


def test_turned_off_nothing_is_prepared(settings):
    settings.DB_PREPARED_HOT_PATHS = False

    assert _run(1, "probe_off") == 42
    assert not [s for s in _prepared_statements() if "probe_off" in s]
