"""compliance: the back-office console for sanctions screening, OFAC reports, 314(a), monitoring
alerts, cases, CTRs, SARs and FinCEN filings.

Everything is read-only here; decisions are admin actions that call the services. 314(a) is
visible only to holders of `compliance.handle_314a` (the BSA officer).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from blockguardian.admin import Panel, confirm_first, dashboard_register
from blockguardian.admin_paginator import EstimatedCountPaginator
from blockguardian.calendar import business_date
from blockguardian.errors import ApplicationError

from . import selectors, services
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
    list_display = [
        "id",
        "created_at",
        "subject",
        "customer_id",
        "matched_name",
        "score",
        "band",
        "status",
        "entry",
        "entry_detail",
    ]
    list_filter = [HitStatusFilter, "band", "run__trigger"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
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

    @admin.display(description="SDN entry (born; countries; programs)")
    def entry_detail(self, obj: ScreeningHit):
        entry = obj.entry
        return format_html(
            "{} — born {}; {}; {}",
            entry.entry_type,
            "; ".join(d["text"] for d in entry.dates_of_birth) or "—",
            ", ".join(entry.countries) or "—",
            ", ".join(entry.programs) or "—",
        )

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
    @confirm_first("The selected reports are recorded as filed with OFAC.")
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
    @confirm_first("The selected matches are confirmed and recorded as reported to FinCEN.")
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


class NarrativeForm(forms.Form):
    reason = forms.CharField(
        label="Narrative",
        widget=forms.Textarea(attrs={"rows": 16, "cols": 100}),
        max_length=20000,
        help_text="Replaces the draft's narrative.",
    )


def _classification_choices():
    from .services.fincen_xml import SAR_SUBTYPES, SAR_TYPES, subtype_type

    return [
        (f"{subtype_type(sub)}:{sub}", f"{SAR_TYPES[subtype_type(sub)]} — subtype {sub}")
        for sub in sorted(SAR_SUBTYPES)
        if subtype_type(sub) in SAR_TYPES
    ]


class SarDraftForm(forms.Form):
    classifications = forms.MultipleChoiceField(
        choices=_classification_choices, help_text="The kinds of suspicious activity (FinCEN SAR items 29–38)."
    )
    suspect_identified = forms.BooleanField(required=False, initial=True, label="Suspect identified")


def _run_each(modeladmin, request, queryset, label: str, call) -> int:
    done = 0
    for obj in queryset.order_by("pk"):
        try:
            call(obj)
            done += 1
        except ApplicationError as exc:
            modeladmin.message_user(request, f"{obj}: {_plain_detail(exc)}", level=messages.ERROR)
    if done:
        modeladmin.message_user(request, f"{done} {label}.", messages.SUCCESS)
    return done


def _with_form(modeladmin, request, queryset, title: str, call, *, form_class=ReasonForm, warning: str = ""):
    form = form_class(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        _run_each(modeladmin, request, queryset, "done", lambda obj: call(obj, form.cleaned_data))
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


def _with_reason(modeladmin, request, queryset, title: str, call, warning: str = ""):
    return _with_form(
        modeladmin, request, queryset, title, lambda obj, data: call(obj, data["reason"]), warning=warning
    )


# --- errors in plain words ---------------------------------------------------------------------------

_ELEMENT = re.compile(r"Element '(?:\{[^}]*\})?(?:fc2:)?([A-Za-z0-9]+)'")
_EXPECTED = re.compile(r"Expected is (?:one of )?\( ?([^)]*)\)")


def _words(name: str) -> str:
    """'RawIndividualLastName' → 'raw individual last name'."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name.replace("fc2:", "")).lower().strip()


