"""Business calendars: NYSE trading days and hours, settlement days, the CTR business day.

* Trading days and session times (early closes included) come from `exchange_calendars` (XNYS).
* Settlement days are NYSE trading days that are also Federal Reserve business days (`holidays`'
  FederalReserve calendar): Columbus Day and Veterans Day trade but do not settle.
* Business dates are taken in `BUSINESS_TIME_ZONE` (America/New_York); storage is UTC.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.utils import timezone


def business_tz() -> ZoneInfo:
    return ZoneInfo(settings.BUSINESS_TIME_ZONE)


def business_date(moment: dt.datetime | None = None) -> dt.date:
    """The calendar date of an aware moment in the business time zone."""
    moment = moment or timezone.now()
    if timezone.is_naive(moment):
        raise ValueError("business_date needs an aware datetime")
    return moment.astimezone(business_tz()).date()


@lru_cache(maxsize=1)
def _nyse():
    import exchange_calendars as xcals

    today = timezone.now().date()
    return xcals.get_calendar(
        "XNYS",
        start=dt.date(settings.CALENDAR_FIRST_YEAR, 1, 1).isoformat(),
        end=dt.date(today.year + settings.CALENDAR_YEARS_AHEAD, 12, 31).isoformat(),
    )


@lru_cache(maxsize=64)
def _fed_holidays(year: int) -> holidays.HolidayBase:
    return holidays.FederalReserve(years=year)


def is_trading_day(day: dt.date) -> bool:
    """An NYSE session day."""
    return bool(_nyse().is_session(day.isoformat()))


def is_fed_business_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _fed_holidays(day.year)


def is_settlement_day(day: dt.date) -> bool:
    return is_trading_day(day) and is_fed_business_day(day)


def next_trading_day(day: dt.date, *, inclusive: bool = False) -> dt.date:
    current = day if inclusive else day + dt.timedelta(days=1)
    while not is_trading_day(current):
        current += dt.timedelta(days=1)
    return current


def next_settlement_day(day: dt.date, *, inclusive: bool = False) -> dt.date:
    current = day if inclusive else day + dt.timedelta(days=1)
    while not is_settlement_day(current):
        current += dt.timedelta(days=1)
    return current


def add_settlement_days(trade_date: dt.date, days: int) -> dt.date:
    """T+n: the n-th settlement day after the trade date (T+0 is the trade date itself when it
    is a settlement day, else the next one)."""
    if days == 0:
        return next_settlement_day(trade_date, inclusive=True)
    current = trade_date
    for _ in range(days):
        current = next_settlement_day(current)
    return current


def session_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
    """Open and close of the NYSE session on `day` as aware UTC datetimes, or None."""
    cal = _nyse()
    if not cal.is_session(day.isoformat()):
        return None
    open_, close = cal.session_open(day.isoformat()), cal.session_close(day.isoformat())
    return open_.to_pydatetime(), close.to_pydatetime()


def is_market_open(moment: dt.datetime | None = None) -> bool:
    moment = moment or timezone.now()
    bounds = session_bounds(business_date(moment))
    return bool(bounds) and bounds[0] <= moment < bounds[1]


def next_session_open(moment: dt.datetime | None = None) -> dt.datetime:
    """The next NYSE open at or after `moment`."""
    moment = moment or timezone.now()
    day = business_date(moment)
    bounds = session_bounds(day)
    if bounds and moment < bounds[0]:
        return bounds[0]
    nxt = next_trading_day(day)
    return session_bounds(nxt)[0]


def ctr_business_day(moment: dt.datetime) -> dt.date:
    """The institution's business day a cash transaction counts toward: its business date, or the
    next Fed business day when it falls on a weekend or holiday (never dropped)."""
    day = business_date(moment)
    while not is_fed_business_day(day):
        day += dt.timedelta(days=1)
    return day


def add_business_days(day: dt.date, days: int) -> dt.date:
    """`days` Fed business days after `day` (OFAC's 10-business-day deadlines)."""
    current = day
    for _ in range(days):
        current += dt.timedelta(days=1)
        while not is_fed_business_day(current):
            current += dt.timedelta(days=1)
    return current
