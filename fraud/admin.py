"""The risk analysts' console: fraud alerts to work, decisions and holds to read, threshold overrides.

Decisions, aggregates and holds are read-only; alerts change only through the actions below, which
call the services. Threshold overrides are added (never edited) through the service, audited.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.utils.html import format_html_join

from blockguardian.admin import Panel, confirm_first, dashboard_register
from blockguardian.admin_paginator import EstimatedCountPaginator
from blockguardian.calendar import business_date, business_tz
from blockguardian.errors import ApplicationError

from . import selectors, services
from .models import CustomerAggregate, FraudAlert, FraudRuleOverride, SeniorHold, StoredDecision


def _today_start() -> dt.datetime:
    return dt.datetime.combine(business_date(), dt.time(), tzinfo=business_tz())


def _fraud_panel(request):
    counts = selectors.alert_dashboard_counts(since=_today_start())
    return Panel(
        title="Fraud alerts today",
        rows=[
            ("Raised today: review", counts["today_review"], "/admin/fraud/fraudalert/?severity__exact=review"),
            ("Raised today: block", counts["today_block"], "/admin/fraud/fraudalert/?severity__exact=block"),
            ("Open (all days)", counts["open"], "/admin/fraud/fraudalert/?state=open"),
            ("Confirmed fraud today", counts["confirmed_today"], ""),
        ],
        chart=[("review", counts["today_review"]), ("block", counts["today_block"])],
    )


dashboard_register("fraud_alerts", _fraud_panel, permissions=["fraud.resolve_fraudalert"], order=50)


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def _reasons_html(reasons: list[dict]):
    if not reasons:
        return "—"
    return format_html_join(
        "",
        "<div><code>{}</code> +{} — {}</div>",
        ((r.get("code"), r.get("points"), r.get("detail")) for r in reasons),
    )


@admin.register(StoredDecision)
class StoredDecisionAdmin(_ReadOnly):
    list_display = ["id", "created_at", "customer_id", "event_type", "amount", "score", "decision", "reference"]
    list_filter = ["decision", "event_type"]
    search_fields = ["=reference", "=customer__id"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    readonly_fields = ["reasons_list"]
    exclude = ["reasons", "ip_address", "user_agent"]

    @admin.display(description="reasons (internal)")
    def reasons_list(self, obj: StoredDecision):
        return _reasons_html(obj.reasons)


class AlertStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return FraudAlert.State.choices

    def queryset(self, request, queryset):
        return queryset.filter(state=self.value()) if self.value() else queryset


@admin.register(FraudAlert)
class FraudAlertAdmin(_ReadOnly):
    list_display = ["id", "created_at", "customer_id", "severity", "score", "state", "decision_type", "held"]
    list_filter = [AlertStateFilter, "severity"]
    list_select_related = ["decision", "senior_hold"]
    search_fields = ["=customer__id", "=decision__reference"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    readonly_fields = [
        "customer_id",
        "severity",
        "score",
        "state",
        "created_at",
        "resolved_at",
        "resolved_by",
        "resolution_note",
        "decision_summary",
        "reasons_list",
    ]
    fields = readonly_fields
    actions = ["confirm_fraud", "mark_false_positive"]

    def has_view_permission(self, request, obj=None) -> bool:
        return super().has_view_permission(request, obj) or request.user.has_perm("fraud.resolve_fraudalert")

    def has_resolve_permission(self, request) -> bool:
        return request.user.has_perm("fraud.resolve_fraudalert")

    @admin.display(description="movement")
    def decision_type(self, obj: FraudAlert) -> str:
        return obj.decision.event_type

    @admin.display(description="FINRA 2165 hold", boolean=True)
    def held(self, obj: FraudAlert) -> bool:
        hold = getattr(obj, "senior_hold", None)
        return bool(hold and hold.state == SeniorHold.State.ACTIVE)

    @admin.display(description="decision")
    def decision_summary(self, obj: FraudAlert) -> str:
        d = obj.decision
        return f"#{d.pk} {d.event_type} {d.method or ''} ${d.amount} at {d.occurred_at:%Y-%m-%d %H:%M} UTC ref {d.reference or '—'}"

    @admin.display(description="reasons (internal)")
    def reasons_list(self, obj: FraudAlert):
        return _reasons_html(obj.decision.reasons)

    def _resolve(self, request, queryset, service, verb: str) -> None:
        done, refused = 0, 0
        for alert in queryset.order_by("pk"):
            try:
                service(alert=alert, acting_user=request.user, note=f"{verb} in the admin")
                done += 1
            except ApplicationError as exc:
                refused += 1
                self.message_user(request, f"Alert {alert.pk}: {exc.detail}", messages.WARNING)
        if done:
            self.message_user(request, f"{done} alert(s) {verb}.", messages.SUCCESS)

    @admin.action(description="Confirm fraud (restricts the customer)", permissions=["resolve"])
    @confirm_first("Confirmed fraud restricts the customer, cancels the held movement and is passed to compliance.")
    def confirm_fraud(self, request, queryset) -> None:
        self._resolve(request, queryset, services.alert_confirm_fraud, "confirmed as fraud")

    @admin.action(description="Mark as false positive (releases a held movement)", permissions=["resolve"])
    def mark_false_positive(self, request, queryset) -> None:
        self._resolve(request, queryset, services.alert_mark_false_positive, "marked false positive")


@admin.register(SeniorHold)
class SeniorHoldAdmin(_ReadOnly):
    list_display = [
        "id",
        "placed_at",
        "customer_id",
        "customer_age",
        "state",
        "expires_at",
        "notice_sent",
        "extensions",
    ]
    list_filter = ["state"]
    list_select_related = ["alert"]
    date_hierarchy = "placed_at"
    ordering = ["-placed_at", "-id"]
    actions = ["extend"]

    def has_extend_permission(self, request) -> bool:
        return request.user.has_perm("fraud.extend_seniorhold")

    @admin.display(description="trusted contact notified", boolean=True)
    def notice_sent(self, obj: SeniorHold) -> bool:
        return obj.trusted_contact_notified_at is not None

    @admin.action(description="Extend the hold (FINRA 2165 extension)", permissions=["extend"])
    def extend(self, request, queryset) -> None:
        for hold in queryset.order_by("pk"):
            try:
                services.senior_hold_extend(
                    hold=hold, acting_user=request.user, reason="internal review supports an extension"
                )
            except ApplicationError as exc:
                self.message_user(request, f"Hold {hold.pk}: {exc.detail}", messages.WARNING)


@admin.register(CustomerAggregate)
class CustomerAggregateAdmin(_ReadOnly):
    list_display = ["customer_id", "movement_count", "last_movement_at", "ach_return_count", "hold_until", "version"]
    ordering = ["-last_movement_at"]
    exclude = ["devices", "networks"]
    show_full_result_count = False


class RuleOverrideForm(forms.ModelForm):
    key = forms.ChoiceField(choices=())

    class Meta:
        model = FraudRuleOverride
        fields = ["key", "value", "reason"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = [
            (key, f"{key} (default {default})") for key, default in sorted(settings.FRAUD_THRESHOLDS.items())
        ]

    def clean(self):
        cleaned = super().clean()
        try:
            services.rule_override_validate(cleaned.get("key", ""), cleaned.get("value", ""))
        except ApplicationError as exc:
            raise forms.ValidationError(exc.detail) from exc
        return cleaned


@admin.register(FraudRuleOverride)
class FraudRuleOverrideAdmin(admin.ModelAdmin):
    """Add an override to change a threshold; "end" returns it to the setting's default."""

    form = RuleOverrideForm
    list_display = ["key", "value", "default", "active", "reason", "created_by", "created_at", "ended_at"]
    list_filter = ["active"]
    ordering = ["key", "-created_at"]
    actions = ["end_override"]

    @admin.display(description="setting default")
    def default(self, obj: FraudRuleOverride):
        return settings.FRAUD_THRESHOLDS.get(obj.key)

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        saved = services.rule_override_set(
            key=form.cleaned_data["key"],
            value=form.cleaned_data["value"],
            reason=form.cleaned_data["reason"],
            acting_user=request.user,
        )
        obj.pk = saved.pk

    @admin.action(description="End the override (back to the default)", permissions=["add"])
    def end_override(self, request, queryset) -> None:
        for key in sorted(set(queryset.filter(active=True).values_list("key", flat=True))):
            services.rule_override_clear(key=key, acting_user=request.user)
        self.message_user(request, "Overrides ended.", messages.SUCCESS)
