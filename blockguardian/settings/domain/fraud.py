"""Settings of the fraud app (thresholds and switches; every one from the environment)."""

from ..env import env  # noqa: F401
