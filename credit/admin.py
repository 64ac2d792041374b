"""Back office for credit: scores with their points and reasons, the repayment record, and the
nightly rescoring runs with their drift (PSI). Everything is read-only: scores are written only by
the services."""

from __future__ import annotations

import json

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from blockguardian.admin import Panel, console_roles_grant, dashboard_register
from blockguardian.admin_paginator import EstimatedCountPaginator

from . import selectors
from .models import CreditEvent, CreditProfile, CreditScore, RescoreRun

# Loan officers read the scores behind applications; risk analysts also watch the model's drift.
console_roles_grant(
    "credit",
    {
        "loan_officer": ["view_creditscore", "view_creditevent"],
        "risk_analyst": ["view_creditscore", "view_creditevent", "view_rescorerun"],
    },
)


def _drift_panel(request):
    drift = selectors.model_drift_latest()
    if drift is None:
        return Panel(title="Credit model drift", note="No nightly rescoring has run yet.")
    psi = drift["psi"]
    return Panel(
        title="Credit model drift",
        rows=[
            ("Model", drift["model"], "/admin/credit/rescorerun/"),
            ("Run", drift["run_date"], ""),
            ("PSI", f"{psi:.3f}" if psi is not None else "not measured", ""),
            ("Drift", drift["drift_label"], ""),
        ],
        alarm="Significant drift: review the credit model" if drift["drift"] == "significant" else "",
        chart=[("model", drift["scored"] - drift["scored_by_rules"]), ("rules", drift["scored_by_rules"])],
    )


dashboard_register("credit_drift", _drift_panel, permissions=["credit.view_rescorerun"], order=60)


def _pretty(value) -> str:
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, sort_keys=True, default=str))


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CreditScore)
class CreditScoreAdmin(ReadOnlyAdmin):
    list_display = (
        "public_id",
        "user_id",
        "score",
        "band",
        "method",
        "model_label",
        "source",
        "scored_at",
        "valid_until",
    )
    list_filter = ("band", "method", "source")
    list_select_related = ("model_version",)
    date_hierarchy = "scored_at"
    ordering = ("-scored_at", "-id")
    search_fields = ("=public_id", "=user__id")
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    fields = (
        "public_id",
        "user",
        "score",
        "band",
        "probability_of_default",
        "method",
        "model_version",
        "source",
        "rescore_date",
        "scored_at",
        "valid_until",
        "reasons_display",
        "points_display",
        "features_display",
        "inputs_display",
        "retention_class",
        "retain_until",
        "erased_at",
    )
    readonly_fields = fields

    @admin.display(description="model")
    def model_label(self, obj: CreditScore) -> str:
        return f"v{obj.model_version.version}" if obj.model_version_id else "rules"

    @admin.display(description="principal reasons")
    def reasons_display(self, obj: CreditScore) -> str:
        if not obj.reasons:
            return "-"
        return format_html(
            "<ol>{}</ol>",
            format_html_join(
                "",
                "<li>{} {} ({} points below best)</li>",
                ((r.get("code"), r.get("text"), r.get("points_below_best")) for r in obj.reasons),
            ),
        )

    @admin.display(description="points per feature")
    def points_display(self, obj: CreditScore) -> str:
        return _pretty(obj.points)

    @admin.display(description="model attributes")
    def features_display(self, obj: CreditScore) -> str:
        return _pretty(obj.features)

    @admin.display(description="application")
    def inputs_display(self, obj: CreditScore) -> str:
        return _pretty(obj.inputs)


@admin.register(CreditEvent)
class CreditEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "user_id", "kind", "amount", "occurred_at", "reference", "recorded_at")
    list_filter = ("kind",)
    date_hierarchy = "occurred_at"
    ordering = ("-occurred_at", "-id")
    search_fields = ("=reference", "=user__id")
    show_full_result_count = False
    paginator = EstimatedCountPaginator


@admin.register(CreditProfile)
class CreditProfileAdmin(ReadOnlyAdmin):
    list_display = ("id", "user_id", "updated_at")
    ordering = ("-updated_at",)
    search_fields = ("=user__id",)
    show_full_result_count = False


@admin.register(RescoreRun)
class RescoreRunAdmin(ReadOnlyAdmin):
    """Nightly rescoring: how many customers were scored (by the model or by the rules) and how far
    the night's score distribution has moved from the model's training distribution (PSI)."""

    list_display = (
        "run_date",
        "model_version",
        "customers",
        "scored",
        "scored_by_rules",
        "psi",
        "drift_display",
        "finished_at",
    )
    list_filter = ("drift",)
    list_select_related = ("model_version",)
    date_hierarchy = "run_date"
    ordering = ("-run_date",)
    fields = (
        "run_date",
        "model_version",
        "started_at",
        "finished_at",
        "customers",
        "scored",
        "scored_by_rules",
        "psi",
        "drift",
        "distribution_display",
    )
    readonly_fields = fields

    @admin.display(description="drift", ordering="drift")
    def drift_display(self, obj: RescoreRun) -> str:
        colour = {"stable": "green", "moderate": "darkorange", "significant": "red"}.get(obj.drift, "gray")
        return format_html('<strong style="color:{}">{}</strong>', colour, obj.get_drift_display())

    @admin.display(description="score distribution (expected vs tonight)")
    def distribution_display(self, obj: RescoreRun) -> str:
        dist = obj.distribution or {}
        edges, expected, actual = dist.get("edges", []), dist.get("expected", []), dist.get("actual", [])
        if not expected:
            return "-"
        bounds = ["min", *[f"{e:g}" for e in edges]]
        uppers = [*[f"{e:g}" for e in edges], "max"]
        rows = (
            (f"{lo} – {hi}", f"{e:.3f}", f"{a:.3f}")
            for lo, hi, e, a in zip(bounds, uppers, expected, actual, strict=False)
        )
        return format_html(
            "<table><tr><th>score</th><th>training</th><th>tonight</th></tr>{}</table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )
