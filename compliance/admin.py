"""compliance: the back-office console for sanctions screening, OFAC reports and 314(a).

Everything is read-only here; decisions are admin actions that call the services. 314(a) is
visible only to holders of `compliance.handle_314a` (the BSA officer).
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join

from blockguardian.calendar import business_date
from blockguardian.errors import ApplicationError

from . import services
from .models import (
    DigitalCurrencyAddress,
    Disposition,
    Fincen314aList,
    Fincen314aMatch,
    Fincen314aSubject,
    OfacReport,
    SanctionsAddress,
    SanctionsAlias,
    SanctionsEntry,
    SanctionsListVersion,
    ScreeningHit,
    ScreeningReview,
    ScreeningRun,
)

SCREEN_PERMISSION = "compliance.screen_sanctions"
FINCEN_PERMISSION = "compliance.handle_314a"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records are written by services only."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# --- sanctions lists ---------------------------------------------------------------------------


@admin.register(SanctionsListVersion)
class SanctionsListVersionAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "source",
        "loaded_at",
        "entries_total",
        "entries_added",
        "entries_changed",
        "entries_removed",
        "rescreened_at",
        "rescreened_subjects",
        "rescreen_hits",
    ]
    list_filter = ["source"]
    date_hierarchy = "loaded_at"
    ordering = ["-id"]


class AliasInline(ReadOnlyInline):
    model = SanctionsAlias
    fields = ["alias_type", "name", "alt_num", "remarks"]
    show_change_link = False


class AddressInline(ReadOnlyInline):
    model = SanctionsAddress
    fields = ["address", "city", "country", "country_code"]
    show_change_link = False


class DigitalCurrencyAddressInline(ReadOnlyInline):
    model = DigitalCurrencyAddress
    fields = ["currency", "address"]
    show_change_link = False


@admin.register(SanctionsEntry)
class SanctionsEntryAdmin(ReadOnlyAdmin):
    list_display = ["ent_num", "name", "entry_type", "program_list", "active"]
    list_filter = ["entry_type", "active"]
    search_fields = ["=ent_num", "name", "aliases__name"]
    ordering = ["ent_num"]
    inlines = [AliasInline, AddressInline, DigitalCurrencyAddressInline]
    readonly_fields = ["first_version", "changed_version", "removed_version"]

    @admin.display(description="programs")
    def program_list(self, obj: SanctionsEntry) -> str:
        return ", ".join(obj.programs)


# --- screening ---------------------------------------------------------------------------------


class DispositionForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 80}), max_length=4000)
    whitelisted_until = forms.DateField(required=False, help_text="Whitelist only: YYYY-MM-DD, in the future.")


def _reasons_html(reasons: list[dict]):
    return format_html(
        "<ul>{}</ul>",
        format_html_join(
            "", "<li><b>{}</b> ({}): {}</li>", ((r.get("code"), r.get("effect"), r.get("detail")) for r in reasons)
        ),
    )


class HitStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return ScreeningHit.Status.choices

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


@admin.register(ScreeningHit)
class ScreeningHitAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "subject", "customer_id", "entry", "matched_name", "score", "band", "status"]
    list_filter = [HitStatusFilter, "band", "run__trigger"]
    list_select_related = ["entry", "subject", "run"]
    search_fields = ["=id", "=entry__ent_num", "entry__name", "matched_name"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    readonly_fields = ["reasons_display", "entry_link"]
    exclude = ["reasons"]
    actions = ["confirm_true_match", "mark_false_positive", "whitelist_until"]

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(SCREEN_PERMISSION) or super().has_view_permission(request, obj)

    def has_decide_permission(self, request) -> bool:
        return request.user.has_perm(SCREEN_PERMISSION)

    @admin.display(description="reasons")
    def reasons_display(self, obj: ScreeningHit):
        return _reasons_html(obj.reasons)

    @admin.display(description="listed entry")
    def entry_link(self, obj: ScreeningHit):
        entry = obj.entry
        return format_html(
            "SDN {} — {} ({}); programs {}; born {}; countries {}",
            entry.ent_num,
            entry.name,
            entry.entry_type,
            ", ".join(entry.programs),
            "; ".join(d["text"] for d in entry.dates_of_birth) or "—",
            ", ".join(entry.countries) or "—",
        )

    def _decide(self, request: HttpRequest, queryset: QuerySet, decision: str, title: str):
        form = DispositionForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            done = 0
            for hit in queryset.order_by("pk"):
                try:
                    services.hit_disposition_record(
                        hit=hit,
                        decision=decision,
                        reason=form.cleaned_data["reason"],
                        whitelisted_until=form.cleaned_data.get("whitelisted_until"),
                        acting_user=request.user,
                    )
                    done += 1
                except ApplicationError as exc:
                    self.message_user(request, f"Hit {hit.pk}: {exc.detail}", level=messages.ERROR)
            if done:
                self.message_user(request, f"{done} hit(s) recorded as {decision.replace('_', ' ')}.", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "hits": queryset.select_related("entry"),
            "form": form,
            "action": request.POST.get("action"),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
            "blocking": decision == Disposition.Decision.TRUE_MATCH,
        }
        return TemplateResponse(request, "admin/compliance/screeninghit/disposition.html", context)

    @admin.action(description="Confirm true match: block the customer, open a blocking report", permissions=["decide"])
    def confirm_true_match(self, request, queryset):
        return self._decide(request, queryset, Disposition.Decision.TRUE_MATCH, "Confirm true match and block")

    @admin.action(description="Mark false positive", permissions=["decide"])
    def mark_false_positive(self, request, queryset):
        return self._decide(request, queryset, Disposition.Decision.FALSE_POSITIVE, "Mark false positive")

    @admin.action(description="Whitelist until a date", permissions=["decide"])
    def whitelist_until(self, request, queryset):
        return self._decide(request, queryset, Disposition.Decision.WHITELISTED, "Whitelist until a date")


class HitInline(ReadOnlyInline):
    model = ScreeningHit
    fk_name = "review"
    fields = ["entry", "matched_name", "score", "band", "status"]
    readonly_fields = fields


@admin.register(ScreeningReview)
class ScreeningReviewAdmin(ReadOnlyAdmin):
    list_display = ["id", "opened_at", "subject", "customer_id", "band", "froze_customer", "status", "outcome"]
    list_filter = ["status", "band", "outcome"]
    list_select_related = ["subject"]
    date_hierarchy = "opened_at"
    ordering = ["-opened_at"]
    inlines = [HitInline]


@admin.register(ScreeningRun)
class ScreeningRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "trigger", "subject", "list_version", "hit_count", "top_score"]
    list_filter = ["trigger"]
    list_select_related = ["subject", "list_version"]
    date_hierarchy = "created_at"
    ordering = ["-id"]
    exclude = ["query", "identity_sha256"]


@admin.register(Disposition)
class DispositionAdmin(ReadOnlyAdmin):
    list_display = ["id", "decided_at", "decision", "whitelisted_until", "subject", "entry", "decided_by"]
    list_filter = ["decision"]
    list_select_related = ["subject", "entry", "decided_by"]
    date_hierarchy = "decided_at"
    ordering = ["-decided_at"]
    exclude = ["identity_sha256"]


# --- OFAC reports --------------------------------------------------------------------------------


class DueFilter(admin.SimpleListFilter):
    title = "due"
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("overdue", "Overdue"), ("week", "Due within 7 days")]

    def queryset(self, request, queryset):
        today = business_date()
        drafts = queryset.filter(status=OfacReport.Status.DRAFT)
        if self.value() == "overdue":
            return drafts.filter(due_date__lt=today)
        if self.value() == "week":
            return drafts.filter(due_date__gte=today, due_date__lte=today + dt.timedelta(days=7))
        return queryset


@admin.register(OfacReport)
class OfacReportAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "status", "event_date", "due_date", "overdue", "entry", "retain_until", "filed_at"]
    list_filter = ["kind", "status", DueFilter]
    list_select_related = ["entry"]
    date_hierarchy = "due_date"
    ordering = ["due_date", "id"]
    actions = ["mark_filed", "write_document"]

    def has_file_permission(self, request) -> bool:
        return request.user.has_perm(SCREEN_PERMISSION)

    @admin.display(boolean=True, description="overdue")
    def overdue(self, obj: OfacReport) -> bool:
        return obj.status == OfacReport.Status.DRAFT and obj.due_date < business_date()

    @admin.action(description="Mark filed with OFAC", permissions=["file"])
    def mark_filed(self, request, queryset):
        for report in queryset.order_by("pk"):
            try:
                services.ofac_report_mark_filed(report=report, acting_user=request.user)
            except ApplicationError as exc:
                self.message_user(request, f"Report {report.pk}: {exc.detail}", level=messages.ERROR)

    @admin.action(description="Write the report document (private storage)", permissions=["file"])
    def write_document(self, request, queryset):
        for report in queryset.order_by("pk"):
            path = services.ofac_report_write(report=report)
            self.message_user(request, f"Report {report.pk} written to {path.name}.")


# --- 314(a): the BSA officer only ---------------------------------------------------------------------


class Fincen314aOnly(ReadOnlyAdmin):
    """Invisible (not even in the index) to anyone without `compliance.handle_314a`."""

    def has_module_permission(self, request) -> bool:
        return request.user.has_perm(FINCEN_PERMISSION)

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(FINCEN_PERMISSION)

    def has_decide_permission(self, request) -> bool:
        return request.user.has_perm(FINCEN_PERMISSION)


@admin.register(Fincen314aList)
class Fincen314aListAdmin(Fincen314aOnly):
    list_display = ["id", "name", "received_on", "due_on", "subjects_count", "customers_searched", "status"]
    list_filter = ["status"]
    ordering = ["-received_on", "-id"]


@admin.register(Fincen314aSubject)
class Fincen314aSubjectAdmin(Fincen314aOnly):
    list_display = ["id", "request_list", "tracking_number", "subject_type", "last_name", "first_name", "business_name"]
    list_select_related = ["request_list"]
    search_fields = ["tracking_number", "last_name", "business_name"]
    exclude = ["number_encrypted", "number_blind_index"]
    ordering = ["request_list_id", "row_number"]


@admin.register(Fincen314aMatch)
class Fincen314aMatchAdmin(Fincen314aOnly):
    list_display = ["id", "subject", "customer_id", "score", "status", "due_on", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["subject"]
    ordering = ["due_on", "id"]
    readonly_fields = ["reasons_display"]
    exclude = ["reasons"]
    actions = ["mark_reported", "mark_not_a_match"]

    @admin.display(description="reasons")
    def reasons_display(self, obj: Fincen314aMatch):
        return _reasons_html(obj.reasons)

    def _decide(self, request, queryset, decision: str) -> None:
        for match in queryset.order_by("pk"):
            try:
                services.fincen314a_match_decide(match=match, decision=decision, acting_user=request.user)
            except ApplicationError as exc:
                self.message_user(request, f"Match {match.pk}: {exc.detail}", level=messages.ERROR)

    @admin.action(description="Confirm and mark reported to FinCEN", permissions=["decide"])
    def mark_reported(self, request, queryset):
        self._decide(request, queryset, Fincen314aMatch.Status.REPORTED)

    @admin.action(description="Not a match", permissions=["decide"])
    def mark_not_a_match(self, request, queryset):
        self._decide(request, queryset, Fincen314aMatch.Status.NOT_A_MATCH)
