"""Benchmarks: `make bench` runs every `bench/bench_*.py` and writes bench/REPORT.md and report.json.

Each module exposes `run() -> list[dict]`; a figure is a dict with `name`, `value`, `unit`,
`baseline` (its exact definition), `baseline_value` (measured in the same run), `ratio`, and
optionally `target` (text), `met` (bool), `counts` and `data_size`.
"""


def database_setup(name: str) -> tuple:
    """Create and migrate a throw-away database `name` (PostgreSQL) for a benchmark that serves it
    from other processes; `database_teardown` drops it."""
    from django.db import connection
    from django.test.utils import setup_databases, setup_test_environment

    setup_test_environment()
    original = dict(connection.settings_dict.get("TEST", {}))
    connection.settings_dict.setdefault("TEST", {})["NAME"] = name
    return setup_databases(verbosity=0, interactive=False, keepdb=False), original


def database_teardown(token: tuple) -> None:
    """Drop the database of `database_setup`, after ending the sessions a server left behind."""
    from django.db import connection
    from django.test.utils import teardown_databases, teardown_test_environment

    old, original = token
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"
        )
    teardown_databases(old, verbosity=0, keepdb=False)
    connection.settings_dict["TEST"] = original
    teardown_test_environment()
