"""The admin site as the back office, and the model registry's console.

Site-wide, for every app's ModelAdmin:

* `delete_selected` is disabled; records change only through actions that call services.
* every admin action that runs (not one that only shows its confirmation page) is written to the
  admin log with the acting user and the objects it was run on (`_audit_actions`); the services'
  own changes reach django-auditlog with the same actor through its middleware.
* `confirm_first(warning)` gives an action a confirmation page (actions that file, block or move
  money); the form fields of the original request are posted again on "Yes".
* the index page is a dashboard: each app registers its panels (`dashboard_register`) with the
  permission that may see them, so each role sees what it works on; charts are server-rendered SVG.

The model registry: every trained version with its metrics and fairness screen, and one audited
action, "activate", which calls `blockguardian.registry.model_activate`. Versions are read-only.
Conventions the list reads, when a model stores them: `metrics["auc"|"gini"|"ks"]` (numbers) and
`fairness["warnings"]` (a list of text).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from auditlog.registry import auditlog
from django.contrib import admin, messages
from django.contrib.admin import AdminSite
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from .errors import StateConflict
from .models import ModelVersion
from .registry import model_activate

# --- site-wide safety ---------------------------------------------------------------------------

admin.site.disable_action("delete_selected")

CONFIRM_FIELD = "confirmed"


def confirm_first(warning: str, *, title: str = "") -> Callable:
    """Decorate an admin action (below `@admin.action`) so that it first shows what it will do to
    which objects, and runs only when the officer confirms."""

    def decorate(func):
        @functools.wraps(func)
        def action(modeladmin, request, queryset):
            if request.POST.get(CONFIRM_FIELD) == "yes":
                return func(modeladmin, request, queryset)
            carried = [
                (name, value)
                for name, values in request.POST.lists()
                if name not in ("csrfmiddlewaretoken", CONFIRM_FIELD, ACTION_CHECKBOX_NAME)
                for value in values
            ]
            context = {
                **modeladmin.admin_site.each_context(request),
                "title": title or getattr(action, "short_description", func.__name__),
                "warning": warning,
                "objects": list(queryset.order_by("pk")[:200]),
                "count": queryset.count(),
                "carried": carried,
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
                "confirm_field": CONFIRM_FIELD,
                "opts": modeladmin.model._meta,
            }
            return TemplateResponse(request, "admin/blockguardian/confirm_action.html", context)

        action.requires_confirmation = True
        return action

    return decorate


def audits_itself(func):
    """Mark an action that writes its own admin log entries (the site-wide wrapper leaves it)."""
    func.audited = True
    return func


def _audited(func, name: str, description: str):
    @functools.wraps(func)
    def action(modeladmin, request, queryset):
        targets = list(queryset.order_by("pk")[:1000])
        response = func(modeladmin, request, queryset)
        if isinstance(response, TemplateResponse):  # a confirmation or form page: nothing ran yet
            return response
        for obj in targets:
            modeladmin.log_change(request, obj, f"Admin action: {description} ({name})")
        return response

    action.audited = True
    return action


def _audit_actions(model_admin: admin.ModelAdmin) -> None:
    if getattr(model_admin, "_actions_audited", False):
        return
    original = model_admin.get_actions

    def get_actions(request):
        return {
            name: (func if getattr(func, "audited", False) else _audited(func, name, str(desc)), name, desc)
            for name, (func, _name, desc) in original(request).items()
        }

    model_admin.get_actions = get_actions
    model_admin._actions_audited = True


def _site_urls(site: AdminSite):
    def urls():
        for model_admin in site._registry.values():
            _audit_actions(model_admin)
        # `__class__` at call time: the URL configuration may have swapped it for OTPAdminSite.
        return site.__class__.get_urls(site)

    return urls


admin.site.get_urls = _site_urls(admin.site)


# --- console roles -------------------------------------------------------------------------------


def console_roles_grant(app_label: str, grants: dict[str, Sequence[str]]) -> None:
    """After every migrate (and every flush of a test database), give the roles (groups) the
    permissions on `app_label`'s models their console work needs. Idempotent; groups are created
    when absent, as accounts' migration does."""
    from django.apps import apps as global_apps
    from django.db.models.signals import post_migrate

    def grant(sender, using="default", **kwargs):
        from django.contrib.auth.management import create_permissions
        from django.contrib.auth.models import Group, Permission

        # The admin's receivers are connected before auth's: make sure the permissions exist.
        create_permissions(sender, verbosity=0, using=using)
        for role, codenames in grants.items():
            group, _ = Group.objects.get_or_create(name=role)
            group.permissions.add(
                *Permission.objects.filter(content_type__app_label=app_label, codename__in=list(codenames))
            )

    post_migrate.connect(
        grant, sender=global_apps.get_app_config(app_label), weak=False, dispatch_uid=f"console_roles_{app_label}"
    )


