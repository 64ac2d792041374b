"""Every write of the lending app: quotes, applications and underwriting, officer decisions,
acceptance and disbursement, repayment, servicing (late fees, delinquency, charge-off), notices.

Cash moves only through `portfolios.services` (`loan_cash_disburse`, `loan_cash_repay`), bank legs
through `trading.services`, fraud is asked before a movement (outside any transaction) and told
after commit (outbox), and the repayment record goes to `credit.services`.

Lock order: the loan row, then its installments and late fees (primary-key order), then the
portfolio (inside the portfolios service).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import structlog
from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from accounts.models import Restriction
from blockguardian.audit.services import audit_bulk_created
from blockguardian.calendar import business_date
from blockguardian.money import ZERO, quantize_cash
from blockguardian.outbox import outbox_enqueue

from . import terms as T  # noqa: N812 - the arithmetic module, read as T.schedule_build
from .errors import (
    ApplicantRestricted,
    DisclosureNotCurrent,
    FourEyesRequired,
    InvalidDestination,
    InvalidTerms,
    KycRequired,
    LoanHeld,
    LoanStateError,
    OfferExpired,
    Overpayment,
    RequestRefused,
    TooManyLoans,
)
from .models import (
    SERVICED,
    UNDISBURSED,
    AdverseActionNotice,
    ChargeOffReason,
    DisburseTo,
    Installment,
    LateFee,
    Loan,
    LoanDisclosure,
    LoanEvent,
    LoanProduct,
    LoanStatus,
    Repayment,
    RepaymentSource,
)

logger = structlog.get_logger(__name__)
S = LoanStatus

ALLOWED_MOVES: dict[str, set[str]] = {
    S.SUBMITTED: {S.UNDER_REVIEW, S.APPROVED, S.DECLINED, S.COUNTEROFFERED, S.CANCELLED},
    S.UNDER_REVIEW: {S.APPROVED, S.DECLINED, S.COUNTEROFFERED, S.CANCELLED},
    S.APPROVED: {S.ACCEPTED, S.CANCELLED},
    S.COUNTEROFFERED: {S.ACCEPTED, S.CANCELLED},
    S.ACCEPTED: {S.ACTIVE, S.CANCELLED},
    S.ACTIVE: {S.DELINQUENT, S.REPAID, S.CHARGED_OFF},
    S.DELINQUENT: {S.ACTIVE, S.REPAID, S.CHARGED_OFF},
    S.DECLINED: set(),
    S.REPAID: {S.ACTIVE, S.DELINQUENT},  # only when the paying ACH debit comes back
    S.CHARGED_OFF: set(),
    S.CANCELLED: set(),
}

# The principal reasons a customer may be told (ECOA, Regulation B appendix C wording), besides
# the score's own reason codes. Nothing confidential is ever among them.
REASONS: dict[str, str] = {
    "dti_too_high": "Excessive obligations in relation to income (debt-to-income ratio above the product maximum)",
    "income_insufficient": "Income insufficient for amount of credit requested",
    "delinquent_obligation": "Delinquent past or present credit obligations with us",
    "identity_unverifiable": "Unable to verify identity",
    "amount_not_supported": "Amount of credit requested is more than we can offer on these terms",
    "credit_score_below_minimum": "Credit score below the minimum for this product (see the key factors)",
}

ECOA_NOTICE = (
    "The Federal Equal Credit Opportunity Act prohibits creditors from discriminating against credit "
    "applicants on the basis of race, color, religion, national origin, sex, marital status, age (provided "
    "the applicant has the capacity to enter into a binding contract); because all or part of the "
    "applicant's income derives from any public assistance program; or because the applicant has in good "
    "faith exercised any right under the Consumer Credit Protection Act. The Federal agency that "
    "administers compliance with this law concerning this creditor is named below."
)
SCORE_DISCLOSURE = (
    "Our credit decision was based in whole or in part on a credit score we computed from information in "
    "your application and your record with us. You have the right to a free copy of the information we "
    "used within 60 days, and to dispute the accuracy or completeness of any of it with us."
)


def _now() -> dt.datetime:
    return timezone.now()


def _today(now: dt.datetime | None = None) -> dt.date:
    return business_date(now or _now())


def _event(
    loan: Loan, kind: str, *, acting_user: Any = None, from_status: str = "", to_status: str = "", **detail
) -> None:
    LoanEvent.objects.create(
        loan=loan,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        at=_now(),
        acting_user=acting_user if getattr(acting_user, "pk", None) else None,
        detail=json.loads(json.dumps(detail, default=str)),
    )


def _move(loan: Loan, to: str, *, acting_user: Any = None, kind: str | None = None, **detail) -> None:
    """Change the loan's status (the caller holds its lock and saves it); 409 on an invalid move."""
    if to not in ALLOWED_MOVES[loan.status]:
        raise LoanStateError(f"a loan that is {loan.status} cannot become {to}")
    old = loan.status
    loan.status = to
    _event(loan, kind or to, acting_user=acting_user, from_status=old, to_status=to, **detail)


def _locked(loan: Loan | int) -> Loan:
    pk = loan.pk if isinstance(loan, Loan) else loan
    return Loan.objects.select_for_update().select_related("product").get(pk=pk)


# --- pricing --------------------------------------------------------------------------------------


def rate_for_score(*, product: LoanProduct, score: int | None) -> Decimal | None:
    """The annual rate of the highest band the score reaches; None below every band."""
    if score is None:
        return None
    bands = sorted(product.rate_grid, key=lambda b: int(b["min_score"]), reverse=True)
    for band in bands:
        if score >= int(band["min_score"]):
            return Decimal(str(band["annual_rate"]))
    return None


def highest_rate(product: LoanProduct) -> Decimal:
    return max(Decimal(str(b["annual_rate"])) for b in product.rate_grid)


def terms_validate(*, product: LoanProduct, amount: Decimal, term_months: int) -> None:
    errors: dict[str, list[str]] = {}
    if not product.is_active:
        errors["product"] = ["this product is not offered"]
    if not (product.min_amount <= amount <= product.max_amount):
        errors["amount"] = [f"between {product.min_amount} and {product.max_amount}"]
    if not (product.min_term_months <= term_months <= product.max_term_months):
        errors["term_months"] = [f"between {product.min_term_months} and {product.max_term_months} months"]
    if errors:
        raise InvalidTerms("; ".join(f"{k}: {v[0]}" for k, v in errors.items()), errors=errors)


def origination_fee(*, product: LoanProduct, amount: Decimal) -> Decimal:
    return T.origination_fee_for(
        principal=amount, fee_rate=product.origination_fee_rate, fee_flat=product.origination_fee_flat
    )


@dataclass(frozen=True)
class Priced:
    annual_rate: Decimal
    origination_fee: Decimal
    terms: T.Terms
    mla_capped: bool = False


