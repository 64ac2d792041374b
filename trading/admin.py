"""The back office for trading: transactions, fills, funding sources and branch cash are
read-only here; state changes go through admin actions that call the services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet

from blockguardian.admin import confirm_first
from blockguardian.admin_paginator import EstimatedCountPaginator
from blockguardian.errors import ApplicationError

from . import services
from .models import BranchCashTransaction, Execution, LinkedBankAccount, Method, Status, Transaction, Wallet


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ExecutionInline(admin.TabularInline):
    model = Execution
    extra = 0
    can_delete = False
    fields = ["quantity", "quote_price", "price", "gross", "fee", "price_source", "executed_at", "entry"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReturnedShortfallFilter(admin.SimpleListFilter):
    title = "returned with a shortfall"
    parameter_name = "shortfall"

    def lookups(self, request, model_admin):
        return [("yes", "ACH returns whose portfolio owes money")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(
                status=Status.RETURNED,
                portfolio__accounts__kind="owed",
                portfolio__accounts__balance__lt=0,
            ).distinct()
        return queryset


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ["id", "user", "portfolio", "type", "method", "status", "asset", "amount", "fee", "requested_at"]
    list_filter = ["type", "status", "method", "source", ReturnedShortfallFilter]
    list_select_related = ["user", "portfolio", "asset"]
    search_fields = ["=id", "reference", "user__email"]
    date_hierarchy = "requested_at"
    ordering = ["-requested_at", "-id"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    inlines = [ExecutionInline]
    exclude = ["ip_address", "user_agent"]
    actions = ["ach_return_r01", "cancel_open"]

    def has_operate_permission(self, request) -> bool:
        # Operations (the holders of the branch-cash permission) process returns and cancel.
        return request.user.has_perm("trading.record_branch_cash")

    @admin.action(description="Process an ACH return (R01, insufficient funds)", permissions=["operate"])
    @confirm_first("The deposit is reversed: its cash leaves the portfolio (a shortfall becomes money owed).")
    def ach_return_r01(self, request, queryset: QuerySet[Transaction]):
        for tx in queryset.filter(method=Method.ACH):
            try:
                services.ach_return_process(transaction_id=tx.pk, return_code="R01", acting_user=request.user)
            except ApplicationError as exc:
                self.message_user(request, f"{tx}: {exc.detail}", messages.WARNING)

    @admin.action(description="Cancel pending transactions (releases their reservations)", permissions=["operate"])
    @confirm_first("The selected pending transactions are cancelled and their reserved cash or assets released.")
    def cancel_open(self, request, queryset: QuerySet[Transaction]):
        for tx in queryset:
            try:
                services.transaction_cancel(transaction_id=tx.pk, reason=f"cancelled by operations ({request.user.pk})")
            except ApplicationError as exc:
                self.message_user(request, f"{tx}: {exc.detail}", messages.WARNING)


@admin.register(LinkedBankAccount)
class LinkedBankAccountAdmin(ReadOnlyAdmin):
    list_display = ["id", "user", "bank_name", "account_type", "account_last4", "status", "created_at"]
    list_filter = ["status", "account_type"]
    list_select_related = ["user"]
    search_fields = ["=id", "user__email", "account_last4"]
    exclude = [
        "routing_number_encrypted",
        "account_number_encrypted",
        "account_index",
        "micro_deposit_1",
        "micro_deposit_2",
    ]


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdmin):
    list_display = ["id", "user", "currency", "address", "status", "unusable", "created_at"]
    list_filter = ["status", "unusable", "currency"]
    list_select_related = ["user"]
    search_fields = ["=id", "address", "user__email"]


@admin.register(BranchCashTransaction)
class BranchCashTransactionAdmin(ReadOnlyAdmin):
    list_display = ["id", "customer", "direction", "amount", "branch", "ctr_business_day", "conductor_id_last4"]
    list_filter = ["direction", "branch"]
    list_select_related = ["customer"]
    date_hierarchy = "occurred_at"
    search_fields = ["=id", "customer__email", "branch"]
    exclude = ["conductor_id_number_encrypted"]