# Risk analysts read and activate model versions (credit, fraud and market models); loan officers
# and compliance read them.
console_roles_grant(
    "blockguardian",
    {
        "risk_analyst": ["view_modelversion", "change_modelversion"],
        "loan_officer": ["view_modelversion"],
        "compliance_officer": ["view_modelversion"],
        "bsa_officer": ["view_modelversion"],
    },
)


# --- the dashboard ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Panel:
    """One box on the dashboard: rows of (label, value, link or ""), an optional bar chart of
    (label, number) and an optional alarm line."""

    title: str
    rows: Sequence[tuple[str, object, str]] = ()
    chart: Sequence[tuple[str, float]] = ()
    alarm: str = ""
    note: str = ""
    svg: SafeString = field(default=mark_safe(""))

    def __post_init__(self):
        if self.chart and not self.svg:
            object.__setattr__(self, "svg", bar_chart_svg(self.chart))


@dataclass(frozen=True)
class _Registered:
    key: str
    build: Callable[[HttpRequest], Panel | Iterable[Panel] | None]
    permissions: tuple[str, ...]
    order: int


_panels: dict[str, _Registered] = {}


def dashboard_register(
    key: str,
    build: Callable[[HttpRequest], Panel | Iterable[Panel] | None],
    *,
    permissions: Sequence[str],
    order: int = 100,
) -> None:
    """Show the panels `build(request)` returns to staff holding any of `permissions`."""
    _panels[key] = _Registered(key, build, tuple(permissions), order)


def dashboard_panels(request: HttpRequest) -> list[Panel]:
    user = request.user
    panels: list[Panel] = []
    for registered in sorted(_panels.values(), key=lambda r: (r.order, r.key)):
        if not any(user.has_perm(p) for p in registered.permissions):
            continue
        built = registered.build(request)
        if built is None:
            continue
        panels.extend([built] if isinstance(built, Panel) else built)
    return panels


def bar_chart_svg(bars: Sequence[tuple[str, float]], *, width: int = 360, bar_height: int = 18) -> SafeString:
    """A horizontal bar chart as inline SVG (no script, nothing fetched)."""
    if not bars:
        return mark_safe("")
    label_width, gap = 150, 4
    top = max((float(v) for _, v in bars), default=0) or 1.0
    scale = (width - label_width - 50) / top
    rows = []
    for i, (label, value) in enumerate(bars):
        y = i * (bar_height + gap)
        length = max(float(value) * scale, 1 if value else 0)
        rows.append(
            format_html(
                '<text x="0" y="{}" font-size="12" dominant-baseline="middle">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" fill="#417690"><title>{}: {}</title></rect>'
                '<text x="{}" y="{}" font-size="12" dominant-baseline="middle">{}</text>',
                f"{y + bar_height / 2:.1f}",
                str(label)[:24],
                label_width,
                y,
                f"{length:.1f}",
                bar_height,
                label,
                value,
                f"{label_width + length + 4:.1f}",
                f"{y + bar_height / 2:.1f}",
                value,
            )
        )
    height = len(bars) * (bar_height + gap)
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="bg-chart" role="img" width="{}" height="{}" '
        'viewBox="0 0 {} {}">{}</svg>',
        width,
        height,
        width,
        height,
        mark_safe("".join(rows)),  # noqa: S308 - each row is built by format_html above
    )


def _dashboard_index(request, extra_context=None):
    context = {"dashboard_panels": dashboard_panels(request), **(extra_context or {})}
    return admin.site.__class__.index(admin.site, request, context)


# The class is swapped for django-otp's OTPAdminSite by the URL configuration; the instance keeps
# this index (an attribute of the instance, not of the class).
admin.site.index = _dashboard_index
admin.site.index_template = "admin/blockguardian/index.html"

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
    @audits_itself
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


# The audit trail's admin views live with the audit package.
from .audit import admin as _audit_admin  # noqa: E402,F401