def terms_price(
    *,
    product: LoanProduct,
    amount: Decimal,
    term_months: int,
    annual_rate: Decimal,
    start: dt.date,
    mla_covered: bool = False,
) -> Priced:
    """The terms at a rate; for a covered borrower under the Military Lending Act the rate (and, if
    the fee alone breaks the cap, the fee) comes down until the MAPR is within the cap."""
    fee = origination_fee(product=product, amount=amount)
    if fee >= amount:
        raise InvalidTerms("the origination fee would exceed the amount", errors={"amount": ["too small"]})

    def compute(rate: Decimal, fee_: Decimal) -> T.Terms:
        return T.terms_compute(
            principal=amount,
            annual_rate=rate,
            term_months=term_months,
            start=start,
            amortization=product.amortization,
            day_count=product.day_count,
            origination_fee=fee_,
        )

    terms = compute(annual_rate, fee)
    cap = Decimal(settings.LENDING_MLA_MAPR_CAP_PERCENT)
    if not mla_covered or terms.mapr <= cap:
        return Priced(annual_rate, fee, terms)
    kwargs = {
        "cap_percent": cap,
        "principal": amount,
        "term_months": term_months,
        "start": start,
        "amortization": product.amortization,
        "day_count": product.day_count,
        "ceiling": annual_rate,
    }
    rate = T.max_rate_within_mapr(origination_fee=fee, **kwargs)
    if rate is None:
        fee = ZERO
        rate = T.max_rate_within_mapr(origination_fee=fee, **kwargs) or ZERO
    return Priced(rate, fee, compute(rate, fee), mla_capped=True)


def loan_quote(
    *, product: LoanProduct, amount: Decimal, term_months: int, score: int | None = None, start: dt.date | None = None
) -> tuple[Priced, str]:
    """What `POST /api/loans/calculate` shows: the terms at the rate of the caller's score band, or
    at the product's highest rate when there is no score. Returns (priced, rate basis)."""
    terms_validate(product=product, amount=amount, term_months=term_months)
    rate = rate_for_score(product=product, score=score)
    basis = "score_band"
    if rate is None:
        rate, basis = highest_rate(product), "highest_rate"
    return terms_price(
        product=product, amount=amount, term_months=term_months, annual_rate=rate, start=start or _today()
    ), basis


# --- applications and underwriting ----------------------------------------------------------------


@dataclass
class Underwriting:
    outcome: str
    reasons: list[dict] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    dti: Decimal | None = None
    amount: Decimal | None = None
    term_months: int | None = None
    priced: Priced | None = None


def _reason(code: str) -> dict:
    return {"code": code, "text": REASONS[code]}


def _score_reasons(score_reasons: list[dict]) -> list[dict]:
    return [{"code": r.get("code", ""), "text": r.get("text", "")} for r in score_reasons[:4]]


def _dti(*, income: Decimal, debts: Decimal, installment: Decimal) -> Decimal | None:
    if income <= 0:
        return None
    return ((debts + installment) / income).quantize(Decimal("0.0001"))


def underwrite(
    *,
    product: LoanProduct,
    amount: Decimal,
    term_months: int,
    score: int | None,
    score_reasons: list[dict],
    monthly_income: Decimal,
    monthly_debts: Decimal,
    mla_covered: bool,
    has_delinquency: bool,
    fraud_flagged: bool,
    start: dt.date,
) -> Underwriting:
    """The automatic decision (a pure function of its inputs: age and every other prohibited basis
    are not among them)."""
    reasons: list[dict] = []
    if has_delinquency:
        reasons.append(_reason("delinquent_obligation"))
    rate = rate_for_score(product=product, score=score)
    if rate is None:
        reasons.append(_reason("credit_score_below_minimum"))
        reasons.extend(_score_reasons(score_reasons))
    if monthly_income <= 0:
        reasons.append(_reason("income_insufficient"))
    if reasons:
        return Underwriting(S.DECLINED, reasons=reasons)

    def price(amount_: Decimal, term_: int) -> Priced:
        return terms_price(
            product=product, amount=amount_, term_months=term_, annual_rate=rate, start=start, mla_covered=mla_covered
        )

    priced = price(amount, term_months)
    dti = _dti(income=monthly_income, debts=monthly_debts, installment=priced.terms.schedule.rows[0].amount_due)
    result = Underwriting(S.APPROVED, dti=dti, amount=amount, term_months=term_months, priced=priced)
    if dti is not None and dti > product.max_dti:
        counter = _counteroffer(
            product=product,
            amount=amount,
            term_months=term_months,
            income=monthly_income,
            debts=monthly_debts,
            price=price,
        )
        if counter is None:
            return Underwriting(S.DECLINED, reasons=[_reason("dti_too_high")], dti=dti)
        c_amount, c_term, c_priced = counter
        result = Underwriting(
            S.COUNTEROFFERED,
            reasons=[_reason("dti_too_high")],
            dti=dti,
            amount=c_amount,
            term_months=c_term,
            priced=c_priced,
        )
    if fraud_flagged:
        result.flags.append("fraud_review")
    if amount > product.second_approval_limit:
        result.flags.append("above_second_approval_limit")
    if result.flags:
        result.outcome = S.UNDER_REVIEW
    return result


def _counteroffer(*, product, amount, term_months, income, debts, price) -> tuple[Decimal, int, Priced] | None:
    """A longer term for the same amount, else the largest amount (whole tens) at the requested
    term, whose first installment keeps the DTI within the product's maximum."""
    budget = product.max_dti * income - debts
    if budget <= 0:
        return None

    def fits(amount_: Decimal, term_: int) -> bool:
        # The first installment at the offered price (the MLA cap may lower the rate).
        return price(amount_, term_).terms.schedule.rows[0].amount_due <= budget

    # Longer terms lower the installment monotonically: the shortest term that fits.
    if fits(amount, product.max_term_months):
        low, high = term_months, product.max_term_months
        while high - low > 1:
            mid = (low + high) // 2
            if fits(amount, mid):
                high = mid
            else:
                low = mid
        return amount, high, price(amount, high)
    # Else the largest amount (whole tens) at the requested term.
    floor = product.min_amount
    if not fits(floor, term_months):
        return None
    low, high = int(floor) // 10, int(amount) // 10
    while high - low > 1:
        mid = (low + high) // 2
        if fits(Decimal(mid * 10), term_months):
            low = mid
        else:
            high = mid
    best = max(Decimal(low * 10), floor)
    return best, term_months, price(best, term_months)


@dataclass(frozen=True)
class ApplicationInput:
    product: LoanProduct
    amount: Decimal
    term_months: int
    purpose: str
    monthly_income: Decimal
    monthly_debts: Decimal
    mla_covered: bool = False
    portfolio_id: int | None = None
    bank_account_id: int | None = None
    extra: dict = field(default_factory=dict)  # further declarations for the score (employment, housing...)


def _destination(*, user, portfolio_id: int | None, bank_account_id: int | None, product: LoanProduct):
    """(disburse_to, portfolio, bank_account) after checking the customer's own, usable account."""
    if (portfolio_id is None) == (bank_account_id is None):
        raise InvalidDestination(
            "give exactly one of portfolio_id or bank_account_id",
            errors={"portfolio_id": ["exactly one of portfolio_id or bank_account_id"]},
        )
    if portfolio_id is not None:
        from portfolios.models import PortfolioStatus
        from portfolios.selectors import portfolio_get_for_user

        if not product.portfolio_disbursement_allowed:
            raise InvalidDestination(
                "this product pays out only to a linked bank account",
                errors={"portfolio_id": ["not allowed for this product"]},
            )
        portfolio = portfolio_get_for_user(user=user, pk=portfolio_id)
        if portfolio.status != PortfolioStatus.OPEN:
            raise InvalidDestination("the portfolio is closed", errors={"portfolio_id": ["closed"]})
        return DisburseTo.PORTFOLIO, portfolio, None
    return DisburseTo.BANK_ACCOUNT, None, bank_account_verified(user=user, bank_account_id=bank_account_id)


