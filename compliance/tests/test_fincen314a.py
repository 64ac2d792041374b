"""FinCEN 314(a): load a subject list, match customers, restricted to the BSA officer."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from blockguardian import datarights
from compliance.models import Fincen314aList, Fincen314aMatch, Fincen314aSubject
from compliance.services import fincen314a_list_load, fincen314a_match_decide

from . import factories

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "fincen314a" / "sample.csv"


@pytest.fixture
def quarrington(db):
    user = factories.customer()
    factories.submit_kyc(user, first="Desmond", last="Quarrington", date_of_birth=dt.date(1971, 4, 12))
    return user


def test_load_314a_matches_a_customer_due_in_14_days(quarrington, bsa_officer):
    bystander = factories.customer()
    factories.submit_kyc(bystander, first="Margaret", last="Thornbury", date_of_birth=dt.date(1970, 1, 1))
    out = StringIO()
    call_command(
        "load_314a", str(SAMPLE), "--received", "2026-11-20", "--by", bsa_officer.email, verbosity=0, stdout=out
    )
    request_list = Fincen314aList.objects.get()
    assert request_list.subjects_count == 3 and request_list.due_on == dt.date(2026, 12, 4)
    match = Fincen314aMatch.objects.get()
    assert match.customer == quarrington and match.subject.tracking_number == "20261120-001"
    assert match.due_on == dt.date(2026, 12, 4) and match.status == "open"
    assert "dob_exact" in [r["code"] for r in match.reasons]
    assert "1 subject(s) matched" in out.getvalue()


def test_identification_numbers_are_stored_encrypted(quarrington):
    fincen314a_list_load(path=SAMPLE)
    subject = Fincen314aSubject.objects.get(number_type="SSN")
    assert "123-45-6789" not in subject.number_encrypted and subject.number_last4 == "6789"


def test_loading_the_same_file_again_changes_nothing(quarrington):
    first, created = fincen314a_list_load(path=SAMPLE)
    again, created_again = fincen314a_list_load(path=SAMPLE)
    assert created and not created_again and first == again
    assert Fincen314aList.objects.count() == 1 and Fincen314aMatch.objects.count() == 1


def test_a_bad_file_is_refused_whole(tmp_path, db):
    bad = tmp_path / "bad.csv"
    bad.write_text("tracking_number,last_name,dob\nT-1,Doe,31/31/1999\n")
    with pytest.raises(CommandError):
        call_command("load_314a", str(bad), verbosity=0)
    assert not Fincen314aList.objects.exists() and not Fincen314aSubject.objects.exists()
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("tracking_number,last_name,favourite_colour\nT-1,Doe,blue\n")
    with pytest.raises(CommandError):
        call_command("load_314a", str(unknown), verbosity=0)


def test_only_the_bsa_officer_handles_314a(quarrington, compliance_officer, bsa_officer):
    from blockguardian.errors import ApplicationError

    with pytest.raises(ApplicationError) as caught:
        fincen314a_list_load(path=SAMPLE, acting_user=compliance_officer)
    assert caught.value.status == 403
    fincen314a_list_load(path=SAMPLE, acting_user=bsa_officer)
    match = Fincen314aMatch.objects.get()
    with pytest.raises(ApplicationError):
        fincen314a_match_decide(match=match, decision="reported", acting_user=compliance_officer)
    fincen314a_match_decide(match=match, decision="reported", acting_user=bsa_officer, note="Sent via 314(a) portal")
    match.refresh_from_db()
    assert match.status == "reported" and match.decided_by == bsa_officer
    assert Fincen314aList.objects.get().status == "closed"


def test_an_open_match_vetoes_erasure_and_nothing_reaches_the_export(quarrington):
    fincen314a_list_load(path=SAMPLE)
    reasons = datarights.vetoes_for(quarrington)
    assert "compliance: an open 314(a) match" in reasons
    assert "compliance" not in datarights.export_for(quarrington)
    exported = str(datarights.export_for(quarrington))
    assert "Quarrington Marine" not in exported and "tracking" not in exported


def _cash_conducted_by(name: str, dob: dt.date, *, at: dt.datetime):
    import time_machine

    from accounts.tests.factories import StaffUserFactory
    from portfolios.services import portfolio_create
    from trading.services import branch_cash_record

    account_holder = factories.customer()
    portfolio = portfolio_create(owner=account_holder, name="Branch")
    with time_machine.travel(at, tick=False):
        tx = branch_cash_record(
            acting_user=StaffUserFactory(),
            portfolio=portfolio,
            direction="in",
            amount="2500.00",
            branch="Harbor Way",
            conductor={
                "name": name,
                "date_of_birth": dob.isoformat(),
                "id_type": "drivers_license",
                "id_number": "D7654321",
                "identity_verified": True,
                "is_customer": False,
                "on_behalf_of": "Avery Jordan",
            },
        )
    return account_holder, tx


def test_a_subject_who_conducted_cash_in_the_last_six_months_is_matched_on_that_transaction(db):
    from django.utils import timezone

    holder, tx = _cash_conducted_by(
        "Desmond Quarrington", dt.date(1971, 4, 12), at=timezone.now() - dt.timedelta(days=60)
    )

    request_list, _ = fincen314a_list_load(path=SAMPLE)

    match = Fincen314aMatch.objects.get()
    assert (match.customer, match.transaction_reference) == (holder, f"trading.transaction:{tx.pk}")
    assert match.matched_name == "Desmond Quarrington"
    request_list.refresh_from_db()
    assert request_list.transaction_parties_searched >= 1


def test_transactions_older_than_six_months_are_not_searched(db):
    from django.utils import timezone

    _cash_conducted_by("Desmond Quarrington", dt.date(1971, 4, 12), at=timezone.now() - dt.timedelta(days=200))

    fincen314a_list_load(path=SAMPLE)

    assert not Fincen314aMatch.objects.exists()


def test_matching_transactions_again_adds_nothing(db):
    from django.utils import timezone

    from compliance.services.fincen314a import fincen314a_match_customers

    _cash_conducted_by("Desmond Quarrington", dt.date(1971, 4, 12), at=timezone.now() - dt.timedelta(days=30))
    request_list, _ = fincen314a_list_load(path=SAMPLE)

    assert fincen314a_match_customers(request_list=request_list) == 0
    assert Fincen314aMatch.objects.count() == 1
