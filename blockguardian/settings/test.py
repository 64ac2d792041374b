"""Settings for the test suite: the embedded default, or PostgreSQL/Redis when their URLs are set."""

import os
from pathlib import Path

os.environ.setdefault("ENVIRONMENT", "test")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("LOG_FORMAT", "console")
os.environ.setdefault("LOG_LEVEL", "WARNING")


from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, REDIS_URL, env

# Unit tests run Celery in-process; the integration tests start a real worker themselves.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = "cache+memory://"

# Fast hashing: the hasher is Django's, and tests are not about its cost.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PRIVATE_STORAGE_ROOT = BASE_DIR / "var" / "test-private"
MEDIA_ROOT = BASE_DIR / "var" / "test-media"

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["NAME"] = Path(env.str("SQLITE_TEST_PATH", default=str(BASE_DIR / "var" / "test.sqlite3")))

# Throttles would make an API test depend on how many ran before it; the tests that are about
# rate limits set their own rates.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "user": "100000/min"}}


def worker_redis_url(url: str, *, worker_index: int) -> str:
    """`url` with its database number moved past the broker's: base + 1 + the test worker's index
    (modulo Redis's 16 databases), so runs on different base databases keep apart."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(base + 1 + worker_index) % 16}"))


# Parallel test workers share one Redis server: each keeps its cache in a database of its own, because
# `cache.clear()` (which tests use to start rate-limit counts from zero) is FLUSHDB on Redis and would
# otherwise wipe the other workers' counts and the Celery broker's queues (database 0) mid-test.
if CACHES["default"]["BACKEND"].endswith("RedisCache"):
    _worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    _worker_index = int(_worker[2:]) if _worker.startswith("gw") and _worker[2:].isdigit() else 0
    CACHES["default"]["LOCATION"] = worker_redis_url(REDIS_URL, worker_index=_worker_index)
    CACHES["default"]["KEY_PREFIX"] = "bgtest-" + _worker
    # A loaded test machine must not turn a slow Redis answer into a silently skipped rate-limit count.
    CACHES["default"]["OPTIONS"] = {**CACHES["default"]["OPTIONS"], "SOCKET_CONNECT_TIMEOUT": 5, "SOCKET_TIMEOUT": 5}
