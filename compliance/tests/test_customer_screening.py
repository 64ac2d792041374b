"""Screening customers on KYC submission: freezes, reviews, dispositions, blocking reports.

The KYC records are submitted through accounts' own services, which send `kyc_submitted`; the
receiver queues the screening in the outbox, relayed on commit (Celery eager in tests)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from blockguardian.calendar import add_business_days
from compliance.models import (
    Disposition,
    OfacReport,
    ScreeningHit,
    ScreeningReview,
    ScreeningRun,
)
from compliance.services import customer_screen, hit_disposition_record

from . import factories

pytestmark = pytest.mark.django_db

# A Friday before Thanksgiving: ten Federal Reserve business days later is Monday 7 Dec 2026
# (Thanksgiving on 26 Nov is skipped, the day after it is a business day).
BLOCK_DAY = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)


def _submit(django_capture_on_commit_callbacks, user, **identity):
    with django_capture_on_commit_callbacks(execute=True):
        factories.submit_kyc(user, **identity)
    user.refresh_from_db()


def _tsertsel(user_factory_kwargs=None, **identity):
    return {"first": "Ivan", "last": "Tsertsel", "date_of_birth": dt.date(1966, 3, 1), **identity}


def test_first_last_without_accents_same_year_of_birth_freezes_and_opens_a_review(
    sanctions_list, django_capture_on_commit_callbacks
):
    user = factories.customer()
    _submit(django_capture_on_commit_callbacks, user, **_tsertsel(country="BY", citizenship="BY"))

    run = ScreeningRun.objects.get(customer=user)
    assert run.trigger == ScreeningRun.Trigger.KYC_SUBMITTED
    hit = ScreeningHit.objects.get(customer=user)
    assert (hit.entry.ent_num, hit.band, hit.status) == (factories.TSERTSEL, "confident", "open")
    assert user.restriction == "frozen"
    review = ScreeningReview.objects.get(customer=user)
    assert review.status == "open" and review.froze_customer and review.band == "confident"


def test_officer_confirms_true_match_blocks_and_a_blocking_report_is_due_in_ten_business_days(
    sanctions_list, compliance_officer, django_capture_on_commit_callbacks
):
    user = factories.customer()
    _submit(django_capture_on_commit_callbacks, user, **_tsertsel())
    hit = ScreeningHit.objects.get(customer=user)
    with time_machine.travel(BLOCK_DAY, tick=False):
        disposition = hit_disposition_record(
            hit=hit, decision="true_match", reason="DOB and nationality confirmed", acting_user=compliance_officer
        )
    user.refresh_from_db()
    assert user.restriction == "blocked"
    report = OfacReport.objects.get(disposition=disposition)
    assert report.kind == OfacReport.Kind.BLOCKING
    assert report.event_date == dt.date(2026, 11, 20)
    assert report.due_date == add_business_days(dt.date(2026, 11, 20), 10) == dt.date(2026, 12, 7)
    assert report.retention_class == "ofac" and report.retain_until == dt.date(2036, 11, 20)
    review = ScreeningReview.objects.get(customer=user)
    assert (review.status, review.outcome) == ("closed", "blocked")
    # Buys, withdrawals and loan disbursements are refused by trading and lending on `blocked`
    # (accounts.services.restriction_assert_allows); those apps do not exist yet.


def test_contradicting_date_of_birth_opens_a_review_without_freezing(
    sanctions_list, django_capture_on_commit_callbacks
):
    user = factories.customer()
    _submit(django_capture_on_commit_callbacks, user, **_tsertsel(date_of_birth=dt.date(1985, 6, 15)))
    hit = ScreeningHit.objects.get(customer=user)
    assert hit.band == "review" and hit.status == "open"
    assert "dob_contradicts" in [r["code"] for r in hit.reasons]
    assert user.restriction == "none"
    review = ScreeningReview.objects.get(customer=user)
    assert review.status == "open" and not review.froze_customer


def test_a_customer_unlike_any_listed_name_gets_a_run_and_nothing_else(
    sanctions_list, django_capture_on_commit_callbacks
):
    user = factories.customer()
    _submit(
        django_capture_on_commit_callbacks, user, first="Margaret", last="Thornbury", date_of_birth=dt.date(1970, 1, 1)
    )
    run = ScreeningRun.objects.get(customer=user)
    assert run.hit_count == 0
    assert not ScreeningReview.objects.filter(customer=user).exists()
    assert user.restriction == "none"


def _screen_again(user):
    return customer_screen(user=user, trigger=ScreeningRun.Trigger.MANUAL)


def test_false_positive_lifts_the_freeze_and_stops_the_same_pair_alerting(
    sanctions_list, compliance_officer, django_capture_on_commit_callbacks
):
    user = factories.customer()
    _submit(django_capture_on_commit_callbacks, user, **_tsertsel())
    hit = ScreeningHit.objects.get(customer=user)
    with django_capture_on_commit_callbacks(execute=True):
        hit_disposition_record(
            hit=hit,
            decision="false_positive",
            reason="Different person: passport checked",
            acting_user=compliance_officer,
        )
    user.refresh_from_db()
    assert user.restriction == "none"
    assert ScreeningReview.objects.get(customer=user).outcome == "cleared"

    outcome = _screen_again(user)
    assert [h.status for h in outcome.hits] == ["suppressed"]
    assert outcome.review is None and not outcome.froze
    user.refresh_from_db()
    assert user.restriction == "none"


def test_a_changed_entry_alerts_again_after_a_false_positive(
    sanctions_list, compliance_officer, django_capture_on_commit_callbacks
):
    user = factories.customer()
    _submit(django_capture_on_commit_callbacks, user, **_tsertsel())
    hit = ScreeningHit.objects.get(customer=user)
    hit_disposition_record(
        hit=hit, decision="false_positive", reason="Different person", acting_user=compliance_officer
    )
    hit.entry.content_sha256 = "0" * 64  # OFAC changed what it publishes about the entry
    hit.entry.save(update_fields=["content_sha256"])
    outcome = _screen_again(user)
    assert [h.status for h in outcome.hits] == ["open"]
    assert outcome.review is not None


def test_a_changed_identity_alerts_again_after_a_false_positive(
    sanctions_list, compliance_officer, django_capture_on_commit_callbacks
):
    from accounts.models import KycRecord

    user = factories.customer()
    _submit(django_capture_on_commit_callbacks, user, **_tsertsel())
    hit = ScreeningHit.objects.get(customer=user)
    hit_disposition_record(
        hit=hit, decision="false_positive", reason="Different person", acting_user=compliance_officer
    )
    KycRecord.objects.filter(user=user).update(date_of_birth=dt.date(1966, 9, 8))  # corrected identity
    outcome = _screen_again(user)
    assert [h.status for h in outcome.hits] == ["open"]


def test_a_whitelist_suppresses_until_its_date(sanctions_list, compliance_officer, django_capture_on_commit_callbacks):
    user = factories.customer()
    _submit(django_capture_on_commit_callbacks, user, **_tsertsel())
    hit = ScreeningHit.objects.get(customer=user)
    with time_machine.travel(BLOCK_DAY, tick=False):
        disposition = hit_disposition_record(
            hit=hit,
            decision="whitelisted",
            reason="OFAC licence until year end",
            whitelisted_until=dt.date(2026, 12, 31),
            acting_user=compliance_officer,
        )
        assert disposition.decision == Disposition.Decision.WHITELISTED
        assert [h.status for h in _screen_again(user).hits] == ["suppressed"]
    with time_machine.travel(dt.datetime(2027, 1, 4, 15, tzinfo=dt.UTC), tick=False):
        assert [h.status for h in _screen_again(user).hits] == ["open"]


def test_an_open_hit_is_not_duplicated_by_another_screening(sanctions_list, django_capture_on_commit_callbacks):
    user = factories.customer()
    _submit(django_capture_on_commit_callbacks, user, **_tsertsel())
    outcome = _screen_again(user)
    assert outcome.hits == [] and len(outcome.standing) == 1
    assert ScreeningHit.objects.filter(customer=user).count() == 1
    assert ScreeningReview.objects.filter(customer=user).count() == 1


@pytest.mark.parametrize(
    ("decision", "kwargs", "code"),
    [
        ("true_match", {"reason": "  "}, "screening_disposition_invalid"),
        ("whitelisted", {"reason": "licence"}, "screening_disposition_invalid"),
        ("maybe", {"reason": "unsure"}, "screening_disposition_invalid"),
    ],
)
def test_invalid_dispositions_are_refused_and_change_nothing(
    sanctions_list, compliance_officer, django_capture_on_commit_callbacks, decision, kwargs, code
):
    from blockguardian.errors import ApplicationError

    user = factories.customer()
    _submit(django_capture_on_commit_callbacks, user, **_tsertsel())
    hit = ScreeningHit.objects.get(customer=user)
    with pytest.raises(ApplicationError) as caught:
        hit_disposition_record(hit=hit, decision=decision, acting_user=compliance_officer, **kwargs)
    assert caught.value.code == code
    hit.refresh_from_db()
    assert hit.status == "open" and not Disposition.objects.exists()


def test_only_compliance_officers_decide_and_a_decided_hit_cannot_be_decided_again(
    sanctions_list, compliance_officer, django_capture_on_commit_callbacks
):
    from blockguardian.errors import ApplicationError

    user = factories.customer()
    _submit(django_capture_on_commit_callbacks, user, **_tsertsel())
    hit = ScreeningHit.objects.get(customer=user)
    with pytest.raises(ApplicationError) as caught:
        hit_disposition_record(hit=hit, decision="false_positive", reason="x", acting_user=factories.customer())
    assert caught.value.status == 403
    hit_disposition_record(hit=hit, decision="false_positive", reason="x", acting_user=compliance_officer)
    with pytest.raises(ApplicationError) as caught:
        hit_disposition_record(hit=hit, decision="true_match", reason="x", acting_user=compliance_officer)
    assert caught.value.status == 409
