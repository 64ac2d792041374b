"""The back office for users, restrictions and KYC records (behind django-otp's OTP-required site).

Records change only through the services, by actions that need their own permission; identification
numbers appear as their last four characters only; documents open through a view that checks the
document permission and writes an audit entry.
"""

from __future__ import annotations

import datetime as dt

from auditlog.signals import accessed
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from blockguardian.admin import Panel, dashboard_register
from blockguardian.calendar import business_date
from blockguardian.errors import ApplicationError

from . import selectors
from .api.kyc import document_response
from .models import (
    CustomerProfile,
    ErasureRequest,
    KycDocument,
    KycEvent,
    KycRecord,
    KycStatus,
    KycVerification,
    Restriction,
    RiskRating,
    SecurityEvent,
    User,
)
from .services import (
    kyc_decide,
    kyc_document_read,
    kyc_record_verification,
    kyc_set_risk_rating,
    kyc_start_review,
    kyc_verification_validate,
    restriction_set,
    user_tokens_revoke_all,
)


def _kyc_panel(request):
    counts = selectors.kyc_queue_counts(on=business_date())
    return Panel(
        title="KYC reviews waiting",
        rows=[
            ("Pending review", counts["pending"], "/admin/accounts/kycrecord/?status__exact=pending"),
            (
                "… with a duplicate identity",
                counts["duplicates"],
                "/admin/accounts/kycrecord/?status__exact=pending&duplicate_identity__exact=1",
            ),
            (
                "Information requested",
                counts["info_requested"],
                "/admin/accounts/kycrecord/?status__exact=info_requested",
            ),
            ("Periodic re-review due", counts["review_due"], "/admin/accounts/kycrecord/?review=due"),
        ],
    )


dashboard_register(
    "kyc_queue", _kyc_panel, permissions=["accounts.decide_kycrecord", "accounts.verify_kycrecord"], order=10
)


def _masked(last4: str) -> str:
    return f"•••• {last4}" if last4 else "—"


def _without_delete(actions: dict) -> dict:
    actions.pop("delete_selected", None)
    return actions


class ReasonActionForm(ActionForm):
    reason = forms.CharField(required=False, label="Reason (internal)", max_length=500)
    customer_message = forms.CharField(required=False, label="Message to the customer", max_length=500)
    risk_rating = forms.ChoiceField(required=False, choices=[("", "Risk rating…"), *RiskRating.choices])


def _run(modeladmin, request, queryset: QuerySet, action) -> None:
    done = 0
    for obj in queryset.order_by("pk"):
        try:
            action(obj)
        except ApplicationError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.detail}", level=messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, f"{done} updated.", level=messages.SUCCESS)


