"""record() serialises on fraud's own aggregate row: concurrent movements are all counted."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection

from accounts.tests.factories import UserFactory
from fraud import services
from fraud.models import CustomerAggregate, KnownDestination, MovementRecord

from .factories import NOW, make_event

THREADS = 12


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_records_are_all_counted_exactly_once():
    customer = UserFactory()
    barrier = threading.Barrier(THREADS)
    errors = []

    def worker(i: int) -> None:
        try:
            barrier.wait()
            event = make_event(
                customer,
                "deposit",
                Decimal("100.00"),
                occurred_at=NOW + dt.timedelta(seconds=i),
                destination="bank_account:shared",
                reference=f"t:{i % (THREADS // 2)}",  # every reference twice
            )
            services.record(event)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    aggregate = CustomerAggregate.objects.get(pk=customer.pk)
    assert aggregate.movement_count == THREADS // 2
    assert aggregate.version == THREADS // 2
    assert MovementRecord.objects.filter(customer=customer).count() == THREADS // 2
    assert KnownDestination.objects.get(customer=customer).uses == THREADS // 2
