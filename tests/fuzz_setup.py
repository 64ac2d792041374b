"""Objects the schema fuzz test creates for an operation's path parameters, so generated requests
can reach real resources of the fresh user (and not only 404s).

`PATH_FIXTURES` maps an OpenAPI path template to a function `(user) -> {param: value}`. Apps add
their resources here as their endpoints appear.
"""

from __future__ import annotations

from collections.abc import Callable

PathFixture = Callable[[object], dict]

PATH_FIXTURES: dict[str, PathFixture] = {}
