"""Reads of the trading app, scoped to what the caller may see."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from blockguardian.calendar import business_tz
from blockguardian.money import ZERO, quantize_cash
from portfolios import selectors as portfolio_selectors

from .errors import BankAccountNotFound, TransactionNotFound, WalletNotFound
from .models import OPEN_STATUSES, LinkedBankAccount, Method, SourceStatus, Status, Transaction, TransactionType, Wallet


def transaction_list(
    *,
    portfolio: Any,
    type: str | None = None,
    status: str | None = None,
    asset: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[Transaction]:
    """A portfolio's transactions, newest first; `date_from`/`date_to` bound the request date
    (business time zone, inclusive); `asset` is a symbol."""
    rows = Transaction.objects.filter(portfolio=portfolio).select_related("asset")
    if type:
        rows = rows.filter(type=type)
    if status:
        rows = rows.filter(status=status)
    if asset:
        rows = rows.filter(asset__symbol__iexact=asset)
    tz = business_tz()
    if date_from:
        rows = rows.filter(requested_at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=tz))
    if date_to and date_to < dt.date.max:
        rows = rows.filter(requested_at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    return rows.order_by("-requested_at", "-id")


def transaction_get(*, portfolio: Any, pk: Any) -> Transaction:
    """One transaction of the portfolio (the portfolio already scoped to the user); 404 otherwise."""
    try:
        return Transaction.objects.select_related("asset", "bank_account").get(portfolio=portfolio, pk=int(pk))
    except (Transaction.DoesNotExist, TypeError, ValueError) as exc:
        raise TransactionNotFound() from exc


def portfolio_get_for_user(*, user: Any, pk: Any):
    return portfolio_selectors.portfolio_get_for_user(user=user, pk=pk)


def bank_account_list(*, user: Any) -> QuerySet[LinkedBankAccount]:
    return LinkedBankAccount.objects.filter(user=user).order_by("id")


def bank_account_get(*, user: Any, pk: Any) -> LinkedBankAccount:
    try:
        return bank_account_list(user=user).get(pk=int(pk))
    except (LinkedBankAccount.DoesNotExist, TypeError, ValueError) as exc:
        raise BankAccountNotFound("No such bank account.") from exc


def bank_account_verified_get(*, user: Any, bank_account_id: Any) -> LinkedBankAccount:
    """The user's own verified bank account; `BankAccountNotFound` (404) otherwise."""
    account = bank_account_get(user=user, pk=bank_account_id)
    if account.status != SourceStatus.VERIFIED:
        raise BankAccountNotFound()
    return account


def wallet_list(*, user: Any) -> QuerySet[Wallet]:
    return Wallet.objects.filter(user=user).order_by("id")


def wallet_get(*, user: Any, pk: Any) -> Wallet:
    try:
        return wallet_list(user=user).get(pk=int(pk))
    except (Wallet.DoesNotExist, TypeError, ValueError) as exc:
        raise WalletNotFound() from exc


def shortfall_list() -> list[dict]:
    """For operations: ACH returns that left a customer owing money (the portfolio's shortfall)."""
    rows = []
    returned = (
        Transaction.objects.filter(type=TransactionType.DEPOSIT, status=Status.RETURNED, portfolio__isnull=False)
        .select_related("portfolio")
        .order_by("-closed_at")
    )
    seen = set()
    for tx in returned:
        if tx.portfolio_id in seen:
            continue
        seen.add(tx.portfolio_id)
        owed = portfolio_selectors.cash_balances(portfolio=tx.portfolio).owed
        if owed > 0:
            rows.append({"portfolio_id": tx.portfolio_id, "user_id": str(tx.user_id), "owed": owed, "return": tx.pk})
    return rows


def blocked_property_list(*, user: Any, as_of: dt.date) -> list[dict]:
    """What trading holds for a blocked customer beyond the portfolio ledger: transactions still
    open on `as_of` (reserved cash or quantity; cancelled once the block is processed) and ACH
    deposits in transit (booked as unsettled cash, not yet settled). Amounts as decimal strings.
    Compliance asks for customers it has blocked; the list does not re-check the restriction."""
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min, tzinfo=business_tz())
    items = []
    rows = Transaction.objects.filter(user=user, requested_at__lt=end).filter(
        Q(status__in=OPEN_STATUSES) | Q(type=TransactionType.DEPOSIT, method=Method.ACH, status=Status.FILLED)
    )
    for tx in rows.select_related("asset", "reservation").order_by("id"):
        if tx.status in OPEN_STATUSES:
            if tx.reservation and tx.reservation.quantity:
                description = f"open {tx.type} order {tx.pk}: {tx.reservation.quantity} {tx.asset.symbol} reserved"
                amount = quantize_cash((tx.asset.last_price or ZERO) * tx.reservation.quantity)
            else:
                description = f"open {tx.type} {tx.pk}: cash reserved"
                amount = tx.reservation.amount if tx.reservation else (tx.amount or ZERO)
        else:
            description = f"ACH deposit {tx.pk} in transit (unsettled)"
            amount = tx.amount
        items.append(
            {
                "app": "trading",
                "kind": "transaction",
                "description": description,
                "amount": str(amount),
                "currency": "USD",
            }
        )
    return items


# --- documents ----------------------------------------------------------------------------------


