"""Admin views of the audit trail and its seal status (read-only).

* Platform › Audit seals: every seal (read-only), with two views of its own:
  `status/` (where sealing and anchoring stand) and `object/<content type>/<pk>/` (the audit history
  of one object, each entry with its seal). The audit entries themselves are auditlog's read-only
  admin (Audit log › Log entries).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template import engines
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from ..models import AuditSeal
from .selectors import object_audit_history, seal_status

_PAGE = engines["django"].from_string(
    """{% extends "admin/base_site.html" %}
{% block breadcrumbs %}<div class="breadcrumbs"><a href="{% url 'admin:index' %}">Home</a>
&rsaquo; <a href="{% url 'admin:blockguardian_auditseal_changelist' %}">Audit seals</a> &rsaquo; {{ title }}</div>
{% endblock %}
{% block content %}<div id="content-main">
{% if status %}
<table>
<tr><th>Chain head</th><td>{% if status.head %}seal {{ status.head.seq }} of entry
  <a href="{% url 'admin:auditlog_logentry_change' status.head.entry_id %}">{{ status.head.entry_id }}</a>,
  sealed {{ status.head.sealed_at }}<br><code>{{ status.head.hash }}</code>{% else %}nothing sealed yet{% endif %}</td></tr>
<tr><th>Waiting for a seal</th><td>{{ status.unsealed }} entries{% if status.oldest_unsealed_at %}, the oldest
  written {{ status.oldest_unsealed_at }}{% endif %}</td></tr>
<tr><th>Anchored heads</th><td>{{ status.anchored_heads }}{% if status.last_anchor %}; the latest: entry
  {{ status.last_anchor.record_id }} ({{ status.last_anchor.status }}{% if status.last_anchor.anchored_at %},
  {{ status.last_anchor.anchored_at }}{% endif %}){% endif %}</td></tr>
</table>
<p>The whole chain is proved by <code>manage.py verify_audit_chain --against-chain</code>.</p>
{% endif %}
{% if history is not None %}
<p>{{ history|length }} audit entries of {{ object_label }}.</p>
<table><thead><tr><th>entry</th><th>time</th><th>action</th><th>actor</th><th>changes</th><th>seal</th></tr></thead>
<tbody>{% for row in history %}<tr>
<td><a href="{% url 'admin:auditlog_logentry_change' row.entry.pk %}">{{ row.entry.pk }}</a></td>
<td>{{ row.entry.timestamp }}</td><td>{{ row.entry.get_action_display }}</td>
<td>{% if row.entry.actor_id %}user {{ row.entry.actor_id }}{% else %}system{% endif %}</td>
<td><code>{{ row.entry.changes }}</code></td>
<td>{% if row.seal %}seal {{ row.seal.seq }}{% else %}not sealed yet{% endif %}</td>
</tr>{% endfor %}</tbody></table>
{% endif %}
</div>{% endblock %}"""
)


@admin.register(AuditSeal)
class AuditSealAdmin(admin.ModelAdmin):
    list_display = ("seq", "entry_link", "short_hash", "sealed_at")
    ordering = ("-seq",)
    date_hierarchy = "sealed_at"
    search_fields = ("=entry_id", "=hash")
    fields = ("seq", "entry_id", "prev_hash", "hash", "sealed_at")
    readonly_fields = fields
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="audit entry", ordering="entry_id")
    def entry_link(self, obj: AuditSeal) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:auditlog_logentry_change", args=[obj.entry_id]), obj.entry_id
        )

    @admin.display(description="hash")
    def short_hash(self, obj: AuditSeal) -> str:
        return f"{obj.hash[:16]}…"

    def get_urls(self):
        views = [
            path("status/", self.admin_site.admin_view(self.status_view), name="blockguardian_auditseal_status"),
            path(
                "object/<int:content_type_id>/<str:object_pk>/",
                self.admin_site.admin_view(self.object_view),
                name="blockguardian_auditseal_object",
            ),
        ]
        return views + super().get_urls()

    def _context(self, request, title: str, **extra) -> dict:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return {**self.admin_site.each_context(request), "title": title, "opts": self.model._meta, **extra}

    def status_view(self, request):
        context = self._context(request, "Audit chain status", status=seal_status(), history=None)
        return TemplateResponse(request, _PAGE, context)

    def object_view(self, request, content_type_id: int, object_pk: str):
        content_type = ContentType.objects.filter(pk=content_type_id).first()
        if content_type is None:
            raise Http404("no such content type")
        history = object_audit_history(content_type_id=content_type_id, object_pk=object_pk)
        label = f"{content_type.app_label}.{content_type.model} {object_pk}"
        context = self._context(request, f"Audit history of {label}", history=history, object_label=label)
        return TemplateResponse(request, _PAGE, context)
