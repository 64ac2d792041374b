"""With no environment at all the product runs on its embedded default; URLs switch components on."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json; from django.conf import settings as s; "
    "print(json.dumps({'db': s.DATABASES['default']['ENGINE'], 'cache': s.CACHES['default']['BACKEND'], "
    "'eager': s.CELERY_TASK_ALWAYS_EAGER, 'broker': s.CELERY_BROKER_URL}))"
)


def _settings_with(env: dict) -> dict:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "CELERY_TASK_ALWAYS_EAGER"}
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PROBE],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_no_environment_gives_sqlite_local_memory_and_eager_celery(tmp_path):
    values = _settings_with({"SQLITE_PATH": str(tmp_path / "db.sqlite3")})

    assert values["db"].endswith("sqlite3")
    assert values["cache"].endswith("LocMemCache")
    assert values["eager"] is True
    assert values["broker"] == "memory://"


def test_database_and_redis_urls_switch_to_postgresql_and_redis():
    values = _settings_with({"DATABASE_URL": "postgres://u@db:5432/bg", "REDIS_URL": "redis://cache:6379/0"})

    assert values["db"].endswith("postgresql")
    assert values["cache"].endswith("RedisCache")
    assert values["eager"] is False
    assert values["broker"] == "redis://cache:6379/0"