def confirmation_for(*, tx: Transaction) -> dict:
    """A trade confirmation (SEC Rule 10b-10 items) for a filled order, built from the immutable
    fill; `TransactionNotFound` when the transaction is not a filled order."""
    if not tx.is_order or tx.executed_at is None or tx.entry_id is None:
        raise TransactionNotFound("There is no confirmation for this transaction.")
    execution = tx.executions.order_by("id").first()
    net = tx.amount + tx.fee if tx.type == TransactionType.BUY else tx.amount - tx.fee
    return {
        "confirmation_number": f"TC-{tx.pk:010d}",
        "transaction_id": tx.pk,
        "portfolio_id": tx.portfolio_id,
        "side": tx.type,
        "symbol": tx.asset.symbol,
        "asset_name": tx.asset.name,
        "asset_class": tx.asset.asset_class,
        "quantity": tx.filled_quantity,
        "price": tx.price,
        "quote_price": execution.quote_price if execution else tx.price,
        "gross_amount": tx.amount,
        "fee": tx.fee,
        "net_amount": net,
        "order_type": tx.order_type,
        "time_in_force": tx.time_in_force,
        "limit_price": tx.limit_price,
        "executed_at": tx.executed_at,
        "trade_date": tx.trade_date,
        "settlement_date": tx.settlement_date,
        "capacity": "agent",
        "currency": "USD",
    }


def month_bounds(month: str) -> tuple[dt.date, dt.datetime, dt.datetime]:
    first = dt.date.fromisoformat(f"{month}-01")
    nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    tz = business_tz()
    return first, dt.datetime.combine(first, dt.time.min, tzinfo=tz), dt.datetime.combine(nxt, dt.time.min, tzinfo=tz)


def _cash_at(portfolio: Any, moment: dt.datetime) -> Decimal:
    """The customer's own cash (settled, reserved, unsettled, less what is owed, plus blocked funds
    held for them) just before `moment`: the sum of entries' `cash_delta`."""
    from portfolios.models import JournalEntry

    total = JournalEntry.objects.filter(portfolio=portfolio, executed_at__lt=moment).aggregate(t=Sum("cash_delta"))["t"]
    return total or ZERO


def statement_for(*, portfolio: Any, month: str) -> dict:
    """A monthly statement: opening and closing cash, the month's activity, holdings at the close
    of the month (quantity from the ledger's trades, valued at each asset's last close in the
    month) and the realised gains of the month."""
    from portfolios.models import JournalEntry, LotDisposal, Price

    first, start, end = month_bounds(month)
    entries = JournalEntry.objects.filter(portfolio=portfolio, executed_at__lt=end)
    quantities: dict[int, Decimal] = {}
    for asset_id, quantity in entries.filter(quantity__isnull=False).values_list("asset_id", "quantity"):
        quantities[asset_id] = quantities.get(asset_id, ZERO) + quantity
    holdings = []
    from portfolios.models import Asset

    assets = {a.pk: a for a in Asset.objects.filter(pk__in=[k for k, v in quantities.items() if v])}
    for asset_id, quantity in sorted(
        quantities.items(), key=lambda kv: assets[kv[0]].symbol if kv[0] in assets else ""
    ):
        if not quantity:
            continue
        close = (
            Price.objects.filter(asset_id=asset_id, timestamp__lt=end)
            .order_by("-timestamp")
            .values_list("close", flat=True)
            .first()
        )
        holdings.append(
            {
                "symbol": assets[asset_id].symbol,
                "quantity": quantity,
                "price": close,
                "market_value": quantize_cash(quantity * close) if close is not None else None,
            }
        )
    activity = [
        {
            "transaction_id": tx.pk,
            "date": tx.executed_at or tx.requested_at,
            "type": tx.type,
            "method": tx.method,
            "status": tx.status,
            "symbol": tx.asset.symbol if tx.asset_id else None,
            "quantity": tx.filled_quantity or tx.quantity,
            "price": tx.price,
            "amount": tx.amount,
            "fee": tx.fee,
        }
        for tx in Transaction.objects.filter(portfolio=portfolio)
        .filter(
            Q(executed_at__gte=start, executed_at__lt=end)
            | Q(executed_at__isnull=True, requested_at__gte=start, requested_at__lt=end)
        )
        .select_related("asset")
        .order_by("requested_at", "id")
    ]
    gains = LotDisposal.objects.filter(
        portfolio=portfolio, voided_by__isnull=True, disposed_at__gte=start, disposed_at__lt=end
    ).aggregate(g=Sum("gain"))["g"]
    opening, closing = _cash_at(portfolio, start), _cash_at(portfolio, end)
    value = sum((h["market_value"] or ZERO for h in holdings), ZERO)
    return {
        "portfolio_id": portfolio.pk,
        "month": first.strftime("%Y-%m"),
        "period_start": first,
        "period_end": (end - dt.timedelta(days=1)).date(),
        "opening_cash": opening,
        "closing_cash": closing,
        "holdings_value": value,
        "closing_total": closing + value,
        "activity": activity,
        "holdings": holdings,
        "realized_gains": gains or ZERO,
        "generated_at": timezone.now(),
    }


def portfolio_for_staff(*, pk: Any):
    """Any open portfolio, for operations (staff endpoints); `TransactionNotFound`-style 404 otherwise."""
    from portfolios.errors import PortfolioNotFound
    from portfolios.models import Portfolio

    try:
        return Portfolio.objects.select_related("owner").get(pk=int(pk))
    except (Portfolio.DoesNotExist, TypeError, ValueError) as exc:
        raise PortfolioNotFound() from exc


