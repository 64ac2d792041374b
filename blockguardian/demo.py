"""Demo data for `make run`: each app registers a loader; `manage.py load_demo_data` runs them.

A loader is idempotent (re-running changes nothing it already made) and returns the lines to print
for the newcomer (where to go, how to log in).
"""

from __future__ import annotations

from collections.abc import Callable

Loader = Callable[[], list[str]]
_loaders: list[tuple[int, str, Loader]] = []


def register(name: str, loader: Loader, *, order: int = 100) -> None:
    global _loaders
    _loaders = [entry for entry in _loaders if entry[1] != name]
    _loaders.append((order, name, loader))


def loaders() -> list[tuple[str, Loader]]:
    return [(name, loader) for _, name, loader in sorted(_loaders, key=lambda e: (e[0], e[1]))]
