"""The back office for portfolios: the ledger is read-only here (corrections are reversing
entries made by services); the asset catalogue is edited here."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Sum

from blockguardian.admin_paginator import EstimatedCountPaginator

from .models import (
    AccountKind,
    Asset,
    JournalEntry,
    LedgerAccount,
    LotDisposal,
    Portfolio,
    Position,
    Posting,
    Price,
    PriceLoad,
    Reservation,
    TaxLot,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ["symbol", "name", "asset_class", "exchange", "tradable", "last_price", "last_price_at"]
    list_filter = ["asset_class", "tradable", "calendar"]
    search_fields = ["symbol", "name", "issuer_name"]
    readonly_fields = ["last_price", "last_price_at", "created_at", "updated_at"]
    ordering = ["symbol"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Price)
class PriceAdmin(ReadOnlyAdmin):
    list_display = ["asset", "timestamp", "open", "high", "low", "close", "volume", "source"]
    list_filter = ["asset__asset_class", "source"]
    list_select_related = ["asset"]
    search_fields = ["asset__symbol"]
    date_hierarchy = "timestamp"
    ordering = ["-timestamp"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator


@admin.register(PriceLoad)
class PriceLoadAdmin(ReadOnlyAdmin):
    list_display = ["id", "source", "started_at", "finished_at", "rows_read", "rows_written", "rows_rejected", "assets"]
    ordering = ["-id"]


class OwesMoneyFilter(admin.SimpleListFilter):
    title = "shortfall"
    parameter_name = "owes"

    def lookups(self, request, model_admin):
        return [("yes", "Owes money (returned deposit spent)")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(accounts__kind=AccountKind.OWED, accounts__balance__lt=0)
        return queryset


class AccountInline(ReadOnlyInline):
    model = LedgerAccount
    fields = ["kind", "balance"]


class PositionInline(ReadOnlyInline):
    model = Position
    fields = ["asset", "quantity", "quantity_reserved", "cost_basis"]


@admin.register(Portfolio)
class PortfolioAdmin(ReadOnlyAdmin):
    list_display = ["id", "owner", "status", "benchmark", "created_at", "closed_at"]
    list_filter = ["status", OwesMoneyFilter]
    list_select_related = ["owner", "benchmark"]
    search_fields = ["=id", "owner__email"]
    date_hierarchy = "created_at"
    ordering = ["-id"]
    inlines = [AccountInline, PositionInline]


@admin.register(Position)
class PositionAdmin(ReadOnlyAdmin):
    list_display = ["id", "portfolio", "asset", "quantity", "quantity_reserved", "cost_basis", "updated_at"]
    list_select_related = ["asset", "portfolio"]
    search_fields = ["=portfolio__id", "asset__symbol"]
    ordering = ["-id"]


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "portfolio", "balance", "posted_balance"]
    list_select_related = ["portfolio"]
    list_filter = ["kind"]
    search_fields = ["=portfolio__id"]
    ordering = ["id"]

    @admin.display(description="balance (sum of postings)")
    def posted_balance(self, obj):
        if obj.portfolio_id:
            return obj.balance
        return obj.postings.aggregate(total=Sum("amount"))["total"] or 0


class PostingInline(ReadOnlyInline):
    model = Posting
    fields = ["account", "amount"]


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "executed_at",
        "kind",
        "method",
        "portfolio",
        "asset",
        "quantity",
        "gross",
        "fee",
        "cash_delta",
        "reference",
        "created_at",
    ]
    list_filter = ["kind", "method"]
    list_select_related = ["asset", "portfolio"]
    search_fields = ["=id", "reference", "=portfolio__id"]
    date_hierarchy = "executed_at"
    ordering = ["-executed_at", "-id"]
    inlines = [PostingInline]
    show_full_result_count = False
    paginator = EstimatedCountPaginator


@admin.register(TaxLot)
class TaxLotAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "portfolio",
        "asset",
        "acquired_at",
        "quantity",
        "remaining_quantity",
        "cost",
        "cost_remaining",
    ]
    list_select_related = ["asset", "portfolio"]
    search_fields = ["=portfolio__id", "asset__symbol"]
    ordering = ["-id"]


@admin.register(LotDisposal)
class LotDisposalAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "portfolio",
        "asset",
        "quantity",
        "acquired_at",
        "disposed_at",
        "proceeds",
        "cost_basis",
        "gain",
        "term",
    ]
    list_filter = ["term"]
    list_select_related = ["asset", "portfolio"]
    search_fields = ["=portfolio__id", "asset__symbol"]
    date_hierarchy = "disposed_at"
    ordering = ["-id"]


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    list_display = ["id", "portfolio", "kind", "asset", "amount", "quantity", "status", "reference", "created_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["asset", "portfolio"]
    search_fields = ["=portfolio__id", "reference"]
    ordering = ["-id"]
