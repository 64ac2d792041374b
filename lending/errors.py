"""The lending app's errors, with stable codes."""

from __future__ import annotations

from enum import StrEnum

from blockguardian.errors import Forbidden, InvalidInput, NotFound, StateConflict, UnprocessableInput


class ErrorCode(StrEnum):
    LOAN_NOT_FOUND = "loan_not_found"
    PRODUCT_NOT_FOUND = "loan_product_not_found"
    LOAN_STATE = "loan_state_conflict"
    INVALID_TERMS = "loan_invalid_terms"
    KYC_REQUIRED = "kyc_not_verified"
    RESTRICTED = "account_restricted"
    DESTINATION = "loan_destination_invalid"
    OFFER_EXPIRED = "loan_offer_expired"
    DISCLOSURE_STALE = "loan_disclosure_not_current"
    OVERPAYMENT = "loan_overpayment"
    FOUR_EYES = "loan_four_eyes"
    TOO_MANY_LOANS = "loan_limit_reached"
    REFUSED = "loan_request_refused"
    HELD = "loan_held"
    NO_NOTICE = "adverse_action_notice_not_found"


class LoanNotFound(NotFound):
    code = ErrorCode.LOAN_NOT_FOUND
    title = "No such loan"


class ProductNotFound(NotFound):
    code = ErrorCode.PRODUCT_NOT_FOUND
    title = "No such loan product"


class NoticeNotFound(NotFound):
    code = ErrorCode.NO_NOTICE
    title = "This loan has no adverse action notice"


class LoanStateError(StateConflict):
    code = ErrorCode.LOAN_STATE
    title = "This loan cannot do that in its current state"


class OfferExpired(StateConflict):
    code = ErrorCode.OFFER_EXPIRED
    title = "The offer has expired"


class DisclosureNotCurrent(StateConflict):
    code = ErrorCode.DISCLOSURE_STALE
    title = "The disclosure quoted is not the current one; read the disclosure again and accept that one"


class FourEyesRequired(StateConflict):
    code = ErrorCode.FOUR_EYES
    title = "Above the second-approval limit, the officer who reviewed cannot also approve"


class LoanHeld(StateConflict):
    code = ErrorCode.HELD
    title = "This loan is on hold and cannot be disbursed"


class TooManyLoans(StateConflict):
    code = ErrorCode.TOO_MANY_LOANS
    title = "You already have the maximum number of open loans"


class InvalidTerms(InvalidInput):
    code = ErrorCode.INVALID_TERMS
    title = "The loan terms are invalid"


class InvalidDestination(InvalidInput):
    code = ErrorCode.DESTINATION
    title = "The disbursement or repayment account is invalid"


class Overpayment(UnprocessableInput):
    code = ErrorCode.OVERPAYMENT
    title = "The amount is more than is owed on this loan"


class KycRequired(Forbidden):
    code = ErrorCode.KYC_REQUIRED
    title = "Your identity must be verified before you can apply"


class ApplicantRestricted(Forbidden):
    code = ErrorCode.RESTRICTED
    title = "We cannot accept a loan application on this account now. Please contact customer support."


class RequestRefused(Forbidden):
    code = ErrorCode.REFUSED
    title = "We are unable to process this request"
