"""Loan arithmetic: repayment schedules, day counts, and the Truth in Lending figures.

Pure functions of plain values (no database). Money is `Decimal` throughout; the exact schedule is
computed at 50 significant digits and each cell is rounded once, half-up to the cent, from it.

* Schedules: monthly installments, either **equal installments** (annuity) or **equal
  principal**. Each cell (payment, principal, interest, balance) is the exact figure rounded to
  the cent; the last installment absorbs the rounding so that the principal column sums to the
  principal exactly (its payment is its principal plus its interest).
* Day counts: **30/360** (every monthly period is 30 days of a 360-day year, so a monthly period
  accrues exactly rate / 12; between arbitrary dates the US 30/360 day count applies) and
  **actual/365** (the calendar days of each period over 365).
* APR: Regulation Z Appendix J, actuarial method, unit period one month: the rate that makes the
  present value of the payments equal the amount financed (principal less prepaid finance charges
  such as the origination fee), with the odd days of a period counted as a fraction (days / 30) by
  simple interest. Late fees are never a finance charge.
* MAPR (Military Lending Act, 32 CFR 232.4): the same actuarial computation with every charge the
  Act includes (here: the origination fee and any other prepaid charge passed in).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
_PREC = 50


class Amortization(StrEnum):
    EQUAL_INSTALLMENTS = "equal_installments"
    EQUAL_PRINCIPAL = "equal_principal"


class DayCount(StrEnum):
    THIRTY_360 = "30/360"
    ACTUAL_365 = "actual/365"


def cents(value: Decimal) -> Decimal:
    """Half-up to the cent."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --- dates ----------------------------------------------------------------------------------------


def add_months(day: dt.date, months: int, *, anchor_day: int | None = None) -> dt.date:
    """`day` moved by whole months, on `anchor_day` (default: day's own) clamped to the month's end."""
    month_index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(anchor_day or day.day, last))


def due_dates(start: dt.date, term_months: int) -> list[dt.date]:
    """Monthly due dates: one month after `start`, then every month on the same day of month."""
    return [add_months(start, k, anchor_day=start.day) for k in range(1, term_months + 1)]


def days_30_360(start: dt.date, end: dt.date) -> int:
    """US 30/360 day count between two dates."""
    d1 = min(start.day, 30)
    d2 = end.day
    if d2 == 31 and d1 >= 30:
        d2 = 30
    return (end.year - start.year) * 360 + (end.month - start.month) * 30 + (d2 - d1)


def days_between(start: dt.date, end: dt.date, day_count: str) -> int:
    return days_30_360(start, end) if day_count == DayCount.THIRTY_360 else (end - start).days


def year_days(day_count: str) -> int:
    return 360 if day_count == DayCount.THIRTY_360 else 365


def accrued_interest(
    *, principal: Decimal, annual_rate: Decimal, start: dt.date, end: dt.date, day_count: str
) -> Decimal:
    """Simple interest on `principal` from `start` to `end` under the day count, to the cent.
    1,000.00 at 240 % a year (20 % a month) over 30 days on 30/360 is exactly 200.00."""
    with localcontext() as ctx:
        ctx.prec = _PREC
        days = Decimal(days_between(start, end, day_count))
        return cents(principal * annual_rate * days / Decimal(year_days(day_count)))


def _period_rates(*, annual_rate: Decimal, start: dt.date, dates: list[dt.date], day_count: str) -> list[Decimal]:
    """The exact interest rate of each monthly period."""
    if day_count == DayCount.THIRTY_360:
        return [annual_rate / 12 for _ in dates]
    rates = []
    previous = start
    for due in dates:
        rates.append(annual_rate * Decimal((due - previous).days) / Decimal(365))
        previous = due
    return rates


# --- schedules ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    number: int
    due_date: dt.date
    payment: Decimal
    principal: Decimal
    interest: Decimal
    balance: Decimal

    @property
    def amount_due(self) -> Decimal:
        """What the customer owes for this installment (its principal and its interest)."""
        return self.principal + self.interest


@dataclass(frozen=True)
class Schedule:
    principal: Decimal
    annual_rate: Decimal
    start: dt.date
    amortization: str
    day_count: str
    rows: list[Row] = field(default_factory=list)

    @property
    def installment(self) -> Decimal:
        return self.rows[0].payment

    @property
    def total_interest(self) -> Decimal:
        return sum((r.interest for r in self.rows), ZERO)

    @property
    def total_of_payments(self) -> Decimal:
        return sum((r.amount_due for r in self.rows), ZERO)


