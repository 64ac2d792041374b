"""Objects the schema fuzz test creates for an operation's path parameters, so generated requests
can reach real resources of the fresh user (and not only 404s).

`PATH_FIXTURES` maps an OpenAPI path template to a function `(user) -> {param: value}`; about half
of the generated requests use these real values.
"""

from __future__ import annotations

from collections.abc import Callable

PathFixture = Callable[[object], dict]


def _portfolio(user) -> dict:
    from portfolios.services import portfolio_create

    return {"id": portfolio_create(owner=user, name="Fuzz portfolio").pk}


def _asset(user) -> dict:
    from portfolios.tests.factories import AssetFactory

    return {"id": AssetFactory().pk}


PATH_FIXTURES: dict[str, PathFixture] = {
    "/api/portfolios/{id}": _portfolio,
    "/api/portfolios/{id}/holdings": _portfolio,
    "/api/portfolios/{id}/performance": _portfolio,
    "/api/portfolios/{id}/realized-gains": _portfolio,
    "/api/portfolios/{id}/risk": _portfolio,
    "/api/portfolios/assets/{id}": _asset,
}