# --- users --------------------------------------------------------------------------------------------
class CustomerProfileInline(admin.StackedInline):
    model = CustomerProfile
    can_delete = False
    extra = 0
    fields = [
        "phone_number",
        "trusted_contact_name",
        "trusted_contact_email",
        "trusted_contact_phone",
        "trusted_contact_updated_at",
        "external_id",
    ]
    readonly_fields = fields


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    action_form = ReasonActionForm
    list_display = ["email", "first_name", "last_name", "is_staff", "restriction", "kyc_status", "date_joined"]
    list_filter = ["is_staff", "is_active", "restriction", "email_verified", "kyc_record__status", "groups"]
    list_select_related = ["kyc_record"]
    search_fields = ["email", "first_name", "last_name", "=profile__external_id"]
    readonly_fields = [
        "restriction",
        "restriction_reason",
        "restriction_changed_at",
        "restriction_changed_by",
        "token_version",
        "erased_at",
        "last_login",
        "date_joined",
    ]
    inlines = [CustomerProfileInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal", {"fields": ("first_name", "last_name", "email_verified")}),
        (
            "Restriction",
            {"fields": ("restriction", "restriction_reason", "restriction_changed_at", "restriction_changed_by")},
        ),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Sessions and dates", {"fields": ("token_version", "last_login", "date_joined", "erased_at")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    actions = ["restrict_review", "restrict_frozen", "restrict_none", "lift_block", "revoke_sessions"]

    @admin.display(description="KYC", ordering="kyc_record__status")
    def kyc_status(self, obj: User) -> str:
        record = getattr(obj, "kyc_record", None)
        return record.get_status_display() if record else KycStatus.UNVERIFIED.label

    def get_actions(self, request):
        return _without_delete(super().get_actions(request))

    def has_set_restriction_permission(self, request) -> bool:
        return request.user.has_perm("accounts.set_restriction")

    def has_lift_block_permission(self, request) -> bool:
        return request.user.has_perm("accounts.lift_block")

    def _restrict(self, request, queryset, state: str, *, lift_block: bool = False) -> None:
        reason = request.POST.get("reason", "")
        _run(
            self,
            request,
            queryset,
            lambda user: restriction_set(
                user=user, state=state, reason=reason, acting_user=request.user, lift_block=lift_block
            ),
        )

    @admin.action(description="Restrict: under review (give a reason)", permissions=["set_restriction"])
    def restrict_review(self, request, queryset):
        self._restrict(request, queryset, Restriction.REVIEW)

    @admin.action(description="Restrict: freeze pending a decision (give a reason)", permissions=["set_restriction"])
    def restrict_frozen(self, request, queryset):
        self._restrict(request, queryset, Restriction.FROZEN)

    @admin.action(description="Lift a review or freeze (give a reason)", permissions=["set_restriction"])
    def restrict_none(self, request, queryset):
        self._restrict(request, queryset, Restriction.NONE)

    @admin.action(description="Lift a sanctions block (BSA officer; give a reason)", permissions=["lift_block"])
    def lift_block(self, request, queryset):
        self._restrict(request, queryset.filter(restriction=Restriction.BLOCKED), Restriction.NONE, lift_block=True)

    @admin.action(description="End every session of the selected users", permissions=["change"])
    def revoke_sessions(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda user: user_tokens_revoke_all(user=user, reason="admin", acting_user=request.user),
        )


# --- KYC ---------------------------------------------------------------------------------------------------
class ReviewDueFilter(admin.SimpleListFilter):
    title = "periodic review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("due", "Due"), ("upcoming", "Due within 30 days")]

    def queryset(self, request, queryset):
        today = business_date()
        if self.value() == "due":
            return queryset.filter(status=KycStatus.VERIFIED, next_review_on__lte=today)
        if self.value() == "upcoming":
            return queryset.filter(
                status=KycStatus.VERIFIED,
                next_review_on__gt=today,
                next_review_on__lte=today + dt.timedelta(days=30),
            )
        return queryset


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class KycEventInline(ReadOnlyInline):
    model = KycEvent
    fields = ["created_at", "kind", "from_status", "to_status", "reason", "acting_user", "detail"]
    readonly_fields = fields


class KycVerificationInline(ReadOnlyInline):
    model = KycVerification
    fields = ["created_at", "item", "method", "result", "discrepancy", "resolution", "acting_user"]
    readonly_fields = fields


class KycDocumentInline(ReadOnlyInline):
    model = KycDocument
    fields = ["uploaded_at", "kind", "content_type", "size_bytes", "sha256", "open_link"]
    readonly_fields = fields

    @admin.display(description="Document")
    def open_link(self, obj: KycDocument) -> str:
        if obj.deleted_at is not None:
            return "erased"
        url = reverse("admin:accounts_kycrecord_document", args=[obj.record_id, obj.pk])
        return format_html('<a href="{}">open</a>', url)


@admin.register(KycRecord)
class KycRecordAdmin(admin.ModelAdmin):
    action_form = ReasonActionForm
    list_display = [
        "id",
        "user",
        "status",
        "risk_rating",
        "next_review_on",
        "duplicate_identity",
        "identifier_masked",
        "country",
        "submitted_at",
    ]
    list_filter = ["status", "risk_rating", "duplicate_identity", ReviewDueFilter, "us_person", "identifier_type"]
    list_select_related = ["user"]
    search_fields = ["=id", "user__email", "=user__profile__external_id"]
    date_hierarchy = "submitted_at"
    ordering = ["-submitted_at", "-id"]
    inlines = [KycVerificationInline, KycEventInline, KycDocumentInline]
    fieldsets = (
        (None, {"fields": ("user", "status", "customer_message", "duplicate_identity")}),
        (
            "Identity",
            {
                "fields": (
                    ("legal_first_name", "legal_middle_name", "legal_last_name"),
                    "date_of_birth",
                    ("citizenship", "us_person"),
                )
            },
        ),
        (
            "Residential address",
            {"fields": ("address_line1", "address_line2", ("city", "region", "postal_code"), "country")},
        ),
        (
            "Identification",
            {
                "fields": (
                    ("identifier_type", "identifier_masked", "identifier_issuing_country"),
                    ("id_document_type", "id_document_masked", "id_document_issuing_country"),
                )
            },
        ),
        ("Due diligence", {"fields": ("risk_rating", "next_review_on", "screening_link")}),
        ("Dates", {"fields": ("submitted_at", "submission_count", "decided_at", "verified_at", "created_at")}),
    )
    actions = ["verify", "reject", "request_info", "start_review", "set_risk_rating"]

    def get_readonly_fields(self, request, obj=None):
        return [field for fieldset in self.fieldsets for row in fieldset[1]["fields"] for field in _flatten(row)]

    @admin.display(description="Sanctions screening")
    def screening_link(self, obj: KycRecord) -> str:
        # The hits open beside their SDN entries in compliance's console (for those who may see it).
        return format_html(
            '<a href="/admin/compliance/screeninghit/?customer={}">Screening hits for this customer</a>', obj.user_id
        )

    @admin.display(description="Identification number")
    def identifier_masked(self, obj: KycRecord) -> str:
        return _masked(obj.identifier_last4)

    @admin.display(description="Document number")
    def id_document_masked(self, obj: KycRecord) -> str:
        return _masked(obj.id_document_last4)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        return _without_delete(super().get_actions(request))

    def has_decide_permission(self, request) -> bool:
        return request.user.has_perm("accounts.decide_kycrecord")

    def has_rate_permission(self, request) -> bool:
        return request.user.has_perm("accounts.rate_kycrecord")

    def _decide(self, request, queryset, decision: str) -> None:
        reason = request.POST.get("reason", "")
        message = request.POST.get("customer_message", "")
        _run(
            self,
            request,
            queryset,
            lambda record: kyc_decide(
                record=record, decision=decision, reason=reason, acting_user=request.user, customer_message=message
            ),
        )

    @admin.action(description="Decide: verified", permissions=["decide"])
    def verify(self, request, queryset):
        self._decide(request, queryset, KycStatus.VERIFIED)

    @admin.action(description="Decide: rejected (reason required; the customer is frozen)", permissions=["decide"])
    def reject(self, request, queryset):
        self._decide(request, queryset, KycStatus.REJECTED)

    @admin.action(description="Decide: ask for more information (reason required)", permissions=["decide"])
    def request_info(self, request, queryset):
        self._decide(request, queryset, KycStatus.INFO_REQUESTED)

    @admin.action(description="Start a re-review of verified customers (reason required)", permissions=["decide"])
    def start_review(self, request, queryset):
        reason = request.POST.get("reason", "")
        _run(
            self,
            request,
            queryset,
            lambda record: kyc_start_review(record=record, reason=reason, acting_user=request.user),
        )

    @admin.action(description="Set the risk rating chosen below (reason required)", permissions=["rate"])
    def set_risk_rating(self, request, queryset):
        rating = request.POST.get("risk_rating", "")
        reason = request.POST.get("reason", "")
        _run(
            self,
            request,
            queryset,
            lambda record: kyc_set_risk_rating(record=record, rating=rating, reason=reason, acting_user=request.user),
        )

    def get_urls(self):
        urls = super().get_urls()
        view = self.admin_site.admin_view(self.document_view)
        return [path("<int:record_id>/document/<uuid:document_id>/", view, name="accounts_kycrecord_document"), *urls]

    def document_view(self, request, record_id: int, document_id):
        if not request.user.has_perm("accounts.view_kyc_documents"):
            raise PermissionDenied
        document = KycDocument.objects.filter(pk=document_id, record_id=record_id, deleted_at__isnull=True).first()
        if document is None:
            raise Http404
        content = kyc_document_read(document=document)
        accessed.send(sender=KycDocument, instance=document)
        return document_response(document, content)


class KycVerificationForm(forms.ModelForm):
    class Meta:
        model = KycVerification
        fields = ["record", "item", "method", "result", "discrepancy", "resolution"]

    def clean(self):
        cleaned = super().clean()
        errors = kyc_verification_validate(
            item=cleaned.get("item", ""),
            method=cleaned.get("method", ""),
            result=cleaned.get("result", ""),
            discrepancy=cleaned.get("discrepancy", ""),
        )
        for field, messages_ in errors.items():
            self.add_error(field, messages_)
        return cleaned


@admin.register(KycVerification)
class KycVerificationAdmin(admin.ModelAdmin):
    """Where operations and compliance record how a CIP item was verified (and how a discrepancy was
    resolved). Entries are kept as written: a correction is a new entry."""

    list_display = ["created_at", "record", "item", "method", "result", "acting_user"]
    list_filter = ["item", "method", "result"]
    list_select_related = ["record", "acting_user"]
    search_fields = ["=record__id"]
    raw_id_fields = ["record"]
    form = KycVerificationForm
    fields = ["record", "item", "method", "result", "discrepancy", "resolution"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.fields, "acting_user", "created_at"] if obj is not None else []

    def has_add_permission(self, request) -> bool:
        return request.user.has_perm("accounts.verify_kycrecord")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        return _without_delete(super().get_actions(request))

    def save_model(self, request, obj, form, change) -> None:
        created = kyc_record_verification(
            record=obj.record,
            item=obj.item,
            method=obj.method,
            result=obj.result,
            discrepancy=obj.discrepancy,
            resolution=obj.resolution,
            acting_user=request.user,
        )
        obj.pk = created.pk

    def save_related(self, request, form, formsets, change) -> None:
        return None


def _flatten(row) -> list[str]:
    return list(row) if isinstance(row, (list, tuple)) else [row]


# --- security history and data-rights requests ------------------------------------------------------------------
class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        return _without_delete(super().get_actions(request))


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "outcome", "user", "ip_address"]
    list_filter = ["kind", "outcome"]
    list_select_related = ["user"]
    search_fields = ["=user__id", "user__email", "=ip_address"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "kind", "outcome", "user", "ip_address", "user_agent", "detail"]


@admin.register(ErasureRequest)
class ErasureRequestAdmin(ReadOnlyAdmin):
    list_display = ["id", "user", "status", "requested_at", "last_checked_at", "completed_at"]
    list_filter = ["status"]
    list_select_related = ["user"]
    readonly_fields = ["user", "status", "requested_at", "last_checked_at", "completed_at", "vetoes"]
    exclude = ["veto_reasons"]

    @admin.display(description="Why it waits (internal)")
    def vetoes(self, obj: ErasureRequest) -> str:
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((r,) for r in obj.veto_reasons)))