def bank_account_verified(*, user, bank_account_id: int):
    """The customer's verified linked bank account (through trading)."""
    try:
        from trading.selectors import bank_account_verified_get
    except ImportError as exc:
        raise InvalidDestination(
            "linked bank accounts are not available", errors={"bank_account_id": ["unavailable"]}
        ) from exc
    return bank_account_verified_get(user=user, bank_account_id=bank_account_id)


def _has_delinquency(user) -> bool:
    return Loan.objects.filter(user=user, status__in=[S.DELINQUENT, S.CHARGED_OFF]).exists()


def _score_for(*, user, data: ApplicationInput):
    from credit.mapping import Application
    from credit.selectors import latest_valid_score
    from credit.services import credit_score_calculate

    score = latest_valid_score(user=user)
    if score is not None:
        return score
    extra = data.extra or {}
    application = Application(
        loan_amount=data.amount,
        loan_term_months=data.term_months,
        purpose=data.purpose,
        monthly_income=data.monthly_income,
        **{k: v for k, v in extra.items() if k in Application.__dataclass_fields__},
    )
    return credit_score_calculate(user=user, application=application)


def _fraud_event(*, loan_type: str, user, amount: Decimal, portfolio_id, bank_account_id, ip=None, user_agent=None):
    from fraud.events import MoneyMovementEvent

    return MoneyMovementEvent(
        customer=user,
        portfolio_id=portfolio_id,
        type=loan_type,
        method="internal" if portfolio_id else "ach",
        amount=quantize_cash(amount),
        asset=None,
        destination=f"portfolio:{portfolio_id}" if portfolio_id else f"bank_account:{bank_account_id}",
        occurred_at=_now(),
        ip=ip,
        user_agent=user_agent,
    )


def loan_apply(*, user, data: ApplicationInput, ip: str | None = None, user_agent: str | None = None) -> Loan:
    """Apply for a loan: checks (verified identity, no restriction, the customer's own account),
    then underwriting (the latest valid score, computed if none; DTI; delinquencies; fraud) and the
    automatic decision: approved with a priced offer, counteroffered, declined (with its adverse
    action notice) or under review for a loan officer."""
    from accounts.selectors import kyc_is_verified
    from fraud.services import assess

    product = data.product
    terms_validate(product=product, amount=data.amount, term_months=data.term_months)
    if data.monthly_income < 0 or data.monthly_debts < 0:
        raise InvalidTerms("income and debts cannot be negative", errors={"monthly_income": ["zero or more"]})
    if not kyc_is_verified(user=user):
        raise KycRequired()
    if user.restriction != Restriction.NONE:
        raise ApplicantRestricted()
    disburse_to, portfolio, bank_account = _destination(
        user=user, portfolio_id=data.portfolio_id, bank_account_id=data.bank_account_id, product=product
    )
    open_count = (
        Loan.objects.filter(user=user).exclude(status__in=[S.DECLINED, S.CANCELLED, S.REPAID, S.CHARGED_OFF]).count()
    )
    if open_count >= settings.LENDING_MAX_OPEN_LOANS:
        raise TooManyLoans()
    # Reads and writes of other apps before our transaction: the score keeps its own record, the
    # fraud decision is durable on its own.
    score = _score_for(user=user, data=data)
    decision = assess(
        _fraud_event(
            loan_type="loan_disbursement",
            user=user,
            amount=data.amount,
            portfolio_id=portfolio.pk if portfolio else None,
            bank_account_id=getattr(bank_account, "pk", None),
            ip=ip,
            user_agent=user_agent,
        )
    )
    now = _now()
    result = underwrite(
        product=product,
        amount=data.amount,
        term_months=data.term_months,
        score=score.score if score else None,
        score_reasons=list(score.reasons) if score else [],
        monthly_income=data.monthly_income,
        monthly_debts=data.monthly_debts,
        mla_covered=data.mla_covered,
        has_delinquency=_has_delinquency(user),
        fraud_flagged=not decision.allowed,
        start=_today(now),
    )
    with transaction.atomic():
        loan = Loan.objects.create(
            user=user,
            product=product,
            requested_amount=data.amount,
            requested_term_months=data.term_months,
            purpose=data.purpose,
            monthly_income=data.monthly_income,
            monthly_debts=data.monthly_debts,
            mla_covered=data.mla_covered,
            application=json.loads(json.dumps(data.extra or {}, default=str)),
            disburse_to=disburse_to,
            portfolio=portfolio,
            bank_account_id=getattr(bank_account, "pk", None),
            credit_score=score,
            score=score.score if score else None,
            score_reasons=list(score.reasons) if score else [],
            dti=result.dti,
            flags=result.flags,
            fraud_decision_id=decision.id,
        )
        _event(loan, "submitted", acting_user=user, to_status=S.SUBMITTED)
        _decide(loan, result, acting_user=None, now=now)
        loan.save()
        _attach_decision(decision.id, f"lending.loan:{loan.pk}:application")  # commits with the loan
    logger.info("loan_applied", loan_id=loan.pk, status=loan.status)
    return loan


def _attach_decision(decision_id: int, reference: str) -> None:
    from fraud.services import decision_attach_reference

    decision_attach_reference(decision_id=decision_id, reference=reference)


def _anchor_decision(loan: Loan) -> None:
    """Anchor a loan decision on the chain (in the transaction that records it); the payload holds
    no personal data."""
    from blockguardian.chain.services import anchor_record_enqueue

    from .selectors import loan_decision_anchor_payload

    anchor_record_enqueue(
        kind="loan_decision", record_id=f"{loan.pk}:{loan.status}", payload=loan_decision_anchor_payload(loan=loan)
    )


def _set_offer(loan: Loan, *, amount: Decimal, term_months: int, priced: Priced, now: dt.datetime) -> None:
    loan.offer_amount = amount
    loan.offer_term_months = term_months
    loan.annual_rate = priced.annual_rate
    loan.origination_fee = priced.origination_fee
    loan.apr = priced.terms.apr
    loan.mapr = priced.terms.mapr
    loan.offer_expires_at = now + dt.timedelta(days=settings.LENDING_OFFER_VALID_DAYS)


def _decide(loan: Loan, result: Underwriting, *, acting_user, now: dt.datetime) -> None:
    """Apply an underwriting result to a locked loan (the caller saves)."""
    if result.outcome in (S.APPROVED, S.COUNTEROFFERED):
        _set_offer(loan, amount=result.amount, term_months=result.term_months, priced=result.priced, now=now)
        if result.priced.mla_capped:
            loan.flags = [*loan.flags, "mla_capped"]
    loan.decision_reasons = result.reasons
    if result.outcome != S.UNDER_REVIEW:
        loan.decided_at = now
        loan.decided_by = acting_user
    _move(loan, result.outcome, acting_user=acting_user, reasons=[r["code"] for r in result.reasons])
    if result.outcome == S.DECLINED:
        _notice_create(loan, action=AdverseActionNotice.Action.DECLINED, action_at=now)
    if result.outcome != S.UNDER_REVIEW:
        loan.save()
        _anchor_decision(loan)


