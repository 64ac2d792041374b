"""Production: no default for any secret, HTTPS everywhere, JSON logs, metrics behind a token."""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("ENVIRONMENT", "production")
os.environ.setdefault("LOG_FORMAT", "json")

from .base import *  # noqa: F403
from .env import env

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
DATABASES = {"default": env.db_url("DATABASE_URL")}
DATABASES["default"]["ENGINE"] = "django_prometheus.db.backends.postgresql"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
REDIS_URL = env.str("REDIS_URL")
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS")
BLIND_INDEX_KEY = env.str("BLIND_INDEX_KEY")
SIMPLE_JWT = {**SIMPLE_JWT, "SIGNING_KEY": env.str("JWT_SIGNING_KEY")}
METRICS_REQUIRE_AUTH = True
METRICS_TOKEN = env.str("METRICS_TOKEN")
# The in-process EVM is for one process only: production anchors on a real node.
CHAIN_ENABLED = env.bool("CHAIN_ENABLED", default=True)
if CHAIN_ENABLED:
    WEB3_PROVIDER_URI = env.str("WEB3_PROVIDER_URI")
    CHAIN_SIGNER_KEY = env.str("CHAIN_SIGNER_KEY")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# /health and /metrics are probed over plain HTTP from inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^health$", r"^metrics$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(dsn=SENTRY_DSN, environment=ENVIRONMENT, send_default_pii=False)
