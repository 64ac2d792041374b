"""Arguments shared by the commands that generate activity (the generator's documented knobs)."""

from __future__ import annotations

import dataclasses

from fraud.simulation import ActivityParams


def add_activity_arguments(parser, *, customers: int | None = None) -> None:
    defaults = ActivityParams()
    group = parser.add_argument_group("activity", "generator parameters (see fraud/simulation.py)")
    group.add_argument("--customers", type=int, default=customers or defaults.customers, help="normal customers")
    group.add_argument("--days", type=int, default=defaults.days, help="assessed window, days")
    group.add_argument("--history-days", type=int, default=defaults.history_days, help="recorded history, days")
    group.add_argument("--start", default=defaults.start, help="first day of the assessed window (YYYY-MM-DD)")
    group.add_argument("--ato", type=int, default=defaults.ato, help="account-takeover instances")
    group.add_argument("--card-testing", type=int, default=defaults.card_testing, help="card-testing bursts")
    group.add_argument("--mule", type=int, default=defaults.mule, help="mule instances")
    group.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="any other ActivityParams field, e.g. --param ato_amount_factor=4 (repeatable)",
    )


def params_from_options(options: dict) -> ActivityParams:
    params = ActivityParams(
        customers=options["customers"],
        days=options["days"],
        history_days=options["history_days"],
        start=options["start"],
        ato=options["ato"],
        card_testing=options["card_testing"],
        mule=options["mule"],
    )
    fields = {f.name: f for f in dataclasses.fields(ActivityParams)}
    changes = {}
    for item in options.get("param") or []:
        name, _, raw = item.partition("=")
        if name not in fields:
            raise ValueError(f"unknown generator parameter {name!r}")
        changes[name] = type(getattr(params, name))(raw)
    return dataclasses.replace(params, **changes)
