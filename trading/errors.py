"""The trading app's errors, with stable codes."""

from __future__ import annotations

from enum import StrEnum

from blockguardian.errors import Forbidden, InvalidInput, NotFound, StateConflict, UnprocessableInput


class ErrorCode(StrEnum):
    TRANSACTION_NOT_FOUND = "transaction_not_found"
    BANK_ACCOUNT_NOT_FOUND = "bank_account_not_found"
    WALLET_NOT_FOUND = "wallet_not_found"
    TRANSACTION_STATE = "transaction_state"
    SOURCE_STATE = "funding_source_state"
    NOT_CUSTOMER_TYPE = "transaction_type_not_allowed"
    KYC_REQUIRED = "kyc_required"
    REFUSED = "request_refused"
    INVALID_ORDER = "invalid_order"
    INVALID_TRANSFER = "invalid_transfer"
    ASSET_NOT_TRADABLE = "asset_not_tradable"
    VERIFICATION_FAILED = "verification_failed"
    SOURCE_LIMIT = "funding_source_limit"
    DUPLICATE_SOURCE = "funding_source_duplicate"
    REFERENCE_CONFLICT = "reference_conflict"


class TransactionNotFound(NotFound):
    code = ErrorCode.TRANSACTION_NOT_FOUND
    title = "No such transaction"


class BankAccountNotFound(NotFound):
    code = ErrorCode.BANK_ACCOUNT_NOT_FOUND
    title = "No such verified bank account"


class WalletNotFound(NotFound):
    code = ErrorCode.WALLET_NOT_FOUND
    title = "No such wallet"


class TransactionStateError(StateConflict):
    code = ErrorCode.TRANSACTION_STATE
    title = "This transaction cannot be changed that way in its current state"


class FundingSourceStateError(StateConflict):
    code = ErrorCode.SOURCE_STATE
    title = "This funding source cannot be used or changed that way in its current state"


class TypeNotAllowed(InvalidInput):
    code = ErrorCode.NOT_CUSTOMER_TYPE
    title = "Customers may only place buys, sells, deposits and withdrawals"


class KycRequired(Forbidden):
    code = ErrorCode.KYC_REQUIRED
    title = "Your identity must be verified first"


class RequestRefused(UnprocessableInput):
    """A refusal whose text reveals nothing about why (fraud)."""

    code = ErrorCode.REFUSED
    title = "The request was refused"


class InvalidOrder(InvalidInput):
    code = ErrorCode.INVALID_ORDER
    title = "The order is invalid"


class InvalidTransfer(InvalidInput):
    code = ErrorCode.INVALID_TRANSFER
    title = "The transfer is invalid"


class AssetNotTradable(UnprocessableInput):
    code = ErrorCode.ASSET_NOT_TRADABLE
    title = "This asset cannot be traded"


class VerificationFailed(UnprocessableInput):
    code = ErrorCode.VERIFICATION_FAILED
    title = "The verification did not match"


class FundingSourceLimit(StateConflict):
    code = ErrorCode.SOURCE_LIMIT
    title = "You already have the maximum number of funding sources of this kind"


class DuplicateFundingSource(StateConflict):
    code = ErrorCode.DUPLICATE_SOURCE
    title = "This funding source is already linked"


class ReferenceConflict(StateConflict):
    code = ErrorCode.REFERENCE_CONFLICT
    title = "This reference was already used for a different request"
