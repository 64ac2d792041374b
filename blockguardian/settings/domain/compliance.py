"""Settings of the compliance app (thresholds and switches; every one from the environment)."""

from ..env import env  # noqa: F401
