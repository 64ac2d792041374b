"""Business calendars: NYSE trading days and hours, settlement days, the CTR business day."""

import datetime as dt
from zoneinfo import ZoneInfo

from blockguardian import calendar

NY = ZoneInfo("America/New_York")
UTC = dt.UTC


def test_friday_trade_settles_monday_on_t_plus_one():
    assert calendar.add_settlement_days(dt.date(2025, 3, 7), 1) == dt.date(2025, 3, 10)


def test_trade_on_the_friday_before_columbus_day_settles_tuesday():
    # 2025-10-13 is Columbus Day: NYSE trades, the Federal Reserve is closed.
    assert calendar.is_trading_day(dt.date(2025, 10, 13))
    assert not calendar.is_settlement_day(dt.date(2025, 10, 13))
    assert calendar.add_settlement_days(dt.date(2025, 10, 10), 1) == dt.date(2025, 10, 14)


def test_veterans_day_trades_but_does_not_settle():
    assert calendar.is_trading_day(dt.date(2025, 11, 11))
    assert not calendar.is_settlement_day(dt.date(2025, 11, 11))


def test_t_plus_zero_on_a_settlement_day_is_the_same_day():
    assert calendar.add_settlement_days(dt.date(2025, 3, 5), 0) == dt.date(2025, 3, 5)


def test_exchange_holidays_are_not_trading_days():
    assert not calendar.is_trading_day(dt.date(2025, 12, 25))
    assert not calendar.is_trading_day(dt.date(2025, 4, 18))  # Good Friday: NYSE closed, Fed open
    assert calendar.is_fed_business_day(dt.date(2025, 4, 18))


def test_business_date_is_taken_in_new_york():
    late_evening_ny = dt.datetime(2025, 3, 7, 23, 30, tzinfo=NY)  # already Saturday in UTC

    assert calendar.business_date(late_evening_ny.astimezone(UTC)) == dt.date(2025, 3, 7)


def test_session_bounds_include_early_closes():
    open_, close = calendar.session_bounds(dt.date(2025, 11, 28))  # the day after Thanksgiving

    assert open_.astimezone(NY).time() == dt.time(9, 30)
    assert close.astimezone(NY).time() == dt.time(13, 0)


def test_market_is_closed_on_saturday_and_the_next_open_is_monday():
    saturday = dt.datetime(2025, 3, 8, 15, 0, tzinfo=NY)

    assert not calendar.is_market_open(saturday)
    assert calendar.next_session_open(saturday).astimezone(NY) == dt.datetime(2025, 3, 10, 9, 30, tzinfo=NY)


def test_market_is_open_mid_session():
    assert calendar.is_market_open(dt.datetime(2025, 3, 10, 11, 0, tzinfo=NY))


def test_ctr_cash_on_a_saturday_counts_toward_monday():
    assert calendar.ctr_business_day(dt.datetime(2025, 3, 8, 12, 0, tzinfo=NY)) == dt.date(2025, 3, 10)


def test_ctr_cash_on_a_holiday_monday_counts_toward_tuesday():
    assert calendar.ctr_business_day(dt.datetime(2025, 1, 20, 12, 0, tzinfo=NY)) == dt.date(2025, 1, 21)


def test_ten_business_days_skip_weekends_and_holidays():
    # From Friday 2025-11-07: Veterans Day (11th) is skipped.
    assert calendar.add_business_days(dt.date(2025, 11, 7), 10) == dt.date(2025, 11, 24)
