"""Back office for lending: loan products (edited by officers, audited), the loan officers' review
queue, and loans with their schedule, repayments, fees and trail. Loans are read-only; every
decision is an admin action that calls a service (four-eyes and state checks included)."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import QuerySet
from django.utils.html import format_html, format_html_join

from blockguardian.admin import Panel, confirm_first, console_roles_grant, dashboard_register
from blockguardian.admin_paginator import EstimatedCountPaginator
from blockguardian.errors import ApplicationError

from . import selectors, services
from .models import (
    AdverseActionNotice,
    ChargeOffReason,
    Installment,
    LateFee,
    Loan,
    LoanEvent,
    LoanProduct,
    LoanStatus,
    Repayment,
)

# Loan officers work the review queue and decide; risk analysts and compliance read loans.
console_roles_grant(
    "lending",
    {
        "loan_officer": [
            "view_loanproduct",
            "view_loan",
            "review_loan",
            "decide_loan",
            "view_adverseactionnotice",
            "view_installment",
            "view_repayment",
            "view_latefee",
            "view_loanevent",
        ],
        "risk_analyst": ["view_loan", "view_loanproduct"],
        "compliance_officer": ["view_loan"],
        "bsa_officer": ["view_loan"],
    },
)


def _loans_panel(request):
    counts = selectors.review_queue_counts()
    return Panel(
        title="Loans under review",
        rows=[
            ("Submitted", counts["submitted"], "/admin/lending/loan/?status__exact=submitted"),
            ("Under review", counts["under_review"], "/admin/lending/loan/?status__exact=under_review"),
            ("Waiting more than 2 days", counts["waiting_over_2_days"], "/admin/lending/loan/?queue=review"),
            ("Held (customer blocked)", counts["held"], "/admin/lending/loan/?queue=held"),
        ],
        chart=[("submitted", counts["submitted"]), ("under review", counts["under_review"])],
    )


dashboard_register("lending_review", _loans_panel, permissions=["lending.decide_loan", "lending.review_loan"], order=40)


def _pretty(value) -> str:
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, sort_keys=True, default=str))


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LoanProduct)
class LoanProductAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "is_active", "min_amount", "max_amount", "amortization", "day_count", "max_dti")
    list_filter = ("is_active", "amortization", "day_count")
    search_fields = ("code", "name")

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class LoanActionForm(ActionForm):
    amount = forms.DecimalField(required=False, max_digits=18, decimal_places=2, label="Amount")
    term_months = forms.IntegerField(required=False, min_value=1, label="Term (months)")
    annual_rate = forms.DecimalField(required=False, max_digits=7, decimal_places=4, label="Annual rate (0.1299)")
    reasons = forms.CharField(
        required=False,
        label="Reasons (comma-separated: " + ", ".join(services.REASONS) + ")",
        max_length=500,
    )
    charge_off_reason = forms.ChoiceField(
        required=False,
        choices=[("", "Charge-off reason…")]
        + [(c.value, c.label) for c in ChargeOffReason if c != ChargeOffReason.DAYS_PAST_DUE],
    )


def _run(modeladmin, request, queryset: QuerySet, action) -> None:
    done = 0
    for obj in queryset.order_by("pk"):
        try:
            action(obj)
        except ApplicationError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.detail}", level=messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, f"{done} updated.", level=messages.SUCCESS)


def _form_value(request, name: str):
    raw = (request.POST.get(name) or "").strip()
    return raw or None


def _decimal(request, name: str) -> Decimal | None:
    raw = _form_value(request, name)
    if raw is None:
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:
        return None


class InstallmentInline(ReadOnlyInline):
    model = Installment
    fields = (
        "number",
        "due_date",
        "payment",
        "principal",
        "interest",
        "balance",
        "principal_paid",
        "interest_paid",
        "paid_on",
    )
    readonly_fields = fields


class RepaymentInline(ReadOnlyInline):
    model = Repayment
    fields = ("received_at", "amount", "source", "is_recovery", "allocation", "reference", "external_id")
    readonly_fields = fields


class LateFeeInline(ReadOnlyInline):
    model = LateFee
    fields = ("installment", "amount", "paid", "assessed_on")
    readonly_fields = fields


class LoanEventInline(ReadOnlyInline):
    model = LoanEvent
    fields = ("at", "kind", "from_status", "to_status", "acting_user", "detail")
    readonly_fields = fields


class QueueFilter(admin.SimpleListFilter):
    title = "queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("review", "Awaiting an officer"), ("servicing", "Active or delinquent"), ("held", "Held (blocked)")]

    def queryset(self, request, queryset):
        if self.value() == "review":
            return queryset.filter(status__in=[LoanStatus.SUBMITTED, LoanStatus.UNDER_REVIEW])
        if self.value() == "servicing":
            return queryset.filter(status__in=[LoanStatus.ACTIVE, LoanStatus.DELINQUENT])
        if self.value() == "held":
            return queryset.filter(blocked_at__isnull=False)
        return queryset


@admin.register(Loan)
class LoanAdmin(admin.ModelAdmin):
    """The loan officers' console: filter "Awaiting an officer" for the review queue."""

    action_form = LoanActionForm
    list_display = (
        "id",
        "user_id",
        "product",
        "status",
        "requested_amount",
        "requested_term_months",
        "score",
        "dti",
        "flag_list",
        "reviewed_by",
        "created_at",
    )
    list_filter = (QueueFilter, "status", "product", "delinquency_bucket", "mla_covered")
    list_select_related = ("product", "reviewed_by")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    search_fields = ("=id", "=user__id")
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    readonly_fields = [f.name for f in Loan._meta.concrete_fields] + [
        "score_reasons_display",
        "decision_reasons_display",
    ]
    exclude = ("score_reasons", "decision_reasons")
    inlines = [InstallmentInline, RepaymentInline, LateFeeInline, LoanEventInline]
    actions = [
        "record_review",
        "approve",
        "counteroffer",
        "decline",
        "disburse_after_review",
        "charge_off",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_review_permission(self, request) -> bool:
        return request.user.has_perm("lending.review_loan")

    def has_decide_permission(self, request) -> bool:
        return request.user.has_perm("lending.decide_loan")

    def has_charge_off_permission(self, request) -> bool:
        return request.user.has_perm("lending.charge_off_loan")

    @admin.display(description="flags")
    def flag_list(self, obj: Loan) -> str:
        return ", ".join(obj.flags) or "-"

    @admin.display(description="score reasons")
    def score_reasons_display(self, obj: Loan) -> str:
        if not obj.score_reasons:
            return "-"
        return format_html(
            "<ol>{}</ol>",
            format_html_join("", "<li>{} — {}</li>", ((r.get("code"), r.get("text")) for r in obj.score_reasons)),
        )

    @admin.display(description="decision reasons")
    def decision_reasons_display(self, obj: Loan) -> str:
        return _pretty(obj.decision_reasons)

    @admin.action(description="Record my review (moves a submitted application under review)", permissions=["review"])
    def record_review(self, request, queryset):
        _run(self, request, queryset, lambda loan: services.loan_review_record(loan=loan, officer=request.user))

    @admin.action(
        description="Approve (amount, term and rate from the form, else as requested)", permissions=["decide"]
    )
    def approve(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda loan: services.loan_officer_approve(
                loan=loan,
                officer=request.user,
                amount=_decimal(request, "amount"),
                term_months=_form_value(request, "term_months"),
                annual_rate=_decimal(request, "annual_rate"),
            ),
        )

    @admin.action(description="Counteroffer (amount, term and reasons from the form)", permissions=["decide"])
    def counteroffer(self, request, queryset):
        reasons = [r.strip() for r in (request.POST.get("reasons") or "").split(",") if r.strip()]
        _run(
            self,
            request,
            queryset,
            lambda loan: services.loan_officer_counteroffer(
                loan=loan,
                officer=request.user,
                amount=_decimal(request, "amount"),
                term_months=_form_value(request, "term_months"),
                reasons=reasons,
                annual_rate=_decimal(request, "annual_rate"),
            ),
        )

    @admin.action(description="Decline (reasons from the form)", permissions=["decide"])
    def decline(self, request, queryset):
        reasons = [r.strip() for r in (request.POST.get("reasons") or "").split(",") if r.strip()]
        _run(
            self,
            request,
            queryset,
            lambda loan: services.loan_officer_decline(loan=loan, officer=request.user, reasons=reasons),
        )

    @admin.action(
        description="Disburse an accepted loan held by the fraud check (after review)", permissions=["decide"]
    )
    @confirm_first("The loan's proceeds are paid out to the customer's portfolio or bank account now.")
    def disburse_after_review(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda loan: services.loan_disburse(loan=loan, acting_user=request.user, fraud_cleared=True),
        )

    @admin.action(description="Charge off (bankruptcy, fraud or death, from the form)", permissions=["charge_off"])
    @confirm_first("The outstanding balance is charged off and written to the ledger; recoveries continue after.")
    def charge_off(self, request, queryset):
        reason = request.POST.get("charge_off_reason") or ""
        _run(
            self,
            request,
            queryset,
            lambda loan: services.loan_charge_off(loan=loan, officer=request.user, reason=reason),
        )


@admin.register(AdverseActionNotice)
class AdverseActionNoticeAdmin(admin.ModelAdmin):
    list_display = ("loan", "action", "action_taken_at", "generated_at", "due_by")
    list_filter = ("action",)
    list_select_related = ("loan",)
    readonly_fields = ("loan", "action", "action_taken_at", "generated_at", "due_by", "content_display")
    exclude = ("content",)

    @admin.display(description="content")
    def content_display(self, obj) -> str:
        return _pretty(obj.content)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
