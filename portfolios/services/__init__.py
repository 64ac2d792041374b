"""Every state change the portfolios app owns. Other apps move cash only through these.

Cash (`cash.py`): `cash_deposit`, `deposit_return`, `cash_withdraw`, `cash_reserve`,
`quantity_reserve`, `reservation_release`, `fee_charge`, `dividend_credit`, `interest_credit`,
`loan_cash_disburse`, `loan_cash_repay`, `shortfall_collect`, `entry_reverse`,
`blocked_cash_hold`, `blocked_cash_release`, `customer_cash_block`, `customer_cash_unblock`.
Trades and settlement (`trades.py`): `trade_buy`, `trade_sell`, `entry_settle` (buys, sells and
ACH deposits), `trade_fail`.
Crypto transfers (`crypto.py`): `crypto_transfer_in`, `crypto_transfer_out` (a crypto quantity
moved from or to the customer's own wallet; no cash moves).
Portfolios (`portfolio.py`): `portfolio_create`, `portfolio_update`, `portfolio_close`.
Catalogue and prices (`pricing.py`): `asset_upsert`, `prices_load`.

Each function's docstring is its contract; the module docstrings of `cash.py` and `trades.py`
state what they all share (locking order, restriction checks, references, refusals). How the
accounts move for each kind of entry is summarised in `portfolios/models.py` (the sign convention)
and in each function.

Reads for other apps are in `portfolios.selectors` (`cash_balances`, `customer_balances`,
`entry_due_list`, ...); the price to fill at is `portfolios.prices.latest_price` /
`portfolios.prices.session_bar`; `portfolios.signals.prices_loaded` announces new prices.
"""

from ._ledger import ach_settlement_date, settlement_date_for
from .cash import (
    blocked_cash_hold,
    blocked_cash_release,
    cash_deposit,
    cash_reserve,
    cash_withdraw,
    customer_cash_block,
    customer_cash_unblock,
    deposit_return,
    dividend_credit,
    entry_reverse,
    fee_charge,
    interest_credit,
    loan_cash_disburse,
    loan_cash_repay,
    quantity_reserve,
    reservation_release,
    shortfall_collect,
)
from .crypto import crypto_transfer_in, crypto_transfer_out
from .portfolio import portfolio_close, portfolio_create, portfolio_erase_personal_data, portfolio_update
from .pricing import PriceLoadResult, asset_last_price_refresh, asset_upsert, parse_bar_time, prices_load
from .trades import entry_settle, holding_term, trade_buy, trade_fail, trade_sell

__all__ = [
    "PriceLoadResult",
    "ach_settlement_date",
    "asset_last_price_refresh",
    "asset_upsert",
    "blocked_cash_hold",
    "blocked_cash_release",
    "cash_deposit",
    "cash_reserve",
    "cash_withdraw",
    "crypto_transfer_in",
    "crypto_transfer_out",
    "customer_cash_block",
    "customer_cash_unblock",
    "deposit_return",
    "dividend_credit",
    "entry_reverse",
    "entry_settle",
    "fee_charge",
    "holding_term",
    "interest_credit",
    "loan_cash_disburse",
    "loan_cash_repay",
    "parse_bar_time",
    "portfolio_close",
    "portfolio_create",
    "portfolio_erase_personal_data",
    "portfolio_update",
    "prices_load",
    "quantity_reserve",
    "reservation_release",
    "settlement_date_for",
    "shortfall_collect",
    "trade_buy",
    "trade_fail",
    "trade_sell",
]
