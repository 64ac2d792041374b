"""The portfolios app's errors, with stable codes."""

from __future__ import annotations

from enum import StrEnum

from blockguardian.errors import InvalidInput, NotFound, StateConflict, UnprocessableInput


class ErrorCode(StrEnum):
    PORTFOLIO_NOT_FOUND = "portfolio_not_found"
    PORTFOLIO_CLOSED = "portfolio_closed"
    PORTFOLIO_NOT_EMPTY = "portfolio_not_empty"
    PORTFOLIO_LIMIT = "portfolio_limit_reached"
    ASSET_NOT_FOUND = "asset_not_found"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    INSUFFICIENT_QUANTITY = "insufficient_quantity"
    INVALID_AMOUNT = "invalid_amount"
    INVALID_QUANTITY = "invalid_quantity"
    DUPLICATE_REFERENCE = "ledger_duplicate_reference"
    ENTRY_STATE = "ledger_entry_state"
    RESERVATION_STATE = "reservation_state"
    BLOCK_STATE = "blocked_funds_state"
    PRICE_UNAVAILABLE = "price_unavailable"
    INVALID_RANGE = "invalid_range"


class PortfolioNotFound(NotFound):
    code = ErrorCode.PORTFOLIO_NOT_FOUND
    title = "No such portfolio"


class AssetNotFound(NotFound):
    code = ErrorCode.ASSET_NOT_FOUND
    title = "No such asset"


class PortfolioClosed(StateConflict):
    code = ErrorCode.PORTFOLIO_CLOSED
    title = "This portfolio is closed and read-only"


class PortfolioNotEmpty(StateConflict):
    code = ErrorCode.PORTFOLIO_NOT_EMPTY
    title = "A portfolio can be closed only when it holds no cash and no positions"


class PortfolioLimitReached(StateConflict):
    code = ErrorCode.PORTFOLIO_LIMIT
    title = "You already have the maximum number of open portfolios"


class InsufficientFunds(UnprocessableInput):
    code = ErrorCode.INSUFFICIENT_FUNDS
    title = "Not enough available settled cash"


class InsufficientQuantity(UnprocessableInput):
    code = ErrorCode.INSUFFICIENT_QUANTITY
    title = "Not enough of this asset available"


class InvalidAmount(InvalidInput):
    code = ErrorCode.INVALID_AMOUNT
    title = "The amount is invalid"


class InvalidQuantity(InvalidInput):
    code = ErrorCode.INVALID_QUANTITY
    title = "The quantity is invalid"


class DuplicateReference(StateConflict):
    code = ErrorCode.DUPLICATE_REFERENCE
    title = "An entry with this reference was already posted"


class EntryStateError(StateConflict):
    code = ErrorCode.ENTRY_STATE
    title = "This ledger entry cannot be changed that way"


class ReservationStateError(StateConflict):
    code = ErrorCode.RESERVATION_STATE
    title = "This reservation is no longer open"


class BlockStateError(StateConflict):
    code = ErrorCode.BLOCK_STATE
    title = "The customer's restriction does not allow this move of blocked funds"


class PriceUnavailable(UnprocessableInput):
    code = ErrorCode.PRICE_UNAVAILABLE
    title = "No price is available for this asset"


class InvalidRange(InvalidInput):
    code = ErrorCode.INVALID_RANGE
    title = "The date range is invalid"