def exact_schedule(
    *, principal: Decimal, annual_rate: Decimal, start: dt.date, term_months: int, amortization: str, day_count: str
) -> list[tuple[dt.date, Decimal, Decimal, Decimal, Decimal]]:
    """The unrounded schedule: (due date, payment, principal, interest, balance after) per period."""
    if term_months < 1:
        raise ValueError("term_months must be at least 1")
    if principal <= 0:
        raise ValueError("principal must be positive")
    if annual_rate < 0:
        raise ValueError("annual_rate cannot be negative")
    dates = due_dates(start, term_months)
    out = []
    with localcontext() as ctx:
        ctx.prec = _PREC
        rates = _period_rates(annual_rate=annual_rate, start=start, dates=dates, day_count=day_count)
        balance = Decimal(principal)
        if amortization == Amortization.EQUAL_INSTALLMENTS:
            # pmt = P / sum_k prod_{j<=k} 1/(1+i_j): the level payment that brings the balance to 0.
            discount, factor = Decimal(0), Decimal(1)
            for rate in rates:
                factor /= 1 + rate
                discount += factor
            payment = balance / discount
            for due, rate in zip(dates, rates, strict=True):
                interest = balance * rate
                part = payment - interest
                balance -= part
                out.append((due, payment, part, interest, balance))
        elif amortization == Amortization.EQUAL_PRINCIPAL:
            part = balance / term_months
            for due, rate in zip(dates, rates, strict=True):
                interest = balance * rate
                balance -= part
                out.append((due, part + interest, part, interest, balance))
        else:
            raise ValueError(f"unknown amortization {amortization!r}")
    return out


def schedule_build(
    *,
    principal: Decimal,
    annual_rate: Decimal,
    start: dt.date,
    term_months: int,
    amortization: str = Amortization.EQUAL_INSTALLMENTS,
    day_count: str = DayCount.THIRTY_360,
) -> Schedule:
    """The schedule with each cell rounded half-up to the cent from the exact one; the last row
    takes the principal left (so the principal column sums to `principal` exactly), its own
    rounded interest, and a payment of the two."""
    exact = exact_schedule(
        principal=principal,
        annual_rate=annual_rate,
        start=start,
        term_months=term_months,
        amortization=amortization,
        day_count=day_count,
    )
    rows: list[Row] = []
    paid = ZERO
    for number, (due, payment, part, interest, balance) in enumerate(exact, start=1):
        if number < len(exact):
            row = Row(number, due, cents(payment), cents(part), cents(interest), cents(balance))
            paid += row.principal
        else:
            last_principal = principal - paid
            last_interest = cents(interest)
            row = Row(number, due, last_principal + last_interest, last_principal, last_interest, ZERO)
        rows.append(row)
    return Schedule(
        principal=principal,
        annual_rate=annual_rate,
        start=start,
        amortization=amortization,
        day_count=day_count,
        rows=rows,
    )


def reamortize(
    *,
    balance: Decimal,
    annual_rate: Decimal,
    period_start: dt.date,
    dates: list[dt.date],
    amortization: str,
    day_count: str,
) -> list[Row]:
    """The remaining schedule after a prepayment: `balance` over the same remaining due dates
    (same rate, same method), rounded as `schedule_build` rounds."""
    if not dates:
        return []
    if balance <= 0:
        return [Row(i + 1, d, ZERO, ZERO, ZERO, ZERO) for i, d in enumerate(dates)]
    exact = []
    with localcontext() as ctx:
        ctx.prec = _PREC
        rates = _period_rates(annual_rate=annual_rate, start=period_start, dates=dates, day_count=day_count)
        remaining = Decimal(balance)
        if amortization == Amortization.EQUAL_INSTALLMENTS:
            discount, factor = Decimal(0), Decimal(1)
            for rate in rates:
                factor /= 1 + rate
                discount += factor
            payment = remaining / discount
            for due, rate in zip(dates, rates, strict=True):
                interest = remaining * rate
                remaining -= payment - interest
                exact.append((due, payment, payment - interest, interest, remaining))
        else:
            part = remaining / len(dates)
            for due, rate in zip(dates, rates, strict=True):
                interest = remaining * rate
                remaining -= part
                exact.append((due, part + interest, part, interest, remaining))
    rows, paid = [], ZERO
    for number, (due, payment, part, interest, left) in enumerate(exact, start=1):
        if number < len(exact):
            row = Row(number, due, cents(payment), cents(part), cents(interest), cents(left))
            paid += row.principal
        else:
            last_principal = balance - paid
            row = Row(number, due, last_principal + cents(interest), last_principal, cents(interest), ZERO)
        rows.append(row)
    return rows


# --- APR (Regulation Z Appendix J) ----------------------------------------------------------------


def _unit_periods(advance: dt.date, payment_date: dt.date) -> tuple[int, int]:
    """Full months and the odd days left, counted back from the payment date to the advance."""
    months = 0
    while add_months(payment_date, -(months + 1), anchor_day=payment_date.day) >= advance:
        months += 1
    back = add_months(payment_date, -months, anchor_day=payment_date.day)
    return months, (back - advance).days


