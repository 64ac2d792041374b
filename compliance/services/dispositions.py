"""An officer's decision on a hit: true match (block), false positive, or whitelisted until a date."""

from __future__ import annotations

import datetime as dt

import structlog
from django.db import transaction
from django.utils import timezone

from blockguardian.calendar import business_date
from blockguardian.errors import Forbidden

from ..errors import DispositionInvalid, HitAlreadyDecided
from ..models import Disposition, ScreeningHit, ScreeningReview
from .ofac_reports import ofac_blocking_report_create

logger = structlog.get_logger(__name__)

PERMISSION = "compliance.screen_sanctions"
BLOCK_REASON = "Confirmed sanctions match (OFAC SDN): property blocked"
CLEARED_REASON = "Sanctions review cleared"


def _assert_officer(user) -> None:
    if user is None or not user.is_active or not user.has_perm(PERMISSION):
        raise Forbidden("Only compliance officers decide sanctions hits.")


@transaction.atomic
def hit_disposition_record(
    *,
    hit: ScreeningHit,
    decision: str,
    reason: str,
    acting_user,
    whitelisted_until: dt.date | None = None,
) -> Disposition:
    """Decide an open hit.

    * true match: the customer's restriction becomes `blocked` (each app then blocks its own part
      on `accounts.signals.restriction_changed`) and a blocking report is due in 10 business days;
    * false positive / whitelisted (until a date): the same subject–entry pair stops alerting
      until the entry or the subject's identity changes (or the date passes).

    When the last open hit of a review is decided the review closes; a cleared review lifts the
    freeze it put on the customer.
    """
    from accounts.services import restriction_set

    _assert_officer(acting_user)
    if decision not in Disposition.Decision.values:
        raise DispositionInvalid(f"decision must be one of {', '.join(Disposition.Decision.values)}")
    reason = (reason or "").strip()
    if not reason:
        raise DispositionInvalid("a reason is required", errors={"reason": ["required"]})
    if decision == Disposition.Decision.WHITELISTED:
        if whitelisted_until is None or whitelisted_until <= business_date():
            raise DispositionInvalid(
                "a whitelist needs a date in the future", errors={"whitelisted_until": ["invalid"]}
            )
    else:
        whitelisted_until = None
    hit = ScreeningHit.objects.select_for_update(of=("self",)).select_related("entry", "run", "subject").get(pk=hit.pk)
    if hit.status != ScreeningHit.Status.OPEN or hit.subject_id is None:
        raise HitAlreadyDecided(f"hit {hit.pk} is {hit.status}")
    disposition = Disposition.objects.create(
        hit=hit,
        subject=hit.subject,
        customer=hit.customer,
        entry=hit.entry,
        decision=decision,
        whitelisted_until=whitelisted_until,
        reason=reason[:4000],
        entry_sha256=hit.entry.content_sha256,
        identity_sha256=hit.run.identity_sha256,
        decided_by=acting_user,
    )
    hit.status = decision
    hit.save(update_fields=["status"])
    if decision == Disposition.Decision.TRUE_MATCH:
        if hit.customer_id:
            restriction_set(user=hit.customer, state="blocked", reason=BLOCK_REASON, acting_user=acting_user)
        ofac_blocking_report_create(disposition=disposition, acting_user=acting_user)
    if hit.review_id:
        _review_close_if_decided(review_id=hit.review_id, acting_user=acting_user)
    logger.info("screening_hit_decided", hit=hit.pk, decision=decision, disposition=disposition.pk)
    return disposition


def _review_close_if_decided(*, review_id: int, acting_user) -> ScreeningReview:
    from accounts.services import restriction_set

    review = ScreeningReview.objects.select_for_update().get(pk=review_id)
    if review.status != ScreeningReview.Status.OPEN or review.hits.filter(status=ScreeningHit.Status.OPEN).exists():
        return review
    blocked = review.hits.filter(status=ScreeningHit.Status.TRUE_MATCH).exists()
    review.status = ScreeningReview.Status.CLOSED
    review.outcome = ScreeningReview.Outcome.BLOCKED if blocked else ScreeningReview.Outcome.CLEARED
    review.closed_at = timezone.now()
    review.closed_by = acting_user
    review.save(update_fields=["status", "outcome", "closed_at", "closed_by"])
    if not blocked and review.froze_customer and review.customer_id:
        customer = type(review.customer).objects.get(pk=review.customer_id)
        others_open = ScreeningReview.objects.filter(
            customer_id=review.customer_id, status=ScreeningReview.Status.OPEN
        ).exists()
        if customer.restriction == "frozen" and not others_open:
            restriction_set(user=customer, state="none", reason=CLEARED_REASON, acting_user=acting_user)
    return review
