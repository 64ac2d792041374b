"""Loan products, loans (one record from application to payoff), their schedules, disclosures,
adverse action notices, repayments, late fees and the event trail.

Written only by `lending.services`. Financial rows (repayments, fees, events) are append-only;
installments change only through the services (payments applied, a prepayment's recomputation).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from blockguardian.money import Currency, MoneyField

from .terms import Amortization, DayCount

DEFAULT_ALLOCATION_ORDER = [
    "past_due_interest",
    "past_due_principal",
    "current_interest",
    "current_principal",
    "fees",
]
ALLOCATION_BUCKETS = frozenset(DEFAULT_ALLOCATION_ORDER)


def default_allocation_order() -> list[str]:
    return list(DEFAULT_ALLOCATION_ORDER)


def default_rate_grid() -> list[dict]:
    return [
        {"min_score": 740, "annual_rate": "0.0799"},
        {"min_score": 670, "annual_rate": "0.1299"},
        {"min_score": 580, "annual_rate": "0.1999"},
    ]


class LoanProduct(models.Model):
    """A loan product as the lending officers define it (admin-managed)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.USD)
    is_active = models.BooleanField(default=True)
    min_amount = MoneyField()
    max_amount = MoneyField()
    min_term_months = models.PositiveSmallIntegerField()
    max_term_months = models.PositiveSmallIntegerField()
    amortization = models.CharField(
        max_length=24,
        choices=[(a.value, a.value.replace("_", " ")) for a in Amortization],
        default=Amortization.EQUAL_INSTALLMENTS,
    )
    day_count = models.CharField(
        max_length=12, choices=[(d.value, d.value) for d in DayCount], default=DayCount.THIRTY_360
    )
    # [{"min_score": 740, "annual_rate": "0.0799"}, ...]: the rate of the highest band the score
    # reaches; a score below every band is declined.
    rate_grid = models.JSONField(default=default_rate_grid)
    origination_fee_rate = models.DecimalField(max_digits=6, decimal_places=4, default=Decimal("0"))
    origination_fee_flat = MoneyField(default=Decimal("0"))
    late_fee = MoneyField(default=Decimal("0"))
    grace_days = models.PositiveSmallIntegerField(default=15)
    max_dti = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("0.4300"))
    allocation_order = models.JSONField(default=default_allocation_order)
    second_approval_limit = MoneyField(default=Decimal("25000"))
    portfolio_disbursement_allowed = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_amount__gt=0) & Q(max_amount__gte=models.F("min_amount")),
                name="lending_product_amount_range",
            ),
            models.CheckConstraint(
                condition=Q(min_term_months__gte=1) & Q(max_term_months__gte=models.F("min_term_months")),
                name="lending_product_term_range",
            ),
            models.CheckConstraint(condition=Q(max_dti__gt=0) & Q(max_dti__lte=1), name="lending_product_dti_is_share"),
            models.CheckConstraint(
                condition=Q(origination_fee_rate__gte=0)
                & Q(origination_fee_rate__lt=1)
                & Q(origination_fee_flat__gte=0)
                & Q(late_fee__gte=0),
                name="lending_product_fees_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        grid = self.rate_grid
        if not isinstance(grid, list) or not grid:
            errors["rate_grid"] = ["a non-empty list of {min_score, annual_rate}"]
        else:
            for band in grid:
                try:
                    score, rate = int(band["min_score"]), Decimal(str(band["annual_rate"]))
                except (KeyError, TypeError, ValueError, ArithmeticError):
                    errors["rate_grid"] = ["each band needs an integer min_score and a decimal annual_rate"]
                    break
                if not (300 <= score <= 850) or not (Decimal(0) <= rate < Decimal(10)):
                    errors["rate_grid"] = ["min_score within 300-850, annual_rate a fraction (0.1299 = 12.99 %)"]
                    break
        order = self.allocation_order
        if not isinstance(order, list) or sorted(order) != sorted(ALLOCATION_BUCKETS):
            errors["allocation_order"] = [f"a permutation of {', '.join(DEFAULT_ALLOCATION_ORDER)}"]
        if errors:
            raise ValidationError(errors)


class LoanStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    UNDER_REVIEW = "under_review", "Under review"
    APPROVED = "approved", "Approved"
    COUNTEROFFERED = "counteroffered", "Counteroffered"
    DECLINED = "declined", "Declined"
    ACCEPTED = "accepted", "Accepted"
    ACTIVE = "active", "Active (disbursed)"
    DELINQUENT = "delinquent", "Delinquent"
    REPAID = "repaid", "Repaid"
    CHARGED_OFF = "charged_off", "Charged off"
    CANCELLED = "cancelled", "Cancelled"


UNDISBURSED = (
    LoanStatus.SUBMITTED,
    LoanStatus.UNDER_REVIEW,
    LoanStatus.APPROVED,
    LoanStatus.COUNTEROFFERED,
    LoanStatus.ACCEPTED,
)
SERVICED = (LoanStatus.ACTIVE, LoanStatus.DELINQUENT)


class DisburseTo(models.TextChoices):
    PORTFOLIO = "portfolio", "Portfolio cash"
    BANK_ACCOUNT = "bank_account", "Linked bank account"


class ChargeOffReason(models.TextChoices):
    DAYS_PAST_DUE = "days_past_due", "120 days past due"
    BANKRUPTCY = "bankruptcy", "Bankruptcy"
    FRAUD = "fraud", "Fraud"
    DEATH = "death", "Death"


class Loan(models.Model):
    """One loan from application to payoff."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="loans")
    product = models.ForeignKey(LoanProduct, on_delete=models.PROTECT, related_name="loans")
    status = models.CharField(max_length=16, choices=LoanStatus.choices, default=LoanStatus.SUBMITTED)
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.USD)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The application.
    requested_amount = MoneyField()
    requested_term_months = models.PositiveSmallIntegerField()
    purpose = models.CharField(max_length=32)
    monthly_income = MoneyField()
    monthly_debts = MoneyField()
    mla_covered = models.BooleanField(default=False)
    application = models.JSONField(default=dict, blank=True)
    disburse_to = models.CharField(max_length=16, choices=DisburseTo.choices)
    portfolio = models.ForeignKey(
        "portfolios.Portfolio", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    bank_account_id = models.BigIntegerField(null=True, blank=True)

    # Underwriting.
    credit_score = models.ForeignKey(
        "credit.CreditScore", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    score_reasons = models.JSONField(default=list, blank=True)
    dti = models.DecimalField(max_digits=8, decimal_places=4, null=True, blank=True)
    flags = models.JSONField(default=list, blank=True)  # internal, staff only
    decision_reasons = models.JSONField(default=list, blank=True)  # [{"code", "text"}], customer-facing
    fraud_decision_id = models.BigIntegerField(null=True, blank=True)

    # The offer (approved or counteroffered terms).
    offer_amount = MoneyField(null=True, blank=True)
    offer_term_months = models.PositiveSmallIntegerField(null=True, blank=True)
    annual_rate = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    origination_fee = MoneyField(null=True, blank=True)
    apr = models.DecimalField(max_digits=8, decimal_places=4, null=True, blank=True)
    mapr = models.DecimalField(max_digits=8, decimal_places=4, null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)

    # Decisions (four-eyes: the reviewing officer cannot also approve above the product's limit).
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_disclosure = models.ForeignKey(
        "LoanDisclosure", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # Servicing.
    disbursed_at = models.DateTimeField(null=True, blank=True)
    disbursement_reference = models.CharField(max_length=100, blank=True, default="")
    principal_balance = MoneyField(default=Decimal("0"))
    days_past_due = models.PositiveIntegerField(default=0)
    delinquency_bucket = models.CharField(max_length=8, blank=True, default="")
    serviced_on = models.DateField(null=True, blank=True)
    charged_off_at = models.DateTimeField(null=True, blank=True)
    charge_off_reason = models.CharField(max_length=16, choices=ChargeOffReason.choices, blank=True, default="")
    charged_off_amount = MoneyField(null=True, blank=True)
    repaid_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Set when the customer became blocked (OFAC): an undisbursed loan is held, never disbursed.
    blocked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="lending_loan_user_idx"),
            models.Index(fields=["status"], name="lending_loan_status_idx"),
            # the admin's default ordering and filters (its lists of this table)
            models.Index(fields=["-created_at", "-id"], name="lending_loan_time_idx"),
            # the admin list's filters, each with the list's ordering
            models.Index(fields=["delinquency_bucket", "-created_at"], name="lendi_loan_bucket_idx"),
            models.Index(fields=["mla_covered", "-created_at"], name="lendi_loan_mla_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=LoanStatus.values), name="lending_loan_status_valid"),
            models.CheckConstraint(condition=Q(requested_amount__gt=0), name="lending_loan_amount_positive"),
            models.CheckConstraint(condition=Q(principal_balance__gte=0), name="lending_loan_balance_not_negative"),
            models.CheckConstraint(
                condition=Q(disburse_to="portfolio", portfolio__isnull=False)
                | Q(disburse_to="bank_account", bank_account_id__isnull=False),
                name="lending_loan_destination_given",
            ),
        ]
        permissions = [
            ("review_loan", "Can review loan applications"),
            ("decide_loan", "Can approve, counteroffer or decline loans"),
            ("charge_off_loan", "Can charge off loans"),
        ]

    def __str__(self) -> str:
        return f"loan {self.pk} ({self.status})"

    @property
    def amount(self) -> Decimal:
        return self.offer_amount if self.offer_amount is not None else self.requested_amount

    @property
    def term_months(self) -> int:
        return self.offer_term_months or self.requested_term_months


class Installment(models.Model):
    """One row of a loan's schedule and what has been paid against it."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="installments")
    number = models.PositiveSmallIntegerField()
    due_date = models.DateField()
    payment = MoneyField()
    principal = MoneyField()
    interest = MoneyField()
    balance = MoneyField()
    principal_paid = MoneyField(default=Decimal("0"))
    interest_paid = MoneyField(default=Decimal("0"))
    paid_on = models.DateField(null=True, blank=True)  # when it was paid in full

    class Meta:
        ordering = ["loan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "number"], name="lending_installment_unique"),
            models.CheckConstraint(
                condition=Q(principal_paid__gte=0)
                & Q(principal_paid__lte=models.F("principal"))
                & Q(interest_paid__gte=0)
                & Q(interest_paid__lte=models.F("interest")),
                name="lending_installment_paid_within_due",
            ),
        ]

    def __str__(self) -> str:
        return f"installment {self.number} of loan {self.loan_id}"

    @property
    def amount_due(self) -> Decimal:
        return self.principal + self.interest

    @property
    def principal_left(self) -> Decimal:
        return self.principal - self.principal_paid

    @property
    def interest_left(self) -> Decimal:
        return self.interest - self.interest_paid

    @property
    def left(self) -> Decimal:
        return self.principal_left + self.interest_left


class LateFee(models.Model):
    """A late charge on one installment (at most one per installment: never pyramided)."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="late_fees")
    installment = models.OneToOneField(Installment, on_delete=models.PROTECT, related_name="late_fee")
    amount = MoneyField()
    paid = MoneyField(default=Decimal("0"))
    assessed_on = models.DateField()

    class Meta:
        ordering = ["loan", "assessed_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(paid__gte=0) & Q(paid__lte=models.F("amount")),
                name="lending_late_fee_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"late fee {self.pk} of loan {self.loan_id}"

    @property
    def left(self) -> Decimal:
        return self.amount - self.paid


class LoanDisclosure(models.Model):
    """The Truth in Lending disclosure as shown to the customer (immutable; a new one for new terms
    or a new date)."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="disclosures")
    created_at = models.DateTimeField(auto_now_add=True)
    start_date = models.DateField()
    content = models.JSONField()
    digest = models.CharField(max_length=64)

    class Meta:
        ordering = ["loan", "-id"]

    def __str__(self) -> str:
        return f"disclosure {self.pk} of loan {self.loan_id}"


class AdverseActionNotice(models.Model):
    """The ECOA / FCRA notice of a decline or of a counteroffer that was not accepted."""

    class Action(models.TextChoices):
        DECLINED = "declined", "Application declined"
        COUNTEROFFER_NOT_ACCEPTED = "counteroffer_not_accepted", "Counteroffer not accepted"

    loan = models.OneToOneField(Loan, on_delete=models.PROTECT, related_name="adverse_action_notice")
    action = models.CharField(max_length=32, choices=Action.choices)
    action_taken_at = models.DateTimeField()
    generated_at = models.DateTimeField()
    due_by = models.DateTimeField()
    content = models.JSONField()

    def __str__(self) -> str:
        return f"adverse action notice of loan {self.loan_id}"


class RepaymentSource(models.TextChoices):
    PORTFOLIO = "portfolio", "Portfolio cash"
    BANK_ACCOUNT = "bank_account", "Linked bank account"


class Repayment(models.Model):
    """Money received on a loan and how it was applied (append-only)."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="repayments")
    amount = MoneyField()
    source = models.CharField(max_length=16, choices=RepaymentSource.choices)
    portfolio = models.ForeignKey(
        "portfolios.Portfolio", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    bank_account_id = models.BigIntegerField(null=True, blank=True)
    received_at = models.DateTimeField()
    allocation = models.JSONField(default=dict)
    is_recovery = models.BooleanField(default=False)
    reference = models.CharField(max_length=100, unique=True)
    external_id = models.CharField(max_length=64, blank=True, default="")  # ledger entry or bank transaction
    # The bank returned the ACH debit (R01 and the like): the application was unwound.
    returned_at = models.DateTimeField(null=True, blank=True)
    return_code = models.CharField(max_length=8, blank=True, default="")

    class Meta:
        ordering = ["loan", "received_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="lending_repayment_positive")]

    def __str__(self) -> str:
        return f"repayment {self.pk} of loan {self.loan_id}"


class LoanEvent(models.Model):
    """The trail of a loan: every state change and servicing event, with who and when."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=32)
    from_status = models.CharField(max_length=16, blank=True, default="")
    to_status = models.CharField(max_length=16, blank=True, default="")
    at = models.DateTimeField()
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["loan", "at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on loan {self.loan_id}"