def _present_value(rate: float, periods: list[tuple[int, int, float]]) -> float:
    return sum(amount / ((1 + odd_days / 30 * rate) * (1 + rate) ** months) for months, odd_days, amount in periods)


def apr_actuarial(
    *, amount_financed: Decimal, advance_date: dt.date, payments: list[tuple[dt.date, Decimal]]
) -> Decimal:
    """The annual percentage rate, in percent (e.g. Decimal("14.1314")), by the actuarial method of
    Appendix J with a monthly unit period: solves
    amount_financed = sum(P_k / ((1 + f_k i)(1 + i)^t_k)) for the unit-period rate i, APR = 12 i.

    The rate is not money: it is solved in binary floating point by bisection to 1e-13 a month,
    far inside the 1/8 point tolerance, and reported to 0.0001 point."""
    if amount_financed <= 0:
        raise ValueError("amount financed must be positive")
    target = float(amount_financed)
    periods = [(*_unit_periods(advance_date, day), float(amount)) for day, amount in payments]
    if sum(p[2] for p in periods) <= target:
        return Decimal("0.0000")
    low, high = 0.0, 1.0
    while _present_value(high, periods) > target:
        high *= 2
    for _ in range(200):
        mid = (low + high) / 2
        if _present_value(mid, periods) > target:
            low = mid
        else:
            high = mid
        if high - low < 1e-13:
            break
    return Decimal(repr((low + high) / 2 * 1200)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Terms:
    """Everything a borrower is told about a priced loan."""

    schedule: Schedule
    origination_fee: Decimal
    amount_financed: Decimal
    finance_charge: Decimal
    total_of_payments: Decimal
    apr: Decimal  # percent
    mapr: Decimal  # percent

    @property
    def installment(self) -> Decimal:
        return self.schedule.installment

    @property
    def total_interest(self) -> Decimal:
        return self.schedule.total_interest


def origination_fee_for(*, principal: Decimal, fee_rate: Decimal, fee_flat: Decimal = ZERO) -> Decimal:
    return cents(principal * fee_rate + fee_flat)


def terms_compute(
    *,
    principal: Decimal,
    annual_rate: Decimal,
    term_months: int,
    start: dt.date,
    amortization: str = Amortization.EQUAL_INSTALLMENTS,
    day_count: str = DayCount.THIRTY_360,
    origination_fee: Decimal = ZERO,
    other_mapr_charges: Decimal = ZERO,
) -> Terms:
    """The schedule and the disclosure figures. The origination fee is a prepaid finance charge:
    it is withheld from the proceeds, so amount financed = principal - fee, finance charge =
    interest + fee, total of payments = amount financed + finance charge."""
    if origination_fee < 0 or origination_fee >= principal:
        raise ValueError("the origination fee must be at least 0 and less than the principal")
    schedule = schedule_build(
        principal=principal,
        annual_rate=annual_rate,
        start=start,
        term_months=term_months,
        amortization=amortization,
        day_count=day_count,
    )
    payments = [(r.due_date, r.amount_due) for r in schedule.rows]
    amount_financed = principal - origination_fee
    total = schedule.total_of_payments
    apr = apr_actuarial(amount_financed=amount_financed, advance_date=start, payments=payments)
    mapr = (
        apr
        if other_mapr_charges == 0
        else apr_actuarial(amount_financed=amount_financed - other_mapr_charges, advance_date=start, payments=payments)
    )
    return Terms(
        schedule=schedule,
        origination_fee=origination_fee,
        amount_financed=amount_financed,
        finance_charge=total - amount_financed,
        total_of_payments=total,
        apr=apr,
        mapr=mapr,
    )


def max_rate_within_mapr(
    *,
    cap_percent: Decimal,
    principal: Decimal,
    term_months: int,
    start: dt.date,
    amortization: str,
    day_count: str,
    origination_fee: Decimal,
    ceiling: Decimal,
) -> Decimal | None:
    """The highest note rate (annual, fraction, to 0.0001) not above `ceiling` whose MAPR is at or
    below `cap_percent`; None when even 0 % is above the cap (the fee alone breaks it)."""

    def mapr_at(rate: Decimal) -> Decimal:
        return terms_compute(
            principal=principal,
            annual_rate=rate,
            term_months=term_months,
            start=start,
            amortization=amortization,
            day_count=day_count,
            origination_fee=origination_fee,
        ).mapr

    if mapr_at(ceiling) <= cap_percent:
        return ceiling
    if mapr_at(ZERO) > cap_percent:
        return None
    low, high = 0, int(ceiling * 10000)  # basis points of a percent
    while high - low > 1:
        mid = (low + high) // 2
        if mapr_at(Decimal(mid) / 10000) <= cap_percent:
            low = mid
        else:
            high = mid
    return Decimal(low) / 10000