def transaction_parties_since(*, since: dt.datetime):
    """The named parties of the transaction records since `since`, for FinCEN 314(a) searches:
    who conducted branch cash and on whose behalf, the holders of the bank accounts money moved to
    or from, and the beneficiaries of recorded wires. Yields dicts with `reference`
    ("trading.transaction:<id>"), `customer_id`, `name`, `date_of_birth` (or None) and
    `executed_at`; streamed, never the whole table in memory."""
    from .models import BranchCashTransaction

    cash = (
        BranchCashTransaction.objects.filter(occurred_at__gte=since)
        .values_list(
            "transaction_id",
            "customer_id",
            "conductor_name",
            "conductor_date_of_birth",
            "on_behalf_of_name",
            "occurred_at",
        )
        .order_by("id")
    )
    for tx_id, customer_id, conductor, dob, on_behalf_of, at in cash.iterator(chunk_size=2000):
        reference = f"trading.transaction:{tx_id}"
        yield {
            "reference": reference,
            "customer_id": customer_id,
            "name": conductor,
            "date_of_birth": dob,
            "executed_at": at,
        }
        if on_behalf_of:
            yield {
                "reference": reference,
                "customer_id": customer_id,
                "name": on_behalf_of,
                "date_of_birth": None,
                "executed_at": at,
            }
    moved = (
        Transaction.objects.filter(bank_account__isnull=False, requested_at__gte=since)
        .values_list("pk", "user_id", "bank_account__holder_name", "wire_details", "requested_at")
        .order_by("id")
    )
    for tx_id, customer_id, holder, wire, at in moved.iterator(chunk_size=2000):
        reference = f"trading.transaction:{tx_id}"
        names = {holder}
        beneficiary = ((wire or {}).get("beneficiary") or {}).get("name")
        if beneficiary:
            names.add(beneficiary)
        for name in sorted(n for n in names if n):
            yield {
                "reference": reference,
                "customer_id": customer_id,
                "name": name,
                "date_of_birth": None,
                "executed_at": at,
            }


# --- monitoring reads (set-based; compliance's transaction-monitoring rules) ---------------------
#
# Each rule reads one source in batches of row ids after its watermark: `monitoring_batch_bounds`
# says how many rows the next batch holds, its last id and its business dates; the rule's query
# then looks at the batch's customers over the rule's look-back window, in one statement. The
# transaction id is the watermark (for branch cash, the id of its transaction). Business dates are
# taken in BUSINESS_TIME_ZONE (cash: its CTR business day). Rows younger than `lag_seconds` are
# left for the next run, so a transaction still committing is not passed over. `wide=True` (a batch
# touching most customers) reads the look-back window by time alone instead of customer by
# customer through the user index, which is the better plan for a large backlog: it reads the
# window once and tells the batch's rows by their id (`fresh`) instead of scanning the batch again.
# The look-back queries run with JIT compilation off: their cost estimates (correlated evidence
# subqueries) make PostgreSQL spend more time compiling them than the compiled code saves.

VOLUME_TYPES = (TransactionType.BUY, TransactionType.SELL, TransactionType.DEPOSIT, TransactionType.WITHDRAWAL)


