"""Every state change the trading app owns. Cash and positions move only through
`portfolios.services`; fraud is asked before and told after; compliance is reached through the
outbox.

Orders (`orders.py`): `order_place`, `transaction_cancel`, `queued_orders_fill`,
`limit_orders_cross`, `orders_expire_due`.
Transfers (`transfers.py`): `transfer_request`, `ach_return_process`, `branch_cash_record`,
`system_posting_create`, and lending's bank legs `bank_disbursement_send`,
`bank_repayment_collect`.
Funding sources (`sources.py`): `bank_account_link`, `bank_account_verify`, `wallet_register`,
`wallet_verify_signature`, `wallet_test_transfer_confirm`, and compliance's hooks
`wallet_mark_unusable`, `screening_refuse`.
Lifecycle (`lifecycle.py`): `settlement_run`, `review_resolve`, `customer_open_transactions_cancel`.
"""

from .lifecycle import customer_open_transactions_cancel, review_resolve, settlement_run
from .orders import limit_orders_cross, order_place, orders_expire_due, queued_orders_fill, transaction_cancel
from .sources import (
    bank_account_link,
    bank_account_verify,
    routing_number_valid,
    screening_refuse,
    wallet_mark_unusable,
    wallet_register,
    wallet_test_transfer_confirm,
    wallet_verify_signature,
)
from .transfers import (
    ach_return_process,
    bank_disbursement_send,
    bank_repayment_collect,
    branch_cash_record,
    system_posting_create,
    transfer_request,
)

__all__ = [
    "ach_return_process",
    "bank_account_link",
    "bank_account_verify",
    "bank_disbursement_send",
    "bank_repayment_collect",
    "branch_cash_record",
    "customer_open_transactions_cancel",
    "limit_orders_cross",
    "order_place",
    "orders_expire_due",
    "queued_orders_fill",
    "review_resolve",
    "routing_number_valid",
    "screening_refuse",
    "settlement_run",
    "system_posting_create",
    "transaction_cancel",
    "transfer_request",
    "wallet_mark_unusable",
    "wallet_register",
    "wallet_test_transfer_confirm",
    "wallet_verify_signature",
]
