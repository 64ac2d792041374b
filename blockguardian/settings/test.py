"""Settings for the test suite: the embedded default, or PostgreSQL/Redis when their URLs are set."""

import os
from pathlib import Path

os.environ.setdefault("ENVIRONMENT", "test")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("LOG_FORMAT", "console")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, env

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

# Parallel test workers share one Redis: keep their keys apart.
if CACHES["default"]["BACKEND"].endswith("RedisCache"):
    CACHES["default"]["KEY_PREFIX"] = "bgtest-" + os.environ.get("PYTEST_XDIST_WORKER", "main")
    # A loaded test machine must not turn a slow Redis answer into a silently skipped rate-limit count.
    CACHES["default"]["OPTIONS"] = {**CACHES["default"]["OPTIONS"], "SOCKET_CONNECT_TIMEOUT": 5, "SOCKET_TIMEOUT": 5}
