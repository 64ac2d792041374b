"""compliance: the back-office console for sanctions screening, OFAC reports, 314(a), monitoring
alerts, cases, CTRs, SARs and FinCEN filings.

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
    Alert,
    Case,
    CaseNote,
    Ctr,
    DigitalCurrencyAddress,
    Disposition,
    Filing,
    Fincen314aList,
    Fincen314aMatch,
    Fincen314aSubject,
    OfacReport,
    SanctionsAddress,
    SanctionsAlias,
    SanctionsEntry,
    SanctionsListVersion,
    Sar,
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
    list_display = [
        "id",
        "name",
        "received_on",
        "due_on",
        "subjects_count",
        "customers_searched",
        "transaction_parties_searched",
        "status",
    ]
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
    list_display = [
        "id",
        "subject",
        "customer_id",
        "transaction_reference",
        "matched_name",
        "score",
        "status",
        "due_on",
        "decided_at",
    ]
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


# --- monitoring alerts, cases, CTRs, SARs, filings ---------------------------------------------

WORK_PERMISSION = "compliance.work_alerts"
SAR_PERMISSION = "compliance.handle_sar"
SAR_APPROVE_PERMISSION = "compliance.approve_sar"
CTR_FILE_PERMISSION = "compliance.file_ctr"


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 80}), max_length=4000)


def _run_each(modeladmin, request, queryset, label: str, call) -> int:
    done = 0
    for obj in queryset.order_by("pk"):
        try:
            call(obj)
            done += 1
        except ApplicationError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.detail}", level=messages.ERROR)
    if done:
        modeladmin.message_user(request, f"{done} {label}.", messages.SUCCESS)
    return done


def _with_reason(modeladmin, request, queryset, title: str, call, warning: str = ""):
    form = ReasonForm(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        _run_each(modeladmin, request, queryset, "done", lambda obj: call(obj, form.cleaned_data["reason"]))
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "objects": queryset,
        "form": form,
        "warning": warning,
        "action": request.POST.get("action"),
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
        "opts": modeladmin.model._meta,
    }
    return TemplateResponse(request, "admin/compliance/reason_action.html", context)


class AlarmBannerMixin:
    """Terrorist financing or ongoing laundering not yet reported to law enforcement: an alarm on
    every alert and case list."""

    def changelist_view(self, request, extra_context=None):
        from .selectors import compliance_alarms

        for alarm in compliance_alarms():
            self.message_user(request, alarm, level=messages.ERROR)
        return super().changelist_view(request, extra_context)


@admin.register(Alert)
class AlertAdmin(AlarmBannerMixin, ReadOnlyAdmin):
    list_display = [
        "id",
        "detected_at",
        "rule_name",
        "rule_version",
        "customer_id",
        "score",
        "amount",
        "status",
        "case",
    ]
    list_filter = ["status", "rule_name", "shadow"]
    list_select_related = ["case"]
    search_fields = ["=id", "=case__id", "rule_name"]
    date_hierarchy = "detected_at"
    ordering = ["-detected_at", "-id"]
    exclude = ["details"]
    actions = ["dismiss"]

    def has_work_permission(self, request) -> bool:
        return request.user.has_perm(WORK_PERMISSION)

    @admin.action(description="Dismiss (reason required)", permissions=["work"])
    def dismiss(self, request, queryset):
        return _with_reason(
            self,
            request,
            queryset,
            "Dismiss these alerts",
            lambda alert, reason: services.alert_dismiss(alert=alert, reason=reason, acting_user=request.user),
        )


class AlertInline(ReadOnlyInline):
    model = Alert
    fields = ["rule_name", "rule_version", "detected_at", "score", "amount", "evidence", "status"]
    readonly_fields = fields


class CaseNoteInline(ReadOnlyInline):
    model = CaseNote
    fields = ["created_at", "author", "text"]
    readonly_fields = fields
    show_change_link = False


@admin.register(Case)
class CaseAdmin(AlarmBannerMixin, ReadOnlyAdmin):
    list_display = ["id", "customer_id", "status", "assigned_to", "detected_on", "due_on", "terrorist_financing"]
    list_filter = ["status", "terrorist_financing"]
    list_select_related = ["assigned_to"]
    search_fields = ["=id"]
    date_hierarchy = "opened_at"
    ordering = ["due_on", "id"]
    inlines = [AlertInline, CaseNoteInline]
    actions = [
        "assign_to_me",
        "start_investigation",
        "escalate",
        "mark_sar_required",
        "close_no_action",
        "add_note",
        "flag_terrorist_financing",
    ]

    def has_work_permission(self, request) -> bool:
        return request.user.has_perm(WORK_PERMISSION)

    def _move(self, request, queryset, to: str):
        _run_each(
            self,
            request,
            queryset,
            f"case(s) moved to {to}",
            lambda case: services.case_transition(case=case, to=to, acting_user=request.user),
        )

    @admin.action(description="Assign to me", permissions=["work"])
    def assign_to_me(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            "case(s) assigned",
            lambda case: services.case_assign(case=case, assignee=request.user, acting_user=request.user),
        )

    @admin.action(description="Start investigating", permissions=["work"])
    def start_investigation(self, request, queryset):
        self._move(request, queryset, Case.Status.INVESTIGATING)

    @admin.action(description="Escalate", permissions=["work"])
    def escalate(self, request, queryset):
        self._move(request, queryset, Case.Status.ESCALATED)

    @admin.action(description="Mark SAR required", permissions=["work"])
    def mark_sar_required(self, request, queryset):
        self._move(request, queryset, Case.Status.SAR_REQUIRED)

    @admin.action(description="Close without action (reason required)", permissions=["work"])
    def close_no_action(self, request, queryset):
        return _with_reason(
            self,
            request,
            queryset,
            "Close these cases without action",
            lambda case, reason: services.case_transition(
                case=case, to=Case.Status.CLOSED_NO_ACTION, reason=reason, acting_user=request.user
            ),
        )

    @admin.action(description="Add a note", permissions=["work"])
    def add_note(self, request, queryset):
        return _with_reason(
            self,
            request,
            queryset,
            "Add a note to these cases",
            lambda case, text: services.case_note_add(case=case, text=text, acting_user=request.user),
        )

    @admin.action(description="Flag terrorist financing: escalate to law enforcement now", permissions=["work"])
    def flag_terrorist_financing(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            "case(s) flagged",
            lambda case: services.case_flag_terrorist_financing(case=case, acting_user=request.user),
        )


@admin.register(Ctr)
class CtrAdmin(ReadOnlyAdmin):
    list_display = ["id", "subject_id", "business_date", "direction", "total_amount", "status", "due_on", "bsa_id"]
    list_filter = ["status", "direction"]
    date_hierarchy = "business_date"
    ordering = ["due_on", "id"]
    exclude = ["conductors"]
    actions = ["approve"]

    def has_file_permission(self, request) -> bool:
        return request.user.has_perm(CTR_FILE_PERMISSION)

    @admin.action(description="Approve for filing", permissions=["file"])
    def approve(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            "CTR(s) approved",
            lambda ctr: services.ctr_approve(ctr=ctr, acting_user=request.user),
        )


@admin.register(Sar)
class SarAdmin(ReadOnlyAdmin):
    """Visible only to holders of the SAR permission; every opened SAR is written to the audit log."""

    list_display = [
        "id",
        "case_id",
        "status",
        "suspicious_amount",
        "at_or_above_threshold",
        "due_on",
        "prepared_by",
        "approved_by",
        "bsa_id",
    ]
    list_filter = ["status", "terrorist_financing"]
    list_select_related = ["prepared_by", "approved_by"]
    ordering = ["due_on", "id"]
    exclude = ["subject_data"]
    actions = ["submit_for_review", "approve", "close_no_filing"]

    @admin.display(description="mandatory (at or above the SAR threshold)", boolean=True)
    def at_or_above_threshold(self, obj: Sar) -> bool:
        from .services.sar import sar_threshold

        return obj.suspicious_amount >= sar_threshold()

    def _sar_role(self, request) -> bool:
        return request.user.is_active and request.user.is_staff and request.user.has_perm(SAR_PERMISSION)

    def has_module_permission(self, request) -> bool:
        return self._sar_role(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._sar_role(request)

    def has_handle_permission(self, request) -> bool:
        return self._sar_role(request)

    def has_approve_permission(self, request) -> bool:
        return self._sar_role(request) and request.user.has_perm(SAR_APPROVE_PERMISSION)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        sar = Sar.objects.filter(pk=object_id).first() if str(object_id).isdigit() else None
        if sar is not None and self._sar_role(request):
            services.sar_record_access(sar=sar, user=request.user, action="view", detail="admin")
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="Send for review", permissions=["handle"])
    def submit_for_review(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            "SAR(s) sent for review",
            lambda sar: services.sar_submit_for_review(sar=sar, acting_user=request.user),
        )

    @admin.action(description="Approve (a second officer, never the preparer)", permissions=["approve"])
    def approve(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            "SAR(s) approved",
            lambda sar: services.sar_approve(sar=sar, acting_user=request.user),
        )

    @admin.action(description="Close without filing (reason required)", permissions=["approve"])
    def close_no_filing(self, request, queryset):
        return _with_reason(
            self,
            request,
            queryset,
            "Close these SARs without filing",
            lambda sar, reason: services.sar_close_no_filing(sar=sar, reason=reason, acting_user=request.user),
        )


@admin.register(Filing)
class FilingAdmin(ReadOnlyAdmin):
    """SAR batches are visible only to holders of the SAR permission."""

    list_display = ["id", "kind", "status", "created_at", "activity_count", "party_count", "total_amount"]
    list_filter = ["kind", "status"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    readonly_fields = ["file_sha256", "acknowledgement_errors"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not request.user.has_perm(SAR_PERMISSION):
            queryset = queryset.exclude(kind=Filing.Kind.SAR)
        return queryset