# --- officer decisions ----------------------------------------------------------------------------


@transaction.atomic
def loan_review_record(*, loan: Loan, officer, note: str = "") -> Loan:
    """A loan officer records a review (a submitted application goes under review). The reviewer
    is remembered for the four-eyes rule."""
    loan = _locked(loan)
    if loan.status == S.SUBMITTED:
        _move(loan, S.UNDER_REVIEW, acting_user=officer, note=note[:500])
    elif loan.status != S.UNDER_REVIEW:
        raise LoanStateError(f"a loan that is {loan.status} is not awaiting review")
    else:
        _event(loan, "reviewed", acting_user=officer, note=note[:500])
    if loan.reviewed_by_id is None:
        loan.reviewed_by = officer
    loan.save()
    return loan


def _four_eyes(loan: Loan, *, officer, amount: Decimal) -> None:
    if amount > loan.product.second_approval_limit and (
        loan.reviewed_by_id is None or loan.reviewed_by_id == officer.pk
    ):
        raise FourEyesRequired()


def _officer_offer(loan: Loan, *, officer, amount, term_months, annual_rate, outcome: str, reasons: list[dict]) -> Loan:
    if loan.status not in (S.SUBMITTED, S.UNDER_REVIEW):
        raise LoanStateError(f"a loan that is {loan.status} cannot be decided")
    amount = quantize_cash(amount if amount is not None else (loan.offer_amount or loan.requested_amount))
    term_months = int(term_months or loan.offer_term_months or loan.requested_term_months)
    terms_validate(product=loan.product, amount=amount, term_months=term_months)
    _four_eyes(loan, officer=officer, amount=amount)
    if annual_rate is None:
        annual_rate = loan.annual_rate or rate_for_score(product=loan.product, score=loan.score)
    if annual_rate is None:
        raise InvalidTerms("give the annual rate (the score reaches no band)", errors={"annual_rate": ["required"]})
    now = _now()
    priced = terms_price(
        product=loan.product,
        amount=amount,
        term_months=term_months,
        annual_rate=Decimal(annual_rate),
        start=_today(now),
        mla_covered=loan.mla_covered,
    )
    result = Underwriting(outcome, reasons=reasons, amount=amount, term_months=term_months, priced=priced)
    _decide(loan, result, acting_user=officer, now=now)
    loan.save()
    return loan


@transaction.atomic
def loan_officer_approve(*, loan: Loan, officer, amount=None, term_months=None, annual_rate=None) -> Loan:
    """Approve with terms (default: the requested amount and term at the score's rate)."""
    loan = _locked(loan)
    return _officer_offer(
        loan,
        officer=officer,
        amount=amount if amount is not None else loan.requested_amount,
        term_months=term_months or loan.requested_term_months,
        annual_rate=annual_rate,
        outcome=S.APPROVED,
        reasons=[],
    )


@transaction.atomic
def loan_officer_counteroffer(
    *, loan: Loan, officer, amount, term_months, reasons: list[str], annual_rate=None
) -> Loan:
    """Offer other terms, with the principal reasons the requested ones were not offered."""
    codes = _reason_codes(reasons)
    return _officer_offer(
        _locked(loan),
        officer=officer,
        amount=amount,
        term_months=term_months,
        annual_rate=annual_rate,
        outcome=S.COUNTEROFFERED,
        reasons=codes,
    )


def _reason_codes(reasons: list[str]) -> list[dict]:
    unknown = [r for r in reasons if r not in REASONS]
    if not reasons or unknown:
        raise InvalidTerms(
            f"give one or more reasons among {', '.join(REASONS)}", errors={"reasons": unknown or ["required"]}
        )
    return [_reason(r) for r in dict.fromkeys(reasons)]


@transaction.atomic
def loan_officer_decline(*, loan: Loan, officer, reasons: list[str]) -> Loan:
    """Decline with the actual principal reasons; the adverse action notice is generated at once
    (the score's key factors are added when the score is among the reasons)."""
    loan = _locked(loan)
    if loan.status not in (S.SUBMITTED, S.UNDER_REVIEW):
        raise LoanStateError(f"a loan that is {loan.status} cannot be declined")
    codes = _reason_codes(reasons)
    if "credit_score_below_minimum" in reasons:
        codes.extend(_score_reasons(loan.score_reasons))
    result = Underwriting(S.DECLINED, reasons=codes)
    _decide(loan, result, acting_user=officer, now=_now())
    loan.save()
    return loan


# --- adverse action notice ------------------------------------------------------------------------


def _notice_create(loan: Loan, *, action: str, action_at: dt.datetime) -> AdverseActionNotice:
    existing = AdverseActionNotice.objects.filter(loan=loan).first()
    if existing is not None:
        return existing
    now = _now()
    score = loan.credit_score
    content = {
        "action": action,
        "action_taken_on": action_at.date().isoformat(),
        "applied_for": {"amount": str(loan.requested_amount), "term_months": loan.requested_term_months},
        "principal_reasons": [{"code": r["code"], "text": r["text"]} for r in loan.decision_reasons][:6],
        "ecoa_notice": ECOA_NOTICE,
        "creditor": {"name": settings.LENDING_CREDITOR_NAME, "address": settings.LENDING_CREDITOR_ADDRESS},
        "regulator": settings.LENDING_REGULATOR,
        "credit_score": None
        if score is None
        else {
            "score": score.score,
            "range": {"low": 300, "high": 850},
            "scored_on": score.scored_at.date().isoformat(),
            "key_factors": _score_reasons(loan.score_reasons),
            "source": settings.LENDING_CREDITOR_NAME,
            "disclosure": SCORE_DISCLOSURE,
        },
    }
    if action == AdverseActionNotice.Action.COUNTEROFFER_NOT_ACCEPTED:
        content["counteroffer"] = {"amount": str(loan.offer_amount), "term_months": loan.offer_term_months}
    notice = AdverseActionNotice.objects.create(
        loan=loan,
        action=action,
        action_taken_at=action_at,
        generated_at=now,
        due_by=action_at + dt.timedelta(days=settings.LENDING_ADVERSE_ACTION_DAYS),
        content=content,
    )
    _event(loan, "adverse_action_notice", action=action)
    return notice


