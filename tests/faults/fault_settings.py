"""Settings for the processes the fault tests start (gunicorn, Celery, manage.py): production-like
(not eager, Redis for cache, rate limits and the broker), on the instances the tests own.

`DATABASE_URL`, `REDIS_URL` and `CONN_MAX_AGE` come from the environment the tests give each process.
"""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("LOG_LEVEL", "ERROR")
os.environ.setdefault("LOG_FORMAT", "json")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "false")

from blockguardian.settings.base import *  # noqa: F403
from blockguardian.settings.base import FRAUD_THRESHOLDS, REST_FRAMEWORK

# The hasher is Django's, and these tests are not about its cost.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A handful of customers place orders back to back; fraud would otherwise hold the burst for review
# (the assessment itself still runs for every order).
FRAUD_THRESHOLDS = {**FRAUD_THRESHOLDS, "review_score": 5000, "block_score": 6000}
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "user": "100000/min"}}
