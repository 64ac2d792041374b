"""Anchoring in the back office: read-only, with one action to retry failed records."""

from __future__ import annotations

from django.contrib import admin, messages

from .models import AnchorBatch, AnchoredRecord, ChainDeployment
from .services import anchor_failed_retry


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ChainDeployment)
class ChainDeploymentAdmin(ReadOnlyAdmin):
    list_display = ["id", "mode", "chain_id", "contract_address", "is_current", "created_at", "retired_at"]
    list_filter = ["mode", "is_current"]
    ordering = ["-id"]


@admin.register(AnchorBatch)
class AnchorBatchAdmin(ReadOnlyAdmin):
    list_display = ["batch_id", "kind", "status", "record_count", "block_number", "tx_hash", "attempts", "created_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["deployment"]
    search_fields = ["=batch_id", "=tx_hash"]
    date_hierarchy = "created_at"
    ordering = ["-id"]


@admin.register(AnchoredRecord)
class AnchoredRecordAdmin(ReadOnlyAdmin):
    list_display = ["kind", "record_id", "status", "batch", "anchored_at", "created_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["batch"]
    search_fields = ["=record_id"]
    date_hierarchy = "created_at"
    ordering = ["-id"]
    actions = ["retry_failed"]

    def has_retry_anchoring_permission(self, request) -> bool:
        return request.user.has_perm("chain.retry_anchoring")

    @admin.action(description="Retry anchoring of the selected failed records", permissions=["retry_anchoring"])
    def retry_failed(self, request, queryset):
        count = anchor_failed_retry(record_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} failed records will be anchored again.", messages.SUCCESS)
