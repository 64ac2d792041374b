"""Back office for the model registry: every trained version with its metrics and fairness screen,
and one audited action, "activate", which calls `blockguardian.registry.model_activate`.

Versions are read-only: nothing in a version (its artefact, metrics, fairness report, hashes) can
be edited, added or deleted from the admin. Conventions the list reads, when a model stores them:
`metrics["auc"|"gini"|"ks"]` (numbers) and `fairness["warnings"]` (a list of text).
"""

from __future__ import annotations

import json

from auditlog.registry import auditlog
from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from .errors import StateConflict
from .models import ModelVersion
from .registry import model_activate

if not auditlog.contains(ModelVersion):
    # State changes (trained → active → retired) reach the audit log with their actor; the
    # artefact's bytes do not.
    auditlog.register(ModelVersion, exclude_fields=["artefact"])

SUMMARY_METRICS = ("auc", "gini", "ks")


def _pretty(value) -> str:
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, sort_keys=True, default=str))


class FairnessFilter(admin.SimpleListFilter):
    title = "fairness screen"
    parameter_name = "fairness"

    def lookups(self, request, model_admin):
        return (("warnings", "With warnings"), ("clear", "No warnings"))

    def queryset(self, request, queryset):
        flagged = [pk for pk, fairness in queryset.values_list("pk", "fairness") if (fairness or {}).get("warnings")]
        if self.value() == "warnings":
            return queryset.filter(pk__in=flagged)
        if self.value() == "clear":
            return queryset.exclude(pk__in=flagged)
        return queryset


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "version",
        "state",
        "trained_at",
        "activated_at",
        "retired_at",
        "metrics_summary",
        "fairness_summary",
    )
    list_filter = ("name", "state", FairnessFilter)
    ordering = ("name", "-version")
    date_hierarchy = "trained_at"
    actions = ["activate"]
    fields = (
        "name",
        "version",
        "state",
        "trained_at",
        "activated_at",
        "retired_at",
        "training_data_hash",
        "artefact_sha256",
        "artefact_size",
        "metrics_display",
        "fairness_display",
        "params_display",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        # The artefact can be megabytes: never read it for a list or a page.
        return super().get_queryset(request).defer("artefact")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_activate_permission(self, request) -> bool:
        return request.user.has_perm("blockguardian.change_modelversion")

    @admin.action(description="Activate the selected version (retires the active one)", permissions=["activate"])
    def activate(self, request, queryset):
        versions = list(queryset.order_by("pk"))
        if len(versions) != 1:
            self.message_user(request, "Select exactly one version to activate.", level=messages.ERROR)
            return
        version = versions[0]
        previous = ModelVersion.objects.filter(name=version.name, state=ModelVersion.State.ACTIVE).first()
        try:
            activated = model_activate(version=version, acting_user=request.user)
        except StateConflict as exc:
            self.message_user(request, f"{version}: {exc.detail}", level=messages.ERROR)
            return
        note = f"Activated {activated.name} v{activated.version}" + (
            f"; retired v{previous.version}" if previous and previous.pk != activated.pk else ""
        )
        self.log_change(request, activated, note)
        if previous and previous.pk != activated.pk:
            self.log_change(request, previous, f"Retired by the activation of v{activated.version}")
        self.message_user(request, note + ".", level=messages.SUCCESS)

    @admin.display(description="metrics")
    def metrics_summary(self, obj: ModelVersion) -> str:
        metrics = obj.metrics or {}
        parts = [f"{k.upper()} {metrics[k]:.3f}" for k in SUMMARY_METRICS if isinstance(metrics.get(k), (int, float))]
        return " · ".join(parts) or "-"

    @admin.display(description="fairness")
    def fairness_summary(self, obj: ModelVersion) -> str:
        if not obj.fairness:
            return "-"
        warnings = obj.fairness.get("warnings") or []
        if warnings:
            return format_html('<strong style="color:darkorange">{} warning(s)</strong>', len(warnings))
        return format_html('<span style="color:green">{}</span>', "no warnings")

    @admin.display(description="artefact size (bytes)")
    def artefact_size(self, obj: ModelVersion) -> int:
        return len(bytes(obj.artefact)) if obj.pk else 0

    @admin.display(description="metrics")
    def metrics_display(self, obj: ModelVersion) -> str:
        return _pretty(obj.metrics)

    @admin.display(description="fairness screen")
    def fairness_display(self, obj: ModelVersion) -> str:
        fairness = obj.fairness or {}
        groups = fairness.get("groups")
        if not isinstance(groups, dict):
            return _pretty(fairness)
        rows = []
        for grouping, members in groups.items():
            for label, row in (members or {}).items():
                air = row.get("adverse_impact_ratio")
                flagged = air is not None and air < fairness.get("air_warning_below", 0.8)
                rows.append(
                    (
                        grouping,
                        label,
                        row.get("n"),
                        row.get("approval_rate"),
                        air,
                        "below the screen" if flagged else "",
                    )
                )
        table = format_html(
            "<p>Approval at cut-off {}; adverse impact ratio against the most favoured group "
            "(a screen, not a legal test).</p><table><tr><th>grouping</th><th>group</th><th>n</th>"
            "<th>approval rate</th><th>AIR</th><th></th></tr>{}</table>",
            fairness.get("cutoff", "-"),
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )
        return table

    @admin.display(description="parameters")
    def params_display(self, obj: ModelVersion) -> str:
        return _pretty(obj.params)