def plain_words(error: str) -> str:
    """A FinCEN schema or business-rule message as an officer reads it."""
    text = re.sub(r"^line \d+: ", "", error).replace("{www.fincen.gov/base}", "")
    element = _ELEMENT.search(text)
    name = _words(element.group(1)) if element else ""
    if element and ("minLength" in text or "The value has a length of '0'" in text):
        return f"The {name} is empty: fill it in."
    if element and "Missing child element" in text:
        expected = _EXPECTED.search(text)
        missing = ", ".join(_words(e.strip()) for e in expected.group(1).split(",")) if expected else "an element"
        return f"The {name} is missing its {missing}."
    if element and ("is not a valid value" in text or "is not an element of the set" in text):
        return f"The {name} has a value FinCEN does not accept."
    if element and "pattern" in text:
        return f"The {name} is not in the format FinCEN expects."
    return text[:1].upper() + text[1:]


def _plain_detail(exc: ApplicationError) -> str:
    errors = (getattr(exc, "errors", None) or {}).get("batch") or []
    if errors:
        listed = "; ".join(plain_words(e) for e in errors[:8])
        return f"{exc.detail}: {listed}"
    return str(exc.detail)


# --- the dashboard ---------------------------------------------------------------------------------


def _alerts_panels(request):
    now = timezone.now()
    by_rule = selectors.alert_open_by_rule()
    return [
        Panel(
            title="Open alerts by rule",
            rows=[("Open alerts", sum(n for _, n in by_rule), "/admin/compliance/alert/?status__exact=open")],
            chart=by_rule[:10],
            note="" if by_rule else "No open alerts.",
        ),
        Panel(title="Alerts being worked, by age", chart=selectors.alert_unresolved_by_age(now=now)),
    ]


def _cases_panel(request):
    owners = selectors.case_working_by_owner()
    mine = selectors.case_list(assigned_to=request.user, working=True).count()
    return Panel(
        title="Cases by state and owner",
        rows=[("Assigned to me", mine, "/admin/compliance/case/?owner=me")] + [(owner, n, "") for owner, n in owners],
        chart=selectors.case_working_by_status(),
    )


def _due_panel(request):
    user = request.user
    due = selectors.filings_due(today=business_date())
    rows = []
    shown = [("ctr", "CTRs", "/admin/compliance/ctr/", True)]
    shown.append(("sar", "SARs", "/admin/compliance/sar/", user.has_perm(SAR_PERMISSION)))
    shown.append(("ofac", "OFAC reports", "/admin/compliance/ofacreport/", user.has_perm(SCREEN_PERMISSION)))
    shown.append(
        ("fincen314a", "314(a) matches", "/admin/compliance/fincen314amatch/", user.has_perm(FINCEN_PERMISSION))
    )
    chart = []
    for key, label, link, visible in shown:
        if not visible:
            continue
        rows.append((f"{label} overdue", due[key]["overdue"], f"{link}?due=overdue"))
        rows.append((f"{label} due in 7 days", due[key]["due_soon"], f"{link}?due=week"))
        chart.append((label, due[key]["overdue"] + due[key]["due_soon"]))
    if user.has_perm(SCREEN_PERMISSION):
        rows.append(
            (
                "Open sanctions reviews",
                selectors.screening_reviews_open_count(),
                "/admin/compliance/screeningreview/?status__exact=open",
            )
        )
    return Panel(title="Filings due", rows=rows, chart=chart)


def _alarm_panel(request):
    alarms = selectors.compliance_alarms()
    if not alarms:
        return None
    return Panel(
        title="Terrorist financing / ongoing laundering",
        alarm=alarms[0],
        rows=[(alarm, "", "/admin/compliance/case/?terrorist_financing__exact=1") for alarm in alarms[1:]],
    )


dashboard_register("compliance_alarm", _alarm_panel, permissions=[WORK_PERMISSION], order=0)
dashboard_register("compliance_alerts", _alerts_panels, permissions=[WORK_PERMISSION], order=20)
dashboard_register("compliance_cases", _cases_panel, permissions=[WORK_PERMISSION], order=21)
dashboard_register(
    "compliance_due", _due_panel, permissions=[WORK_PERMISSION, CTR_FILE_PERMISSION, SCREEN_PERMISSION], order=22
)