def _sql_rows(sql: str, params, *, jit: bool = True) -> list[dict]:
    from contextlib import nullcontext

    from django.db import connection, transaction

    jit_off = not jit and connection.vendor == "postgresql"
    with transaction.atomic() if jit_off else nullcontext(), connection.cursor() as cursor:
        if jit_off:
            cursor.execute("SET LOCAL jit = off")  # until the end of the (outer) transaction
        cursor.execute(sql, params)
        columns = [column.name for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _in(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _monitoring_source(source: str) -> tuple[str, str, str, str]:
    """(table with alias `s`, condition, id column, business-date expression) of a source."""
    from .models import BranchCashTransaction

    tx, cash = f"{Transaction._meta.db_table} s", f"{BranchCashTransaction._meta.db_table} s"
    executed = f"s.status IN ({_in((Status.FILLED, Status.SETTLED))}) AND s.executed_at IS NOT NULL"
    external = f"s.method <> '{Method.INTERNAL}'"
    day = "(s.executed_at AT TIME ZONE %(tz)s)::date"
    sources = {
        "branch_cash": (cash, "TRUE", "s.transaction_id", "s.ctr_business_day"),
        "transfers": (
            tx,
            f"{executed} AND {external} AND s.type IN ({_in((TransactionType.DEPOSIT, TransactionType.WITHDRAWAL))})",
            "s.id",
            day,
        ),
        "withdrawals": (tx, f"{executed} AND {external} AND s.type = '{TransactionType.WITHDRAWAL}'", "s.id", day),
        "volume": (tx, f"{executed} AND s.type IN ({_in(VOLUME_TYPES)})", "s.id", day),
        "wires": (tx, f"{executed} AND s.method = '{Method.WIRE}'", "s.id", day),
    }
    if source not in sources:
        raise ValueError(f"unknown monitoring source {source!r}")
    return sources[source]


def _batch_filter(id_col: str, day: str, *, since: dt.date | None, until: dt.date | None) -> str:
    clause = f" AND {id_col} > %(after)s AND {id_col} <= %(last)s"
    if since:
        clause += f" AND {day} >= %(since)s"
    if until:
        clause += f" AND {day} <= %(until)s"
    return clause


def _batch_params(*, after_id: int, last_id: int, since=None, until=None, **extra) -> dict:
    from django.conf import settings

    return {
        "after": after_id,
        "last": last_id,
        "since": since,
        "until": until,
        "tz": settings.BUSINESS_TIME_ZONE,
        **extra,
    }


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=business_tz())


def _day_bounds(day: str, column: str) -> str:
    """min/max business date of a batch: for transactions, of min/max `executed_at` (the business
    date only grows with the time, and one conversion beats one per row)."""
    if day == "s.ctr_business_day":
        return f"min({column}) AS first_day, max({column}) AS last_day"
    return (
        f"(min({column}) AT TIME ZONE %(tz)s)::date AS first_day, (max({column}) AT TIME ZONE %(tz)s)::date AS last_day"
    )


def _fresh(id_col: str, day: str, *, since: dt.date | None, until: dt.date | None) -> str:
    """The condition that a row of the source belongs to the batch (`_batch_filter` as an expression)."""
    return _batch_filter(id_col, day, since=since, until=until).removeprefix(" AND ")


def monitoring_batch_bounds(
    *,
    source: str,
    after_id: int,
    limit: int,
    since: dt.date | None = None,
    until: dt.date | None = None,
    lag_seconds: int = 0,
    count_backlog: bool = True,
) -> dict:
    """The next batch of a monitoring source after `after_id`: {"rows", "last_id", "first_day",
    "last_day", "backlog"} (no rows: last_id is `after_id`). Sources: `branch_cash`, `transfers`
    (deposits and withdrawals, internal ones aside), `withdrawals`, `volume` (buys, sells, deposits,
    withdrawals), `wires`; all but branch cash executed (filled or settled).

    With `count_backlog`, the whole backlog after the watermark is counted first, in one unordered
    aggregate (which PostgreSQL can run in parallel); when it fits in `limit` it is the batch and
    "backlog" is its size. Otherwise (or without `count_backlog`) the batch is the first `limit`
    rows in id order and "backlog" is None when it was not counted."""
    table, condition, id_col, day = _monitoring_source(source)
    moment = "s.ctr_business_day" if day == "s.ctr_business_day" else "s.executed_at"
    dates = ""
    if since:
        dates += f" AND {day} >= %(since)s"
    if until:
        dates += f" AND {day} <= %(until)s"
    where = f"WHERE {condition} AND {id_col} > %(after)s AND s.created_at < %(horizon)s{dates}"
    horizon = timezone.now() - dt.timedelta(seconds=lag_seconds)
    params = _batch_params(after_id=after_id, last_id=0, since=since, until=until, limit=limit, horizon=horizon)
    backlog = None
    if count_backlog:
        sql = f"SELECT count(*) AS n_rows, max({id_col}) AS last_id, {_day_bounds(day, moment)} FROM {table} {where}"  # noqa: S608 - table names and numbers from code, values bound as parameters
        row = _sql_rows(sql, params)[0]
        backlog = row["n_rows"]
    if backlog is None or backlog > limit:
        sql = (
            f"SELECT count(*) AS n_rows, max(b.id) AS last_id, {_day_bounds(day, 'b.moment')} FROM ("  # noqa: S608 - table names and numbers from code, values bound as parameters
            f"SELECT {id_col} AS id, {moment} AS moment FROM {table} {where} ORDER BY {id_col} LIMIT %(limit)s) b"
        )
        row = _sql_rows(sql, params)[0]
    return {
        "rows": row["n_rows"],
        "last_id": row["last_id"] or after_id,
        "first_day": row["first_day"],
        "last_day": row["last_day"],
        "backlog": backlog,
    }


def cash_days_over_threshold_rows(
    *,
    after_id: int,
    last_id: int,
    threshold: Decimal,
    since: dt.date | None = None,
    until: dt.date | None = None,
    first_day: dt.date | None = None,
    last_day: dt.date | None = None,
    wide: bool = False,
) -> list[dict]:
    """Large cash: each customer, direction and CTR business day touched by the batch's branch cash
    whose total is more than `threshold`, with the day's transactions ("ids": comma-separated).
    `wide` (with the batch's `first_day` and `last_day`): the batch's days are read whole, once."""
    table, condition, id_col, day = _monitoring_source("branch_cash")
    cash = table.removesuffix(" s")
    in_batch = ""
    if wide:
        # Every customer's days of the batch's dates, summed as the CTR job does; a day over the
        # threshold counts when one of its rows is in the batch (looked up, day by day, through
        # the customer-day index for those days only: LIMIT 1 keeps it a per-day lookup).
        over = f"""
            SELECT s.customer_id, s.direction, s.ctr_business_day AS day, sum(s.amount) AS total, count(*) AS n
            FROM {table} WHERE {condition} AND s.ctr_business_day BETWEEN %(first)s AND %(final)s
            GROUP BY 1, 2, 3 HAVING sum(s.amount) > %(threshold)s"""  # noqa: S608 - table names and numbers from code, values bound as parameters
        in_batch = f"""
            WHERE (SELECT true FROM {table} WHERE {condition} AND s.customer_id = o.customer_id AND s.ctr_business_day = o.day
                   AND s.direction = o.direction {_batch_filter(id_col, day, since=since, until=until)} LIMIT 1)"""  # noqa: S608 - table names and numbers from code, values bound as parameters
    else:
        over = f"""
            WITH touched AS (
                SELECT DISTINCT s.customer_id, s.direction, s.ctr_business_day FROM {table}
                WHERE {condition} {_batch_filter(id_col, day, since=since, until=until)}
            )
            SELECT c.customer_id, c.direction, c.ctr_business_day AS day, sum(c.amount) AS total, count(*) AS n
            FROM {cash} c JOIN touched t USING (customer_id, direction, ctr_business_day)
            GROUP BY 1, 2, 3 HAVING sum(c.amount) > %(threshold)s"""  # noqa: S608 - table names and numbers from code, values bound as parameters
    # The evidence is gathered for the days over the threshold only (the customer-day index).
    sql = f"""
        SELECT o.*,
               (SELECT string_agg(c.transaction_id::text, ',' ORDER BY c.transaction_id) FROM {cash} c
                WHERE c.customer_id = o.customer_id AND c.ctr_business_day = o.day AND c.direction = o.direction) AS ids
        FROM ({over}) o {in_batch}
        ORDER BY 1, 2, 3"""  # noqa: S608 - table names and numbers from code, values bound as parameters
    params = _batch_params(
        after_id=after_id,
        last_id=last_id,
        since=since,
        until=until,
        threshold=threshold,
        first=first_day,
        final=last_day,
    )
    return _sql_rows(sql, params)


def cash_band_episode_rows(
    *,
    after_id: int,
    last_id: int,
    band: tuple[Decimal, Decimal],
    business_days: list[dt.date],
    window: int,
    min_days: int,
    same_day_count: int,
    threshold: Decimal,
    since: dt.date | None = None,
    until: dt.date | None = None,
    wide: bool = False,
) -> list[dict]:
    """Structuring: branch cash of one customer and direction with an amount in `band` (inclusive),
    by CTR business day, grouped into episodes (band days less than `window` business days apart).
    An episode is returned when it holds a row of the batch and either `min_days` band days fall
    within `window` business days, or `same_day_count` band amounts on one day sum to more than
    `threshold`. `business_days`: the business days in order from the look-back's start to the
    batch's last day (only band cash on those days is read; positions count business days).
    `wide`: every band row of those days is read once, the batch's told apart by their id."""
    table, condition, id_col, day = _monitoring_source("branch_cash")
    cash = table.removesuffix(" s")
    window, min_days, same_day_count = int(window), int(min_days), int(same_day_count)
    if wide:
        # Every band row of the look-back is read once; a customer and direction is in play when
        # one of its band rows is in the batch (`touched`, as the narrow form's join has it).
        in_play = ""
        touched = f"bool_or({_fresh('b.transaction_id', 'b.ctr_business_day', since=since, until=until)}) AS touched"
    else:
        in_play = "JOIN touched USING (customer_id, direction)"
        touched = "true AS touched"
    sql = f"""
        WITH cal AS (SELECT c.day, c.idx FROM unnest(%(days)s::date[]) WITH ORDINALITY AS c(day, idx)),
        touched AS (
            SELECT DISTINCT s.customer_id, s.direction FROM {table}
            WHERE {condition} AND s.amount BETWEEN %(band_min)s AND %(band_max)s
            {_batch_filter(id_col, day, since=since, until=until)}
        ),
        band AS (
            SELECT b.customer_id, b.direction, b.ctr_business_day AS day, cal.idx, count(*) AS n,
                   sum(b.amount) AS total, string_agg(b.transaction_id::text, ',' ORDER BY b.transaction_id) AS ids,
                   bool_or(b.transaction_id > %(after)s AND b.transaction_id <= %(last)s) AS fresh, {touched}
            FROM {cash} b {in_play} JOIN cal ON cal.day = b.ctr_business_day
            WHERE b.amount BETWEEN %(band_min)s AND %(band_max)s
              AND b.ctr_business_day BETWEEN %(first)s AND %(final)s
            GROUP BY 1, 2, 3, 4
        ),
        windowed AS (
            SELECT band.*, bool_or(touched) OVER (PARTITION BY customer_id, direction) AS in_play,
                   count(*) OVER (PARTITION BY customer_id, direction ORDER BY idx
                                  RANGE BETWEEN {window - 1} PRECEDING AND CURRENT ROW) AS days_in_window,
                   CASE WHEN idx - lag(idx) OVER (PARTITION BY customer_id, direction ORDER BY idx) < {window}
                        THEN 0 ELSE 1 END AS starts
            FROM band
        ),
        episodes AS (
            SELECT windowed.*, sum(starts) OVER (PARTITION BY customer_id, direction ORDER BY idx) AS episode
            FROM windowed
        )
        SELECT customer_id, direction, min(day) AS first_day, max(day) AS last_day, sum(total) AS total,
               sum(n)::int AS n, count(*)::int AS days, max(days_in_window) AS max_days_in_window, max(n) AS max_same_day,
               string_agg(ids, ',' ORDER BY day) AS ids
        FROM episodes
        GROUP BY customer_id, direction, episode
        HAVING bool_or(fresh) AND bool_or(in_play)
           AND (max(days_in_window) >= {min_days} OR bool_or(n >= {same_day_count} AND total > %(threshold)s))
        ORDER BY 1, 2, 3"""  # noqa: S608 - table names and numbers from code, values bound as parameters
    params = _batch_params(
        after_id=after_id,
        last_id=last_id,
        since=since,
        until=until,
        days=list(business_days),
        first=business_days[0],
        final=business_days[-1],
        band_min=band[0],
        band_max=band[1],
        threshold=threshold,
    )
    return _sql_rows(sql, params)


def _touched_days(id_col: str, day: str, *, since, until, wide: bool) -> tuple[str, str, str]:
    """For the daily look-back queries: (the condition on the customers read, the aggregate telling
    whether a customer's day holds a row of the batch, the join keeping the batch's days). Narrow:
    the batch's customers and days (`touched`), read through the user index; wide: every customer,
    the batch's rows told apart by their id in the same pass."""
    if wide:
        return "", f"bool_or({_fresh(id_col, day, since=since, until=until)})", ""
    return "AND s.user_id IN (SELECT user_id FROM touched)", "true", "JOIN touched t USING (user_id, day)"


def rapid_movement_rows(
    *,
    after_id: int,
    last_id: int,
    first_day: dt.date,
    last_day: dt.date,
    days: int,
    min_amount: Decimal,
    out_ratio: Decimal,
    since: dt.date | None = None,
    until: dt.date | None = None,
    wide: bool = False,
) -> list[dict]:
    """Rapid movement: for the customers with deposits or withdrawals in the batch, the batch's
    business days where, within the `days` calendar days up to it, at least `min_amount` came in
    and at least `out_ratio` of it went out again. One row per customer and first day money came in
    (its earliest qualifying day), with the window's transactions ("ids")."""
    table, condition, id_col, day = _monitoring_source("transfers")
    days = int(days)
    customers, in_batch, batch_days = _touched_days(id_col, day, since=since, until=until, wide=wide)
    sql = f"""
        WITH touched AS (
            SELECT DISTINCT s.user_id, {day} AS day FROM {table}
            WHERE {condition} {_batch_filter(id_col, day, since=since, until=until)}
        ),
        daily AS (
            SELECT s.user_id, {day} AS day, {day} - DATE '2000-01-01' AS dn,
                   coalesce(sum(s.amount) FILTER (WHERE s.type = '{TransactionType.DEPOSIT}'), 0) AS amount_in,
                   coalesce(sum(s.amount) FILTER (WHERE s.type = '{TransactionType.WITHDRAWAL}'), 0) AS amount_out,
                   {in_batch} AS fresh
            FROM {table}
            WHERE {condition} {customers}
              AND s.executed_at >= %(start)s AND s.executed_at < %(end)s
            GROUP BY 1, 2
        ),
        windowed AS (
            SELECT daily.*,
                   sum(amount_in) OVER w AS window_in, sum(amount_out) OVER w AS window_out,
                   min(day) FILTER (WHERE amount_in > 0) OVER w AS first_in_day,
                   min(day) OVER w AS window_start
            FROM daily
            WINDOW w AS (PARTITION BY user_id ORDER BY dn RANGE BETWEEN {days} PRECEDING AND CURRENT ROW)
        ),
        hits AS (
            SELECT DISTINCT ON (w.user_id, w.first_in_day)
                   w.user_id AS customer_id, w.day, w.first_in_day, w.window_start, w.window_in AS amount_in,
                   w.window_out AS amount_out
            FROM windowed w {batch_days}
            WHERE w.fresh AND w.window_in >= %(min_amount)s AND w.window_out > 0 AND w.window_out >= %(ratio)s * w.window_in
            ORDER BY w.user_id, w.first_in_day, w.day
        )
        SELECT h.*,
               (SELECT string_agg(s.id::text, ',' ORDER BY s.id) FROM {table}
                WHERE {condition} AND s.user_id = h.customer_id
                  AND s.executed_at >= (h.window_start::timestamp AT TIME ZONE %(tz)s)
                  AND s.executed_at < ((h.day + 1)::timestamp AT TIME ZONE %(tz)s)) AS ids
        FROM hits h
        ORDER BY h.customer_id, h.first_in_day"""  # noqa: S608 - table names and numbers from code, values bound as parameters
    params = _batch_params(
        after_id=after_id,
        last_id=last_id,
        since=since,
        until=until,
        start=_day_start(first_day - dt.timedelta(days=days)),
        end=_day_start(last_day + dt.timedelta(days=1)),
        min_amount=min_amount,
        ratio=out_ratio,
    )
    return _sql_rows(sql, params, jit=False)


def volume_spike_rows(
    *,
    after_id: int,
    last_id: int,
    first_day: dt.date,
    last_day: dt.date,
    history_days: int,
    multiple: Decimal,
    min_amount: Decimal,
    min_history_days: int,
    since: dt.date | None = None,
    until: dt.date | None = None,
    wide: bool = False,
) -> list[dict]:
    """Volume far above the customer's own history: for each customer and business day of the
    batch, the day's volume (the amounts of buys, sells, deposits, withdrawals) when it is at least
    `min_amount` and at least `multiple` times the customer's average active day over the previous
    `history_days` calendar days, which held activity on at least `min_history_days` days."""
    table, condition, id_col, day = _monitoring_source("volume")
    history_days, min_history_days = int(history_days), int(min_history_days)
    customers, in_batch, batch_days = _touched_days(id_col, day, since=since, until=until, wide=wide)
    sql = f"""
        WITH touched AS (
            SELECT DISTINCT s.user_id, {day} AS day FROM {table}
            WHERE {condition} {_batch_filter(id_col, day, since=since, until=until)}
        ),
        daily AS (
            SELECT s.user_id, {day} AS day, {day} - DATE '2000-01-01' AS dn, sum(s.amount) AS volume,
                   {in_batch} AS fresh
            FROM {table}
            WHERE {condition} AND s.amount IS NOT NULL {customers}
              AND s.executed_at >= %(start)s AND s.executed_at < %(end)s
            GROUP BY 1, 2
        ),
        windowed AS (
            SELECT daily.*, sum(volume) OVER w AS history_volume, count(*) OVER w AS history_days
            FROM daily
            WINDOW w AS (PARTITION BY user_id ORDER BY dn RANGE BETWEEN {history_days} PRECEDING AND 1 PRECEDING)
        )
        SELECT w.user_id AS customer_id, w.day, w.volume, w.history_volume, w.history_days,
               (SELECT string_agg(s.id::text, ',' ORDER BY s.id) FROM {table}
                WHERE {condition} AND s.amount IS NOT NULL AND s.user_id = w.user_id
                  AND s.executed_at >= (w.day::timestamp AT TIME ZONE %(tz)s)
                  AND s.executed_at < ((w.day + 1)::timestamp AT TIME ZONE %(tz)s)) AS ids
        FROM windowed w {batch_days}
        WHERE w.fresh AND w.volume >= %(min_amount)s AND w.history_days >= {min_history_days}
          AND w.volume >= %(multiple)s * w.history_volume / w.history_days
        ORDER BY 1, 2"""  # noqa: S608 - table names and numbers from code, values bound as parameters
    params = _batch_params(
        after_id=after_id,
        last_id=last_id,
        since=since,
        until=until,
        start=_day_start(first_day - dt.timedelta(days=history_days)),
        end=_day_start(last_day + dt.timedelta(days=1)),
        min_amount=min_amount,
        multiple=multiple,
    )
    return _sql_rows(sql, params, jit=False)


def outflows_after_events_rows(
    *,
    events: QuerySet,
    after_id: int,
    last_id: int,
    first_day: dt.date,
    last_day: dt.date,
    days: int,
    ratio: Decimal,
    since: dt.date | None = None,
    until: dt.date | None = None,
    wide: bool = False,
) -> list[dict]:
    """Money moved out soon after it arrived from elsewhere (e.g. loan proceeds). `events`: a
    queryset of values `event_id`, `user_id`, `occurred_at`, `amount`, from the app that owns the
    events. For each event of a customer with withdrawals in the batch, the withdrawals (internal
    ones aside) within `days` calendar days after it, when they reach `ratio` of its amount.
    Narrow: from the batch's customers to their events; `wide` (a batch holding most customers'
    withdrawals): from the events of the batch's dates to each one's customer, through the user
    index, rather than reading the whole batch to list its customers."""
    table, condition, id_col, day = _monitoring_source("withdrawals")
    events_sql, events_params = events.order_by().query.sql_with_params()
    events_sql = events_sql % tuple(f"%(e{i})s" for i in range(len(events_params)))
    days = int(days)
    window = f"s.executed_at >= e.occurred_at AND s.executed_at < e.occurred_at + interval '{days} days'"
    if wide:
        sql = f"""
            WITH events AS MATERIALIZED (
                SELECT e.event_id, e.user_id, e.occurred_at, e.amount FROM ({events_sql}) e
                WHERE e.occurred_at >= %(start)s AND e.occurred_at < %(end)s
            )
            SELECT e.event_id, e.user_id AS customer_id, e.occurred_at, e.amount, o.moved_out, o.first_out_at,
                   o.last_out_at, o.ids
            FROM events e
            CROSS JOIN LATERAL (
                SELECT sum(s.amount) AS moved_out, min(s.executed_at) AS first_out_at,
                       max(s.executed_at) AS last_out_at, string_agg(s.id::text, ',' ORDER BY s.id) AS ids
                FROM {table} WHERE {condition} AND s.user_id = e.user_id AND {window}
            ) o
            WHERE o.moved_out >= %(ratio)s * e.amount
              AND EXISTS (SELECT 1 FROM {table} WHERE {condition} AND s.user_id = e.user_id
                          {_batch_filter(id_col, day, since=since, until=until)})
            ORDER BY 1"""  # noqa: S608 - table names and numbers from code, values bound as parameters
    else:
        sql = f"""
            WITH touched AS (
                SELECT DISTINCT s.user_id FROM {table}
                WHERE {condition} {_batch_filter(id_col, day, since=since, until=until)}
            ),
            events AS (
                SELECT e.event_id, e.user_id, e.occurred_at, e.amount FROM ({events_sql}) e
                WHERE e.user_id IN (SELECT user_id FROM touched)
                  AND e.occurred_at >= %(start)s AND e.occurred_at < %(end)s
            )
            SELECT e.event_id, e.user_id AS customer_id, e.occurred_at, e.amount, sum(s.amount) AS moved_out,
                   min(s.executed_at) AS first_out_at, max(s.executed_at) AS last_out_at,
                   string_agg(s.id::text, ',' ORDER BY s.id) AS ids
            FROM events e
            JOIN {table} ON {condition} AND s.user_id = e.user_id AND {window}
            GROUP BY 1, 2, 3, 4
            HAVING sum(s.amount) >= %(ratio)s * e.amount
            ORDER BY 1"""  # noqa: S608 - table names and numbers from code, values bound as parameters
    params = _batch_params(
        after_id=after_id,
        last_id=last_id,
        since=since,
        until=until,
        start=_day_start(first_day - dt.timedelta(days=days + 1)),
        end=_day_start(last_day + dt.timedelta(days=1)),
        ratio=ratio,
    )
    params.update({f"e{i}": value for i, value in enumerate(events_params)})
    return _sql_rows(sql, params, jit=False)


def _wire_countries() -> str:
    """The countries a wire's recorded details name (NULL where a party or its country is missing)."""
    return ", ".join(
        f"upper(CASE WHEN jsonb_typeof(s.wire_details -> '{part}') = 'object' "
        f"THEN s.wire_details -> '{part}' ->> 'country' END)"
        for part in ("beneficiary", "beneficiary_institution", "originator", "originator_institution")
    )


def wires_to_countries_rows(
    *,
    after_id: int,
    last_id: int,
    countries: list[str],
    since: dt.date | None = None,
    until: dt.date | None = None,
    ids: list[int] | None = None,
) -> list[dict]:
    """Wires of the batch whose recorded details name a beneficiary, beneficiary institution,
    originator or originator institution (each an object with a `country`) in one of `countries`
    (ISO 3166-1 alpha-2). `ids`: only those wires of the batch (already found, see
    `wires_to_countries_backlog`)."""
    table, condition, id_col, day = _monitoring_source("wires")
    country_of = _wire_countries()
    only = "AND s.id = ANY(%(ids)s)" if ids is not None else ""
    sql = f"""
        SELECT s.id, s.user_id AS customer_id, s.type, s.amount, {day} AS day,
               array_remove(ARRAY[{country_of}], NULL) AS countries
        FROM {table}
        WHERE {condition} {_batch_filter(id_col, day, since=since, until=until)} {only}
          AND s.wire_details IS NOT NULL AND ARRAY[{country_of}] && %(countries)s::text[]
        ORDER BY s.id"""  # noqa: S608 - table names and numbers from code, values bound as parameters
    params = _batch_params(
        after_id=after_id,
        last_id=last_id,
        since=since,
        until=until,
        countries=[c.upper() for c in countries],
        ids=list(ids or []),
    )
    return _sql_rows(sql, params)


def wires_to_countries_backlog(
    *,
    after_id: int,
    limit: int,
    countries: list[str],
    since: dt.date | None = None,
    until: dt.date | None = None,
    lag_seconds: int = 0,
) -> dict | None:
    """The wires source's batch bounds and its wires to `countries` (`wires_to_countries_rows`) in
    one pass over the rows after the watermark, when they fit in one batch of `limit`:
    {"rows", "last_id", "detections"}; None when there are more (take the batch in id order with
    `monitoring_batch_bounds` then). Rows younger than `lag_seconds` are left for the next run."""
    table, condition, id_col, day = _monitoring_source("wires")
    dates = ""
    if since:
        dates += f" AND {day} >= %(since)s"
    if until:
        dates += f" AND {day} <= %(until)s"
    ready = "s.created_at < %(horizon)s"
    sql = f"""
        SELECT count(*) FILTER (WHERE {ready}) AS n_rows, max({id_col}) FILTER (WHERE {ready}) AS last_id,
               array_agg({id_col}) FILTER (
                   WHERE s.wire_details IS NOT NULL AND ARRAY[{_wire_countries()}] && %(countries)s::text[]
               ) AS hits
        FROM {table} WHERE {condition} AND {id_col} > %(after)s{dates}"""  # noqa: S608 - table names and numbers from code, values bound as parameters
    horizon = timezone.now() - dt.timedelta(seconds=lag_seconds)
    params = _batch_params(
        after_id=after_id,
        last_id=0,
        since=since,
        until=until,
        horizon=horizon,
        countries=[c.upper() for c in countries],
    )
    row = _sql_rows(sql, params)[0]
    if row["n_rows"] > limit:
        return None
    last_id = row["last_id"] or after_id
    # As in a batch taken by `monitoring_batch_bounds`: every row up to the batch's last id counts.
    hits = sorted(pk for pk in row["hits"] or () if pk <= last_id)
    detections = (
        wires_to_countries_rows(
            after_id=after_id, last_id=last_id, countries=countries, since=since, until=until, ids=hits
        )
        if hits
        else []
    )
    return {"rows": row["n_rows"], "last_id": last_id, "detections": detections}


def branch_cash_over_threshold_list(*, business_day: dt.date, threshold: Decimal) -> list[dict]:
    """For CTRs: the branch cash of each customer and direction whose total on the CTR business day
    is more than `threshold` (all their portfolios together), one dict per transaction with the
    conductor's identity as recorded (the ID number still encrypted), ordered by customer,
    direction and transaction."""
    return branch_cash_over_threshold_range_list(first_day=business_day, last_day=business_day, threshold=threshold)


def branch_cash_over_threshold_range_list(*, first_day: dt.date, last_day: dt.date, threshold: Decimal) -> list[dict]:
    """`branch_cash_over_threshold_list` for every CTR business day from `first_day` to `last_day`
    (inclusive) in one statement: each person-day-direction over `threshold` is summed on its own
    day; each row carries its `ctr_business_day`; ordered by day, customer, direction and
    transaction."""
    from .models import BranchCashTransaction

    cash = BranchCashTransaction._meta.db_table
    # The days' totals from the day index, then each total's rows from the customer-day index
    # (OFFSET 0 keeps it a lookup per person, day and direction over the threshold).
    sql = f"""
        WITH over AS (
            SELECT customer_id, direction, ctr_business_day FROM {cash}
            WHERE ctr_business_day BETWEEN %(first)s AND %(last)s
            GROUP BY 1, 2, 3 HAVING sum(amount) > %(threshold)s
        )
        SELECT c.* FROM over o CROSS JOIN LATERAL (
            SELECT c.transaction_id, c.customer_id, c.direction, c.ctr_business_day, c.amount, c.occurred_at,
                   c.branch, c.conductor_is_customer, c.conductor_name, c.conductor_date_of_birth,
                   c.conductor_address, c.conductor_id_type, c.conductor_id_number_encrypted, c.conductor_id_issuer,
                   c.on_behalf_of_name
            FROM {cash} c
            WHERE c.customer_id = o.customer_id AND c.ctr_business_day = o.ctr_business_day
              AND c.direction = o.direction
            OFFSET 0
        ) c
        ORDER BY c.ctr_business_day, c.customer_id, c.direction, c.transaction_id"""  # noqa: S608 - table names and numbers from code, values bound as parameters
    return _sql_rows(sql, {"first": first_day, "last": last_day, "threshold": threshold})


def customer_transaction_list(*, user: Any, limit: int = 50) -> QuerySet[Transaction]:
    """Every transaction of a customer across their portfolios, newest first (staff reads: the
    compliance case page)."""
    return Transaction.objects.filter(user=user).select_related("asset").order_by("-requested_at", "-id")[:limit]
