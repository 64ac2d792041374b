"""What personal data looks like in the audit log: never its value.

`redact` is auditlog's mask callable (settings.AUDITLOG_MASK_CALLABLE): a masked field is logged as
changed, with "[redacted]" in place of any value. `entry_scrub` runs before every entry is written:
the acting user is kept by id (auditlog would copy their email address beside it), and models whose
representation could show personal data are represented by their primary key only.
"""

from __future__ import annotations

from django.conf import settings

REDACTED = "[redacted]"


def redact(value: str) -> str:
    """Whether a value was set, never the value."""
    if value in ("", "None"):
        return value
    return REDACTED


def neutral_repr(*, app_label: str, model_name: str, object_pk) -> str:
    return f"{app_label}.{model_name} {object_pk}"


def context_live(context: dict) -> bool:
    """auditlog leaves its last context in the context variable after the block ends; it is live
    while its receiver is connected."""
    from django.db.models.signals import pre_save

    duid = context.get("signal_duid")
    return duid is not None and any(lookup[0] == duid for lookup, *_ in pre_save.receivers)


def entry_scrub(sender, instance, **kwargs) -> None:
    """pre_save of LogEntry, connected before auditlog's context receivers (which run after it)."""
    from auditlog.context import auditlog_value
    from django.contrib.auth import get_user_model

    if instance.pk is None and instance.actor_id is None:
        # auditlog's context fills `actor_email` only while the entry has no actor: naming the actor
        # here (by the same user) keeps the email out without a second write.
        try:
            context = auditlog_value.get()
        except LookupError:
            context = {}
        actor = context.get("actor")
        if isinstance(actor, get_user_model()) and context_live(context):
            instance.actor = actor
    instance.actor_email = None
    content_type = instance.content_type if instance.content_type_id else None
    if content_type is not None:
        label = f"{content_type.app_label}.{content_type.model}"
        if label in settings.AUDIT_NEUTRAL_REPR_MODELS:
            instance.object_repr = neutral_repr(
                app_label=content_type.app_label, model_name=content_type.model, object_pk=instance.object_pk
            )