class AlarmBannerMixin:
    """Terrorist financing or ongoing laundering not yet reported to law enforcement: an alarm on
    every alert and case list."""

    def changelist_view(self, request, extra_context=None):
        for alarm in selectors.compliance_alarms():
            self.message_user(request, alarm, level=messages.ERROR)
        return super().changelist_view(request, extra_context)


# --- list filters --------------------------------------------------------------------------------


class OwnerFilter(admin.SimpleListFilter):
    title = "owner"
    parameter_name = "owner"
    field = "assigned_to"

    def lookups(self, request, model_admin):
        return [("me", "Assigned to me"), ("none", "Unassigned")]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(**{self.field: request.user})
        if self.value() == "none":
            return queryset.filter(**{f"{self.field}__isnull": True})
        return queryset


class AlertOwnerFilter(OwnerFilter):
    field = "case__assigned_to"


class AgeFilter(admin.SimpleListFilter):
    title = "age"
    parameter_name = "age"
    field = "detected_at"

    def lookups(self, request, model_admin):
        return [(f"{low}-{high or ''}", label) for low, high, label in selectors.ALERT_AGE_BUCKETS]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        low, _, high = self.value().partition("-")
        now = timezone.now()
        queryset = queryset.filter(**{f"{self.field}__lte": now - dt.timedelta(days=int(low or 0))})
        if high:
            queryset = queryset.filter(**{f"{self.field}__gt": now - dt.timedelta(days=int(high) + 1)})
        return queryset


class CaseAgeFilter(AgeFilter):
    field = "opened_at"


class AmountFilter(admin.SimpleListFilter):
    title = "amount"
    parameter_name = "amount"
    BANDS = {
        "lt5k": (None, 5000),
        "5k-10k": (5000, 10000),
        "10k-50k": (10000, 50000),
        "50k+": (50000, None),
    }

    def lookups(self, request, model_admin):
        return [
            ("lt5k", "under $5,000"),
            ("5k-10k", "$5,000–$9,999"),
            ("10k-50k", "$10,000–$49,999"),
            ("50k+", "$50,000 and more"),
        ]

    def queryset(self, request, queryset):
        band = self.BANDS.get(self.value() or "")
        if band is None:
            return queryset
        low, high = band
        if low is not None:
            queryset = queryset.filter(amount__gte=low)
        if high is not None:
            queryset = queryset.filter(amount__lt=high)
        return queryset


class RecordDueFilter(admin.SimpleListFilter):
    """CTRs and SARs not done yet: overdue, or due within 7 days."""

    title = "due"
    parameter_name = "due"
    done: tuple = ()

    def lookups(self, request, model_admin):
        return [("overdue", "Overdue"), ("week", "Due within 7 days")]

    def queryset(self, request, queryset):
        today = business_date()
        working = queryset.exclude(status__in=self.done)
        if self.value() == "overdue":
            return working.filter(due_on__lt=today)
        if self.value() == "week":
            return working.filter(due_on__gte=today, due_on__lte=today + dt.timedelta(days=7))
        return queryset


class CtrDueFilter(RecordDueFilter):
    done = (Ctr.Status.FILED,)


class SarDueFilter(RecordDueFilter):
    done = (Sar.Status.FILED, Sar.Status.CLOSED_NO_FILING)


class Fincen314aDueFilter(RecordDueFilter):
    done = (Fincen314aMatch.Status.REPORTED, Fincen314aMatch.Status.NOT_A_MATCH)


Fincen314aMatchAdmin.list_filter = ["status", Fincen314aDueFilter]


def _evidence_links(references) -> str:
    links = []
    for ref in references or []:
        label, _, pk = str(ref).partition(":")
        app_model = label.replace(".", "/")
        if pk.isdigit() and label.count(".") == 1:
            links.append((f"/admin/{app_model}/{pk}/change/", ref))
        else:
            links.append(("", ref))
    return format_html(
        "<ul>{}</ul>",
        format_html_join("", '<li><a href="{}">{}</a></li>', ((u or "#", r) for u, r in links)),
    )


