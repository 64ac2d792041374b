"""Settings of the lending app (thresholds and switches; every one from the environment)."""

from ..env import env  # noqa: F401
