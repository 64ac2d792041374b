"""Two officers deciding one hit at once, two screenings of one customer at once (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from blockguardian.errors import ApplicationError
from compliance.models import Disposition, ScreeningHit, ScreeningReview
from compliance.services import customer_screen, hit_disposition_record, sanctions_list_load

from . import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(*calls):
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test checks
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.fixture
def listed_customer(ofac_subset):
    sanctions_list_load(directory=ofac_subset, rescreen=False)
    user = factories.customer()
    factories.submit_kyc(user, first="Ivan", last="Tsertsel", date_of_birth=dt.date(1966, 9, 8))
    return user


def test_one_hit_gets_one_disposition(listed_customer):
    customer_screen(user=listed_customer, trigger="kyc_submitted")
    hit = ScreeningHit.objects.get(customer=listed_customer)
    first, second = factories.officer(), factories.officer()
    results = _race(
        lambda: hit_disposition_record(hit=hit, decision="true_match", reason="match", acting_user=first),
        lambda: hit_disposition_record(hit=hit, decision="false_positive", reason="no match", acting_user=second),
    )
    assert Disposition.objects.count() == 1
    assert sum(isinstance(r, Disposition) for r in results) == 1
    assert sum(isinstance(r, ApplicationError) and r.status == 409 for r in results) == 1


def test_concurrent_screenings_of_one_customer_open_one_review_and_one_hit(listed_customer):
    results = _race(
        lambda: customer_screen(user=listed_customer, trigger="kyc_submitted"),
        lambda: customer_screen(user=listed_customer, trigger="manual"),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert ScreeningHit.objects.filter(customer=listed_customer).count() == 1
    assert ScreeningReview.objects.filter(customer=listed_customer, status="open").count() == 1