def counteroffers_expired_notify(*, now: dt.datetime | None = None) -> int:
    """Adverse action notices for counteroffers not accepted within their validity (idempotent)."""
    now = now or _now()
    ids = list(
        Loan.objects.filter(status=S.COUNTEROFFERED, offer_expires_at__lte=now, adverse_action_notice__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in ids:
        with transaction.atomic():
            loan = _locked(pk)
            if loan.status == S.COUNTEROFFERED and loan.offer_expires_at <= now:
                _notice_create(
                    loan, action=AdverseActionNotice.Action.COUNTEROFFER_NOT_ACCEPTED, action_at=loan.offer_expires_at
                )
    return len(ids)


# --- disclosure, acceptance, cancellation ---------------------------------------------------------


def _canonical(content: dict) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def disclosure_content(loan: Loan, *, start: dt.date) -> dict:
    product = loan.product
    terms = T.terms_compute(
        principal=loan.offer_amount,
        annual_rate=loan.annual_rate,
        term_months=loan.offer_term_months,
        start=start,
        amortization=product.amortization,
        day_count=product.day_count,
        origination_fee=loan.origination_fee,
    )
    return {
        "creditor": settings.LENDING_CREDITOR_NAME,
        "loan_id": loan.pk,
        "start_date": start.isoformat(),
        "annual_percentage_rate": str(terms.apr.quantize(Decimal("0.01"))),
        "finance_charge": str(terms.finance_charge),
        "amount_financed": str(terms.amount_financed),
        "total_of_payments": str(terms.total_of_payments),
        "principal": str(loan.offer_amount),
        "origination_fee": str(terms.origination_fee),
        "note_rate": str((loan.annual_rate * 100).quantize(Decimal("0.01"))),
        "military_apr": str(terms.mapr.quantize(Decimal("0.01"))) if loan.mla_covered else None,
        "amortization": product.amortization,
        "day_count": product.day_count,
        "payment_schedule": [
            {
                "number": r.number,
                "due_date": r.due_date.isoformat(),
                "payment": str(r.amount_due),
                "principal": str(r.principal),
                "interest": str(r.interest),
                "balance": str(r.balance),
            }
            for r in terms.schedule.rows
        ],
        "late_charge": (
            f"If a payment is more than {product.grace_days} days late, you will be charged {product.late_fee}."
            if product.late_fee > 0
            else "No late charge."
        ),
        "prepayment": "If you pay off early, you will not have to pay a penalty; there is no refund of the "
        "origination fee. Interest accrues on the scheduled balance; a prepayment recomputes the remaining "
        "installments.",
        "security": "None.",
        "assumption": "Someone buying your property cannot assume this loan.",
    }


@transaction.atomic
def loan_disclosure_current(*, loan: Loan, on: dt.date | None = None) -> LoanDisclosure:
    """The Truth in Lending disclosure: for an open offer, the one for disbursement today (made
    when the offer or the date changed); afterwards, the one accepted."""
    loan = _locked(loan)
    if loan.accepted_disclosure_id is not None:
        return loan.accepted_disclosure
    if loan.status not in (S.APPROVED, S.COUNTEROFFERED):
        raise LoanStateError(f"a loan that is {loan.status} has no offer to disclose")
    on = on or _today()
    content = disclosure_content(loan, start=on)
    digest = _canonical(content)
    latest = loan.disclosures.order_by("-id").first()
    if latest is not None and latest.digest == digest:
        return latest
    return LoanDisclosure.objects.create(loan=loan, start_date=on, content=content, digest=digest)


@transaction.atomic
def loan_accept(*, loan: Loan, user, disclosure_id: int) -> Loan:
    """Accept an approved offer or a counteroffer, quoting the disclosure shown (it must be the
    current one for today). Disbursement follows (`loan_disburse`)."""
    loan = _locked(loan)
    if loan.status not in (S.APPROVED, S.COUNTEROFFERED):
        raise LoanStateError(f"a loan that is {loan.status} cannot be accepted")
    now = _now()
    if loan.offer_expires_at and loan.offer_expires_at <= now:
        raise OfferExpired()
    if loan.blocked_at is not None or user.restriction in (Restriction.FROZEN, Restriction.BLOCKED):
        raise LoanHeld()
    latest = loan.disclosures.order_by("-id").first()
    if latest is None or latest.pk != disclosure_id or latest.start_date != _today(now):
        raise DisclosureNotCurrent()
    if latest.digest != _canonical(disclosure_content(loan, start=latest.start_date)):
        raise DisclosureNotCurrent()
    loan.accepted_at = now
    loan.accepted_disclosure = latest
    _move(loan, S.ACCEPTED, acting_user=user, disclosure_id=latest.pk, digest=latest.digest)
    loan.save()
    return loan


@transaction.atomic
def loan_cancel(*, loan: Loan, acting_user, reason: str = "cancelled by the customer") -> Loan:
    """Cancel before disbursement."""
    loan = _locked(loan)
    if loan.status not in UNDISBURSED:
        raise LoanStateError(f"a loan that is {loan.status} cannot be cancelled")
    loan.cancelled_at = _now()
    _move(loan, S.CANCELLED, acting_user=acting_user, reason=reason[:200])
    loan.save()
    return loan


# --- disbursement ---------------------------------------------------------------------------------


def _installments_create(loan: Loan, schedule: T.Schedule) -> None:
    created = Installment.objects.bulk_create(
        [
            Installment(
                loan=loan,
                number=r.number,
                due_date=r.due_date,
                payment=r.payment,
                principal=r.principal,
                interest=r.interest,
                balance=r.balance,
            )
            for r in schedule.rows
        ]
    )
    audit_bulk_created(instances=created)


def loan_disburse(
    *, loan: Loan, acting_user=None, fraud_cleared: bool = False, ip: str | None = None, user_agent: str | None = None
) -> Loan:
    """Pay out an accepted loan: the fraud check first (outside any transaction; a review or a block
    holds the disbursement for staff, who disburse with `fraud_cleared`), then in one transaction
    the schedule, the move to active, and the cash (portfolio cash, or an ACH credit to the linked
    bank account through trading). Fraud is told after commit."""
    from fraud.services import assess

    loan = Loan.objects.select_related("product", "user").get(pk=loan.pk)
    if loan.status != S.ACCEPTED:
        raise LoanStateError(f"a loan that is {loan.status} cannot be disbursed")
    if loan.blocked_at is not None:
        raise LoanHeld()
    proceeds = loan.offer_amount - (loan.origination_fee or ZERO)
    event = _fraud_event(
        loan_type="loan_disbursement",
        user=loan.user,
        amount=proceeds,
        portfolio_id=loan.portfolio_id,
        bank_account_id=loan.bank_account_id,
        ip=ip,
        user_agent=user_agent,
    )
    decision = None
    if not fraud_cleared:
        decision = assess(event)
        if not decision.allowed:
            with transaction.atomic():
                locked = _locked(loan)
                if "disbursement_fraud_hold" not in locked.flags:
                    locked.flags = [*locked.flags, "disbursement_fraud_hold"]
                _event(locked, "disbursement_held", decision_id=decision.id)
                locked.save(update_fields=["flags", "updated_at"])
            return locked
    bank_account = (
        bank_account_verified(user=loan.user, bank_account_id=loan.bank_account_id)
        if loan.disburse_to == DisburseTo.BANK_ACCOUNT
        else None
    )
    reference = f"lending.loan:{loan.pk}:disbursement"
    with transaction.atomic():
        loan = _locked(loan)
        if loan.status != S.ACCEPTED:
            raise LoanStateError(f"a loan that is {loan.status} cannot be disbursed")
        if loan.blocked_at is not None:
            raise LoanHeld()
        now = _now()
        today = _today(now)
        disclosure = loan.accepted_disclosure
        if disclosure is not None and disclosure.start_date == today:
            start = disclosure.start_date
        else:
            start = today  # a held disbursement released later: the schedule runs from the payout
        schedule = T.schedule_build(
            principal=loan.offer_amount,
            annual_rate=loan.annual_rate,
            start=start,
            term_months=loan.offer_term_months,
            amortization=loan.product.amortization,
            day_count=loan.product.day_count,
        )
        _installments_create(loan, schedule)
        loan.principal_balance = loan.offer_amount
        loan.disbursed_at = now
        loan.disbursement_reference = reference
        loan.flags = [f for f in loan.flags if f != "disbursement_fraud_hold"]
        _move(loan, S.ACTIVE, acting_user=acting_user, kind="disbursed", proceeds=str(proceeds), start=start)
        loan.save()
        memo = f"loan {loan.pk} proceeds"
        if bank_account is None:
            from portfolios.services import loan_cash_disburse

            loan_cash_disburse(
                portfolio=loan.portfolio_id,
                amount=proceeds,
                executed_at=now,
                reference=reference,
                memo=memo,
                acting_user=acting_user,
            )
        else:
            from trading.services import bank_disbursement_send

            bank_disbursement_send(bank_account=bank_account, amount=proceeds, reference=reference, memo=memo)
        _fraud_record_after_commit(event.with_reference(reference))
        if decision is not None:
            transaction.on_commit(lambda: _attach_decision(decision.id, reference))
    logger.info("loan_disbursed", loan_id=loan.pk)
    return loan


def _fraud_record_after_commit(event) -> None:
    from fraud.events import event_to_payload

    outbox_enqueue(task="fraud.record_movement", payload=event_to_payload(event))


# --- repayment ------------------------------------------------------------------------------------


def _open_rows(loan: Loan, *, lock: bool = False) -> tuple[list[Installment], list[LateFee]]:
    rows = Installment.objects.filter(loan=loan).order_by("number")
    fees = LateFee.objects.filter(loan=loan).order_by("pk")
    if lock:
        rows, fees = rows.select_for_update(), fees.select_for_update()
    return list(rows), list(fees)


def _split(rows: list[Installment], on: dt.date) -> tuple[list[Installment], Installment | None, list[Installment]]:
    """(past due, current, later) of the unpaid installments on `on`."""
    unpaid = [r for r in rows if r.left > 0]
    past = [r for r in unpaid if r.due_date < on]
    rest = [r for r in unpaid if r.due_date >= on]
    return past, (rest[0] if rest else None), rest[1:]


def _recovered(loan: Loan) -> Decimal:
    recoveries = Repayment.objects.filter(loan=loan, is_recovery=True, returned_at__isnull=True)
    return recoveries.aggregate(s=Sum("amount"))["s"] or ZERO


def payoff_amount(*, loan: Loan, on: dt.date | None = None) -> Decimal:
    """What pays the loan off on `on`: past-due installments, the current installment's interest,
    all principal left, and unpaid late fees. After charge-off: what was charged off, less
    recoveries."""
    on = on or _today()
    if loan.status == S.CHARGED_OFF:
        return max((loan.charged_off_amount or ZERO) - _recovered(loan), ZERO)
    if loan.status not in SERVICED:
        return ZERO
    rows, fees = _open_rows(loan)
    past, current, later = _split(rows, on)
    owed = sum((r.left for r in past), ZERO)
    if current is not None:
        owed += current.left
    owed += sum((r.principal_left for r in later), ZERO)
    owed += sum((f.left for f in fees), ZERO)
    return owed


def amount_due(*, loan: Loan, on: dt.date | None = None) -> Decimal:
    """Past due plus the current installment plus unpaid fees (what keeps the loan current)."""
    on = on or _today()
    if loan.status not in SERVICED:
        return ZERO
    rows, fees = _open_rows(loan)
    past, current, _later = _split(rows, on)
    due = sum((r.left for r in past), ZERO) + sum((f.left for f in fees), ZERO)
    return due + (current.left if current is not None and current.due_date == on else ZERO)


def _allocate(
    *, order: list[str], amount: Decimal, past, current, fees
) -> tuple[dict[str, Decimal], Decimal, list[list]]:
    """Apply `amount` bucket by bucket (mutating the rows); returns (applied per bucket, excess,
    what went to each row: [kind, id, field, amount], so a returned payment can be unwound)."""
    left = amount
    applied = dict.fromkeys(order, ZERO)
    detail: list[list] = []

    def take(bucket: str, row, attr_paid: str, owed: Decimal) -> None:
        nonlocal left
        part = min(left, owed)
        if part > 0:
            setattr(row, attr_paid, getattr(row, attr_paid) + part)
            applied[bucket] += part
            left -= part
            kind = "fee" if isinstance(row, LateFee) else "installment"
            detail.append([kind, row.pk, attr_paid, str(part)])

    for bucket in order:
        if bucket == "past_due_interest":
            for r in past:
                take(bucket, r, "interest_paid", r.interest_left)
        elif bucket == "past_due_principal":
            for r in past:
                take(bucket, r, "principal_paid", r.principal_left)
        elif bucket == "current_interest" and current is not None:
            take(bucket, current, "interest_paid", current.interest_left)
        elif bucket == "current_principal" and current is not None:
            take(bucket, current, "principal_paid", current.principal_left)
        elif bucket == "fees":
            for f in fees:
                take(bucket, f, "paid", f.left)
    return applied, left, detail


def _days_past_due(rows: list[Installment], on: dt.date) -> int:
    past = [r for r in rows if r.left > 0 and r.due_date < on]
    return (on - past[0].due_date).days if past else 0


def _bucket(days: int) -> str:
    edges = settings.LENDING_DELINQUENCY_BUCKETS
    if days < edges[0]:
        return ""
    labels = [f"{a}-{b - 1}" for a, b in zip(edges, edges[1:], strict=False)] + [f"{edges[-1]}+"]
    for edge, label in reversed(list(zip(edges, labels, strict=True))):
        if days >= edge:
            return label
    return ""


def _credit_event(loan: Loan, *, kind: str, amount: Decimal, at: dt.datetime, reference: str) -> None:
    from credit.services import credit_event_record

    credit_event_record(user=loan.user, kind=kind, amount=amount, occurred_at=at, reference=reference)


def loan_repay(
    *,
    loan: Loan,
    user,
    amount: Decimal,
    portfolio_id: int | None = None,
    bank_account_id: int | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
    now: dt.datetime | None = None,
) -> Repayment:
    """Repay from portfolio cash or the linked bank account. The amount is applied in the product's
    allocation order; what is left after the amounts due prepays principal, and the remaining
    installments are recomputed (same dates, same rate). More than the payoff is refused (422),
    as is a payment the cash does not cover (422); nothing changes then. After charge-off a
    payment is a recovery."""
    from fraud.services import assess, customer_message

    now = now or _now()
    on = _today(now)
    amount = quantize_cash(amount)
    if amount <= 0:
        raise InvalidTerms("the amount must be positive", errors={"amount": ["positive"]})
    loan = Loan.objects.select_related("product", "user").get(pk=loan.pk)
    if loan.status not in (*SERVICED, S.CHARGED_OFF):
        raise LoanStateError(f"a loan that is {loan.status} takes no repayment")
    owed = payoff_amount(loan=loan, on=on)
    if amount > owed:
        raise Overpayment(f"{amount} is more than the {owed} owed", errors={"amount": [f"at most {owed}"]})
    if (portfolio_id is None) == (bank_account_id is None):
        raise InvalidDestination(
            "give exactly one of portfolio_id or bank_account_id", errors={"portfolio_id": ["exactly one"]}
        )
    bank_account = None
    if portfolio_id is not None:
        from portfolios.selectors import portfolio_get_for_user

        portfolio_get_for_user(user=user, pk=portfolio_id)
    else:
        bank_account = bank_account_verified(user=user, bank_account_id=bank_account_id)
    event = _fraud_event(
        loan_type="loan_repayment",
        user=user,
        amount=amount,
        portfolio_id=portfolio_id,
        bank_account_id=bank_account_id,
        ip=ip,
        user_agent=user_agent,
    )
    decision = assess(event)
    if decision.blocked:
        raise RequestRefused(customer_message(decision))
    with transaction.atomic():
        loan = _locked(loan)
        if loan.status not in (*SERVICED, S.CHARGED_OFF):
            raise LoanStateError(f"a loan that is {loan.status} takes no repayment")
        owed = payoff_amount(loan=loan, on=on)
        if amount > owed:
            raise Overpayment(f"{amount} is more than the {owed} owed", errors={"amount": [f"at most {owed}"]})
        repayment = Repayment.objects.create(
            loan=loan,
            amount=amount,
            source=RepaymentSource.PORTFOLIO if portfolio_id else RepaymentSource.BANK_ACCOUNT,
            portfolio_id=portfolio_id,
            bank_account_id=bank_account_id,
            received_at=now,
            is_recovery=loan.status == S.CHARGED_OFF,
            reference=f"lending.loan:{loan.pk}:repayment:{Repayment.objects.filter(loan=loan).count() + 1}",
        )
        repayment.reference = f"lending.repayment:{repayment.pk}"
        if repayment.is_recovery:
            repayment.allocation = {"recovery": str(amount)}
            _event(loan, "recovery", acting_user=user, amount=str(amount))
            _credit_event(loan, kind="recovery", amount=amount, at=now, reference=repayment.reference)
        else:
            repayment.allocation = _apply_payment(loan, amount=amount, on=on, acting_user=user)
            _credit_event(loan, kind="repayment", amount=amount, at=now, reference=repayment.reference)
        memo = f"loan {loan.pk} repayment"
        if bank_account is None:
            from portfolios.services import loan_cash_repay

            entry = loan_cash_repay(
                portfolio=portfolio_id, amount=amount, executed_at=now, reference=repayment.reference, memo=memo
            )
            repayment.external_id = f"journal_entry:{entry.pk}"
        else:
            from trading.services import bank_repayment_collect

            txn = bank_repayment_collect(
                bank_account=bank_account, amount=amount, reference=repayment.reference, memo=memo
            )
            repayment.external_id = f"trading.transaction:{txn.pk}"
        repayment.save(update_fields=["reference", "allocation", "external_id"])
        _fraud_record_after_commit(event.with_reference(repayment.reference))
        reference = repayment.reference
        transaction.on_commit(lambda: _attach_decision(decision.id, reference))
    return repayment


def _apply_payment(loan: Loan, *, amount: Decimal, on: dt.date, acting_user) -> dict:
    rows, fees = _open_rows(loan, lock=True)
    past, current, later = _split(rows, on)
    order = list(loan.product.allocation_order)
    applied, excess, detail = _allocate(order=order, amount=amount, past=past, current=current, fees=fees)
    principal_paid = applied.get("past_due_principal", ZERO) + applied.get("current_principal", ZERO)
    prepaid = ZERO
    if excess > 0:
        prepaid = excess
        _prepay(loan, later=later, current=current, rows=rows, amount=excess)
    principal_paid += prepaid
    for r in rows:
        if r.left == 0 and r.paid_on is None:
            r.paid_on = on
        r.save()
    for f in fees:
        f.save(update_fields=["paid"])
    loan.principal_balance -= principal_paid
    days = _days_past_due(rows, on)
    loan.days_past_due = days
    loan.delinquency_bucket = _bucket(days)
    allocation = {k: str(v) for k, v in applied.items()}
    allocation["prepaid_principal"] = str(prepaid)
    _event(loan, "repayment", acting_user=acting_user, amount=str(amount), allocation=allocation)
    allocation["applied"] = detail
    if all(r.left == 0 for r in rows) and all(f.left == 0 for f in fees):
        loan.repaid_at = _now()
        loan.delinquency_bucket = ""
        _move(loan, S.REPAID, acting_user=acting_user)
    elif loan.status == S.DELINQUENT and days == 0:
        _move(loan, S.ACTIVE, acting_user=acting_user, kind="cured")
    loan.save()
    return allocation


def _prepay(loan: Loan, *, later: list[Installment], current: Installment | None, rows, amount: Decimal) -> None:
    """Reduce the principal of the installments after the current one by `amount` and recompute
    them over the same dates."""
    remaining = sum((r.principal for r in later), ZERO) - amount
    paid_rows = [r for r in rows if r.due_date < later[0].due_date] if later else rows
    period_start = paid_rows[-1].due_date if paid_rows else loan.disbursed_at.date()
    new_rows = T.reamortize(
        balance=remaining,
        annual_rate=loan.annual_rate,
        period_start=period_start,
        dates=[r.due_date for r in later],
        amortization=loan.product.amortization,
        day_count=loan.product.day_count,
    )
    for row, new in zip(later, new_rows, strict=True):
        row.payment, row.principal, row.interest, row.balance = new.payment, new.principal, new.interest, new.balance


def repayment_return(*, reference: str, return_code: str) -> Repayment | None:
    """The bank returned the ACH debit of a repayment (trading's `ach_returned`): its application
    is unwound (each installment and fee gets back what it had from it; a prepayment goes back on
    the principal and the later installments are recomputed), a repaid loan is open again, and days
    past due are recounted. Idempotent; None when the reference is not a repayment of ours."""
    with transaction.atomic():
        found = Repayment.objects.filter(reference=reference).first()
        if found is None:
            return None
        loan = _locked(found.loan_id)
        repayment = Repayment.objects.select_for_update().get(pk=found.pk)
        if repayment.returned_at is not None:
            return repayment
        now = _now()
        on = _today(now)
        if not repayment.is_recovery:
            rows, fees = _open_rows(loan, lock=True)
            by_id = {("installment", r.pk): r for r in rows} | {("fee", f.pk): f for f in fees}
            principal_back = ZERO
            for kind, pk, attr, part in repayment.allocation.get("applied", []):
                obj = by_id[(kind, pk)]
                setattr(obj, attr, getattr(obj, attr) - Decimal(part))
                if attr == "principal_paid":
                    principal_back += Decimal(part)
            prepaid = Decimal(repayment.allocation.get("prepaid_principal", "0"))
            if prepaid > 0:
                # The installments that prepayment recomputed and nothing has paid since.
                paid_on_day = _today(repayment.received_at)
                untouched = [
                    r for r in rows if r.principal_paid == 0 and r.interest_paid == 0 and r.due_date > paid_on_day
                ]
                if untouched:
                    _prepay(loan, later=untouched, current=None, rows=rows, amount=-prepaid)
                else:  # every later installment has had money since: the last one carries it
                    rows[-1].principal += prepaid
                    rows[-1].payment += prepaid
                principal_back += prepaid
            for r in rows:
                if r.left > 0:
                    r.paid_on = None
                r.save()
            for f in fees:
                f.save(update_fields=["paid"])
            loan.principal_balance += principal_back
            days = _days_past_due(rows, on)
            loan.days_past_due, loan.delinquency_bucket = days, _bucket(days)
            if loan.status == S.REPAID:
                loan.repaid_at = None
                _move(loan, S.DELINQUENT if days else S.ACTIVE, kind="reopened_payment_returned")
            elif loan.status == S.ACTIVE and days:
                _move(loan, S.DELINQUENT, days_past_due=days)
        repayment.returned_at = now
        repayment.return_code = (return_code or "")[:8]
        repayment.save(update_fields=["returned_at", "return_code"])
        _event(loan, "repayment_returned", repayment=repayment.pk, amount=str(repayment.amount), code=return_code)
        loan.save()
        return repayment


# --- servicing ------------------------------------------------------------------------------------


def _timely_full_payment(loan: Loan, row: Installment, rows: list[Installment], grace_days: int) -> bool:
    """Whether the customer paid this installment in full and on time (within the grace period)
    while every earlier installment's principal and interest was paid: then its shortfall can only
    be an earlier late fee taken from the payment, and no late fee is charged (no pyramiding)."""
    previous = [r for r in rows if r.number < row.number]
    if any(r.left > 0 for r in previous):
        return False
    start = previous[-1].due_date if previous else loan.disbursed_at.date()
    window_end = row.due_date + dt.timedelta(days=grace_days)
    paid = ZERO
    for repayment in loan.repayments.filter(is_recovery=False):
        day = _today(repayment.received_at)
        if start < day <= window_end:
            paid += repayment.amount
    return paid >= row.amount_due


def loan_service(*, loan: Loan | int, on: dt.date) -> Loan:
    """One loan's daily servicing on `on` (idempotent): late fees after the grace period (once per
    installment, never pyramided), days past due and the delinquency bucket, active <-> delinquent,
    charge-off at the configured days past due; each fact goes to the credit record."""
    with transaction.atomic():
        loan = _locked(loan)
        if loan.status not in SERVICED:
            return loan
        product = loan.product
        rows, fees = _open_rows(loan, lock=True)
        fee_rows = {f.installment_id for f in fees}
        at = timezone.make_aware(dt.datetime.combine(on, dt.time(12)), timezone.get_default_timezone())
        for row in rows:
            late_from = row.due_date + dt.timedelta(days=product.grace_days)
            if row.left > 0 and on > late_from and row.pk not in fee_rows and product.late_fee > 0:
                if _timely_full_payment(loan, row, rows, product.grace_days):
                    continue
                LateFee.objects.create(loan=loan, installment=row, amount=product.late_fee, assessed_on=on)
                _event(loan, "late_fee", installment=row.number, amount=str(product.late_fee))
                _credit_event(
                    loan, kind="late_payment", amount=row.left, at=at, reference=f"lending.installment:{row.pk}:late"
                )
        days = _days_past_due(rows, on)
        bucket = _bucket(days)
        if bucket != loan.delinquency_bucket:
            _event(loan, "delinquency_bucket", days_past_due=days, bucket=bucket, previous=loan.delinquency_bucket)
            if days >= settings.LENDING_DELINQUENCY_REPORT_DAYS:
                first = next(r for r in rows if r.left > 0 and r.due_date < on)
                _credit_event(
                    loan,
                    kind="delinquency",
                    amount=sum((r.left for r in rows if r.due_date < on), ZERO),
                    at=at,
                    reference=f"lending.loan:{loan.pk}:delinquency:{first.number}:{bucket}",
                )
        loan.days_past_due, loan.delinquency_bucket = days, bucket
        if days >= 1 and loan.status == S.ACTIVE:
            _move(loan, S.DELINQUENT, days_past_due=days)
        elif days == 0 and loan.status == S.DELINQUENT:
            _move(loan, S.ACTIVE, kind="cured")
        loan.serviced_on = on
        if days >= settings.LENDING_CHARGE_OFF_DAYS:
            _charge_off(loan, reason=ChargeOffReason.DAYS_PAST_DUE, acting_user=None, on=on)
        loan.save()
        return loan


def _charge_off(loan: Loan, *, reason: str, acting_user, on: dt.date) -> None:
    amount = payoff_amount(loan=loan, on=on)
    loan.charged_off_amount = amount
    loan.charged_off_at = _now()
    loan.charge_off_reason = reason
    _move(loan, S.CHARGED_OFF, acting_user=acting_user, reason=reason, amount=str(amount))
    _credit_event(
        loan, kind="charge_off", amount=amount, at=loan.charged_off_at, reference=f"lending.loan:{loan.pk}:charge_off"
    )


@transaction.atomic
def loan_charge_off(*, loan: Loan, officer, reason: str) -> Loan:
    """An officer charges a loan off before 120 days: bankruptcy, fraud or death."""
    if reason not in (ChargeOffReason.BANKRUPTCY, ChargeOffReason.FRAUD, ChargeOffReason.DEATH):
        raise InvalidTerms("reason must be bankruptcy, fraud or death", errors={"reason": [reason]})
    loan = _locked(loan)
    if loan.status not in SERVICED:
        raise LoanStateError(f"a loan that is {loan.status} cannot be charged off")
    _charge_off(loan, reason=reason, acting_user=officer, on=_today())
    loan.save()
    return loan


def loans_service_daily(*, on: dt.date | None = None) -> dict[str, int]:
    """The daily job: every serviced loan, one transaction each; then expired counteroffers."""
    on = on or _today()
    ids = list(
        Loan.objects.filter(status__in=SERVICED)
        .filter(Q(serviced_on__isnull=True) | Q(serviced_on__lte=on))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in ids:
        loan_service(loan=pk, on=on)
    notices = counteroffers_expired_notify()
    return {"serviced": len(ids), "notices": notices}


# --- restrictions ---------------------------------------------------------------------------------


@transaction.atomic
def loans_hold_for_blocked_customer(*, user_id) -> int:
    """A blocked customer's undisbursed loans are held: never disbursed while blocked (idempotent)."""
    now = _now()
    count = 0
    for loan in (
        Loan.objects.select_for_update().filter(user_id=user_id, status__in=UNDISBURSED, blocked_at=None).order_by("pk")
    ):
        loan.blocked_at = now
        _event(loan, "held_customer_blocked")
        loan.save(update_fields=["blocked_at", "updated_at"])
        count += 1
    return count


@transaction.atomic
def loans_release_for_unblocked_customer(*, user_id) -> int:
    count = 0
    for loan in Loan.objects.select_for_update().filter(user_id=user_id, blocked_at__isnull=False).order_by("pk"):
        loan.blocked_at = None
        _event(loan, "hold_released")
        loan.save(update_fields=["blocked_at", "updated_at"])
        count += 1
    return count