# --- alerts --------------------------------------------------------------------------------------


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
        "owner",
    ]
    list_filter = ["status", "rule_name", AlertOwnerFilter, AgeFilter, AmountFilter, "shadow"]
    list_select_related = ["case"]
    search_fields = ["=id", "=case__id", "rule_name", "=customer__id", "=customer__email"]
    date_hierarchy = "detected_at"
    ordering = ["-detected_at", "-id"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    exclude = ["details", "evidence"]
    readonly_fields = ["evidence_transactions", "case_link"]
    actions = ["assign_to_me", "group_into_case", "dismiss"]

    def has_work_permission(self, request) -> bool:
        return request.user.has_perm(WORK_PERMISSION)

    @admin.display(description="owner")
    def owner(self, obj: Alert):
        return obj.case.assigned_to_id if obj.case_id and obj.case.assigned_to_id else "—"

    @admin.display(description="evidence (the source records)")
    def evidence_transactions(self, obj: Alert):
        return _evidence_links(obj.evidence)

    @admin.display(description="case")
    def case_link(self, obj: Alert):
        if not obj.case_id:
            return "—"
        return format_html(
            '<a href="{}">case {}</a>', reverse("admin:compliance_case_change", args=[obj.case_id]), obj.case_id
        )

    @admin.action(description="Assign to me (the alert's case)", permissions=["work"])
    def assign_to_me(self, request, queryset):
        cases = Case.objects.filter(pk__in=queryset.exclude(case=None).values("case_id"))
        _run_each(
            self,
            request,
            cases,
            "case(s) assigned to you",
            lambda case: services.case_assign(case=case, assignee=request.user, acting_user=request.user),
        )

    @admin.action(description="Work into the customer's case (opens one if needed)", permissions=["work"])
    def group_into_case(self, request, queryset):
        customers = sorted(
            {
                str(c)
                for c in queryset.filter(status=Alert.Status.OPEN, shadow=False).values_list("customer_id", flat=True)
                if c
            }
        )
        for customer_id in customers:
            case = services.alerts_group_into_case(customer_id=customer_id)
            if case is not None:
                self.message_user(request, f"Alerts of customer {customer_id} are in {case}.", messages.SUCCESS)

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
    fields = ["rule_name", "rule_version", "detected_at", "score", "amount", "evidence_links", "status"]
    readonly_fields = fields

    @admin.display(description="evidence")
    def evidence_links(self, obj: Alert):
        return _evidence_links(obj.evidence)


class CaseNoteInline(ReadOnlyInline):
    model = CaseNote
    fields = ["created_at", "author", "text"]
    readonly_fields = fields
    show_change_link = False


# --- cases ---------------------------------------------------------------------------------------


@admin.register(Case)
class CaseAdmin(AlarmBannerMixin, ReadOnlyAdmin):
    list_display = [
        "id",
        "customer_id",
        "status",
        "assigned_to",
        "detected_on",
        "due_on",
        "alert_count",
        "terrorist_financing",
    ]
    list_filter = ["status", OwnerFilter, CaseAgeFilter, "terrorist_financing", "ongoing_laundering"]
    list_select_related = ["assigned_to"]
    search_fields = ["=id", "=customer__id", "=customer__email"]
    date_hierarchy = "opened_at"
    ordering = ["due_on", "id"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    readonly_fields = ["customer_timeline", "sars_link"]
    inlines = [AlertInline, CaseNoteInline]
    actions = [
        "assign_to_me",
        "start_investigation",
        "escalate",
        "mark_sar_required",
        "draft_sar",
        "close_no_action",
        "add_note",
        "flag_terrorist_financing",
        "law_enforcement_notified",
    ]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(alerts_total=Count("alerts"))

    def has_work_permission(self, request) -> bool:
        return request.user.has_perm(WORK_PERMISSION)

    def has_sar_permission(self, request) -> bool:
        return request.user.is_staff and request.user.has_perm(SAR_PERMISSION)

    @admin.display(description="alerts", ordering="alerts_total")
    def alert_count(self, obj: Case) -> int:
        return getattr(obj, "alerts_total", 0)

    @admin.display(description="customer timeline (transactions, logins, KYC, screening, alerts)")
    def customer_timeline(self, obj: Case):
        items = selectors.customer_timeline(customer=obj.customer)
        if not items:
            return "—"
        rows = (
            (
                timezone.localtime(i["at"]).strftime("%Y-%m-%d %H:%M"),
                i["kind"],
                i["link"] or "#",
                i["summary"],
            )
            for i in items
        )
        return format_html(
            '<table class="timeline"><tr><th>when</th><th>what</th><th>detail</th></tr>{}</table>',
            format_html_join("", '<tr><td>{}</td><td>{}</td><td><a href="{}">{}</a></td></tr>', rows),
        )

    @admin.display(description="SARs")
    def sars_link(self, obj: Case):
        return format_html('<a href="/admin/compliance/sar/?case__id__exact={}">SARs of this case</a>', obj.pk)

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

    @admin.action(description="Draft the SAR (classification required)", permissions=["sar"])
    def draft_sar(self, request, queryset):
        def draft(case, data):
            pairs = [tuple(int(x) for x in value.split(":")) for value in data["classifications"]]
            sar = services.sar_draft_create(
                case=case,
                acting_user=request.user,
                classifications=pairs,
                suspect_identified=data["suspect_identified"],
            )
            link = reverse("admin:compliance_sar_change", args=[sar.pk])
            self.message_user(request, format_html('Drafted <a href="{}">SAR {}</a>.', link, sar.pk), messages.SUCCESS)

        return _with_form(self, request, queryset, "Draft a SAR for these cases", draft, form_class=SarDraftForm)

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

    @admin.action(description="Record that law enforcement was notified (whom, when)", permissions=["work"])
    def law_enforcement_notified(self, request, queryset):
        return _with_reason(
            self,
            request,
            queryset,
            "Law enforcement notified: say whom you called and when",
            lambda case, note: services.case_law_enforcement_notified(case=case, note=note, acting_user=request.user),
        )


# --- CTRs ----------------------------------------------------------------------------------------


@admin.register(Ctr)
class CtrAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "subject_id",
        "business_date",
        "direction",
        "total_amount",
        "status",
        "due_on",
        "overdue",
        "bsa_id",
    ]
    list_filter = ["status", "direction", CtrDueFilter]
    search_fields = ["=id", "=subject__id"]
    date_hierarchy = "business_date"
    ordering = ["due_on", "id"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    exclude = ["conductors"]
    actions = ["approve", "generate_batch"]

    def has_file_permission(self, request) -> bool:
        return request.user.has_perm(CTR_FILE_PERMISSION)

    @admin.display(boolean=True, description="overdue")
    def overdue(self, obj: Ctr) -> bool:
        return obj.status != Ctr.Status.FILED and obj.due_on < business_date()

    @admin.action(description="Approve for filing", permissions=["file"])
    def approve(self, request, queryset):
        _run_each(
            self,
            request,
            queryset,
            "CTR(s) approved",
            lambda ctr: services.ctr_approve(ctr=ctr, acting_user=request.user),
        )

    @admin.action(description="Generate the FinCEN batch of the selected approved CTRs", permissions=["file"])
    @confirm_first("A CTR batch (BSA XML) is written for FinCEN and the selected CTRs are marked filed.")
    def generate_batch(self, request, queryset):
        ids = list(queryset.filter(status=Ctr.Status.APPROVED).order_by("pk").values_list("pk", flat=True))
        _file_batch(self, request, "ctr", ids)


def _file_batch(modeladmin, request, kind: str, ids: list[int]) -> None:
    if not ids:
        modeladmin.message_user(request, f"Select approved {kind.upper()}s to file.", messages.WARNING)
        return
    try:
        result = services.filing_write(kind=kind, record_ids=ids, acting_user=request.user)
    except ApplicationError as exc:
        modeladmin.message_user(request, _plain_detail(exc), messages.ERROR)
        return
    link = reverse("admin:compliance_filing_change", args=[result.filing.pk])
    modeladmin.message_user(
        request,
        format_html('{} {}(s) filed in <a href="{}">filing {}</a>.', len(ids), kind.upper(), link, result.filing.pk),
        messages.SUCCESS,
    )


# --- SARs ----------------------------------------------------------------------------------------


class SarNarrativeForm(forms.ModelForm):
    """The draft's narrative, checked as the service checks it (so the page shows the error)."""

    class Meta:
        model = Sar
        fields = ["narrative"]

    def clean_narrative(self) -> str:
        text = (self.cleaned_data.get("narrative") or "").strip()
        if not text or len(text) > 20000:
            raise forms.ValidationError("The narrative needs 1 to 20,000 characters.")
        return text


@admin.register(Sar)
class SarAdmin(ReadOnlyAdmin):
    """Visible only to holders of the SAR permission; every opened SAR and every XML download is
    written to the audit log."""

    list_display = [
        "id",
        "case_id",
        "status",
        "suspicious_amount",
        "at_or_above_threshold",
        "due_on",
        "overdue",
        "prepared_by",
        "approved_by",
        "bsa_id",
    ]
    list_filter = ["status", SarDueFilter, "terrorist_financing"]
    list_select_related = ["prepared_by", "approved_by"]
    search_fields = ["=id", "=case__id", "=subject__id"]
    ordering = ["due_on", "id"]
    exclude = ["subject_data"]
    form = SarNarrativeForm
    readonly_fields = ["validation", "xml_download"]
    actions = ["edit_narrative", "submit_for_review", "approve", "file", "close_no_filing"]

    @admin.display(description="mandatory (at or above the SAR threshold)", boolean=True)
    def at_or_above_threshold(self, obj: Sar) -> bool:
        from .services.sar import sar_threshold

        return obj.suspicious_amount >= sar_threshold()

    @admin.display(boolean=True, description="overdue")
    def overdue(self, obj: Sar) -> bool:
        return obj.status not in (Sar.Status.FILED, Sar.Status.CLOSED_NO_FILING) and obj.due_on < business_date()

    @admin.display(description="FinCEN checks (before filing)")
    def validation(self, obj: Sar):
        if obj.status in (Sar.Status.FILED, Sar.Status.CLOSED_NO_FILING):
            return "—"
        from .services.filings import sar_batch_prepare

        errors = sar_batch_prepare(sars=[obj]).errors
        if not errors:
            return format_html('<strong style="color:green">{}</strong>', "Ready: FinCEN's checks pass.")
        return format_html(
            '<ul class="errorlist">{}</ul>', format_html_join("", "<li>{}</li>", ((plain_words(e),) for e in errors))
        )

    @admin.display(description="BSA XML")
    def xml_download(self, obj: Sar):
        if obj.filing_id is None:
            return "Written when the SAR is filed."
        url = reverse("admin:compliance_sar_xml", args=[obj.pk])
        return format_html('<a href="{}" id="sar-xml-download">Download the filed XML</a> (audited)', url)

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

    # The SAR page is the editor of a draft's narrative (through the service); everything else on
    # it, and every SAR past its draft, is read-only.
    def has_change_permission(self, request, obj=None) -> bool:
        return self._sar_role(request) and obj is not None and obj.status == Sar.Status.DRAFT

    def get_readonly_fields(self, request, obj=None):
        editable = {"narrative"} if self.has_change_permission(request, obj) else set()
        fields = [f.name for f in Sar._meta.concrete_fields if f.name not in editable and f.name not in self.exclude]
        return [*fields, "validation", "xml_download"]

    def save_model(self, request, obj, form, change) -> None:
        services.sar_narrative_edit(sar=obj.pk, narrative=form.cleaned_data["narrative"], acting_user=request.user)

    def get_urls(self):
        urls = [path("<int:sar_id>/xml/", self.admin_site.admin_view(self.xml_view), name="compliance_sar_xml")]
        return urls + super().get_urls()

    def xml_view(self, request, sar_id: int):
        """The filed batch holding this SAR, for the SAR role only; each download is audited."""
        if not self._sar_role(request):
            raise PermissionDenied
        sar = Sar.objects.select_related("filing").filter(pk=sar_id).first()
        if sar is None or sar.filing is None:
            raise Http404("no filed XML for this SAR")
        path_ = Path(sar.filing.file_path)
        if not path_.is_file():
            raise Http404("the filing's file is not on this server")
        services.sar_record_access(sar=sar, user=request.user, action="download", detail=f"filing {sar.filing_id}")
        response = HttpResponse(path_.read_bytes(), content_type="application/xml")
        response["Content-Disposition"] = f'attachment; filename="sar_{sar.pk}_filing_{sar.filing_id}.xml"'
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        sar = Sar.objects.filter(pk=object_id).first() if str(object_id).isdigit() else None
        if sar is not None and self._sar_role(request):
            services.sar_record_access(sar=sar, user=request.user, action="view", detail="admin")
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="Edit the draft's narrative", permissions=["handle"])
    def edit_narrative(self, request, queryset):
        return _with_form(
            self,
            request,
            queryset,
            "Replace the narrative of these drafts",
            lambda sar, data: services.sar_narrative_edit(sar=sar, narrative=data["reason"], acting_user=request.user),
            form_class=NarrativeForm,
        )

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

    @admin.action(description="File with FinCEN (the selected approved SARs, one batch)", permissions=["approve"])
    @confirm_first("A SAR batch (BSA XML) is written for FinCEN and the selected SARs are marked filed.")
    def file(self, request, queryset):
        ids = list(queryset.filter(status=Sar.Status.APPROVED).order_by("pk").values_list("pk", flat=True))
        _file_batch(self, request, "sar", ids)

    @admin.action(description="Close without filing (reason required)", permissions=["approve"])
    def close_no_filing(self, request, queryset):
        return _with_reason(
            self,
            request,
            queryset,
            "Close these SARs without filing",
            lambda sar, reason: services.sar_close_no_filing(sar=sar, reason=reason, acting_user=request.user),
        )


# --- filings ---------------------------------------------------------------------------------------


@admin.register(Filing)
class FilingAdmin(ReadOnlyAdmin):
    """SAR batches are visible only to holders of the SAR permission; downloading one is audited
    for each SAR it holds."""

    list_display = ["id", "kind", "status", "created_at", "activity_count", "party_count", "total_amount"]
    list_filter = ["kind", "status"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    readonly_fields = ["file_sha256", "acknowledgement_errors", "download"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not request.user.has_perm(SAR_PERMISSION):
            queryset = queryset.exclude(kind=Filing.Kind.SAR)
        return queryset

    @admin.display(description="file")
    def download(self, obj: Filing):
        url = reverse("admin:compliance_filing_download", args=[obj.pk])
        return format_html('<a href="{}">Download the XML</a>', url)

    def get_urls(self):
        view = self.admin_site.admin_view(self.download_view)
        return [path("<int:filing_id>/download/", view, name="compliance_filing_download")] + super().get_urls()

    def download_view(self, request, filing_id: int):
        filing = self.get_queryset(request).filter(pk=filing_id).first()
        if filing is None or not self.has_view_permission(request, filing):
            raise PermissionDenied
        path_ = Path(filing.file_path)
        if not path_.is_file():
            raise Http404("the filing's file is not on this server")
        for sar in filing.sars.order_by("pk"):
            services.sar_record_access(sar=sar, user=request.user, action="download", detail=f"filing {filing.pk}")
        response = HttpResponse(path_.read_bytes(), content_type="application/xml")
        response["Content-Disposition"] = f'attachment; filename="{filing.kind}_filing_{filing.pk}.xml"'
        return response
