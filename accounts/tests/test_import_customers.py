"""manage.py import_customers: the same services, idempotent by external id, a report of rejections."""

import csv
import io

import pytest
from django.core.management import call_command

from accounts.models import CustomerProfile, KycRecord, KycStatus, Restriction, User

pytestmark = pytest.mark.django_db

HEADER = (
    "external_id,email,first_name,last_name,date_of_birth,address_line1,city,region,postal_code,country,"
    "ssn_tin,passport_number,passport_country,citizenship,kyc_status,risk_rating,phone_number"
)
ROWS = [
    "L-1,ann@example.com,Ann,Lee,1980-02-29,12 Main Street,Springfield,IL,62701,US,123-45-6789,,,,verified,low,+15555550001",
    "L-2,bo@example.com,Bo,Kim,1975-07-04,9 Elm Road,Austin,TX,73301,US,234-56-7890,,,,pending,,",
    "L-3,cy@example.com,Cy,Ng,1990-01-15,PO Box 12,Reno,NV,89501,US,345-67-8901,,,,verified,low,",
    "L-4,dee@example.com,Dee,Ray,not-a-date,1 Oak Lane,Boise,ID,83701,US,456-78-9012,,,,verified,,",
    "L-5,eva@example.com,Eva,Roth,1985-03-03,Hauptstrasse 5,Berlin,,10115,DE,,C01X00T47,DE,DE,rejected,high,",
    "L-6,fay@example.com,Fay,Lu,1982-09-09,7 Pine Court,Salem,OR,97301,US,123-45-6789,,,,info_requested,,",
    "L-7,ann@example.com,Ann,Other,1981-01-01,3 Bay Street,Dover,DE,19901,US,567-89-0123,,,,verified,,",
]


def _write(tmp_path, rows, name="customers.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _run(path, **options):
    out = io.StringIO()
    call_command("import_customers", str(path), stdout=out, **options)
    return out.getvalue()


def test_import_walks_each_customer_to_the_legacy_status(tmp_path):
    output = _run(_write(tmp_path, ROWS))

    assert "imported 4, already imported 0, rejected 3" in output
    status = dict(KycRecord.objects.values_list("user__profile__external_id", "status"))
    assert status == {
        "L-1": KycStatus.VERIFIED,
        "L-2": KycStatus.PENDING,
        "L-5": KycStatus.REJECTED,
        "L-6": KycStatus.INFO_REQUESTED,
    }
    ann = User.objects.get(email="ann@example.com")
    assert not ann.has_usable_password() and ann.email_verified is False
    assert ann.kyc_record.risk_rating == "low" and ann.kyc_record.next_review_on is not None
    assert ann.profile.phone_number == "+15555550001"
    assert User.objects.get(email="eva@example.com").restriction == Restriction.FROZEN


def test_rejected_rows_are_reported_with_the_reason(tmp_path):
    path = _write(tmp_path, ROWS)

    _run(path)

    with (tmp_path / "customers.rejected.csv").open() as handle:
        report = {row["external_id"]: row["reason"] for row in csv.DictReader(handle)}
    assert set(report) == {"L-3", "L-4", "L-7"}
    assert "PO box" in report["L-3"]
    assert "date_of_birth" in report["L-4"]
    assert "another customer" in report["L-7"]
    assert not User.objects.filter(email="cy@example.com").exists()


def test_a_re_run_is_idempotent_by_external_id(tmp_path):
    path = _write(tmp_path, ROWS)
    _run(path)
    counts = (User.objects.count(), KycRecord.objects.count(), CustomerProfile.objects.count())

    output = _run(path)

    assert "imported 0, already imported 4, rejected 3" in output
    assert (User.objects.count(), KycRecord.objects.count(), CustomerProfile.objects.count()) == counts


def test_duplicate_identities_in_the_file_are_flagged(tmp_path):
    _run(_write(tmp_path, ROWS))

    flagged = set(
        KycRecord.objects.filter(duplicate_identity=True).values_list("user__profile__external_id", flat=True)
    )
    assert flagged == {"L-1", "L-6"}


def test_identifiers_are_encrypted_by_the_import(tmp_path):
    _run(_write(tmp_path, ROWS[:1]))

    record = KycRecord.objects.get()
    assert "123456789" not in record.identifier_encrypted and record.identifier_last4 == "6789"


def test_a_file_without_the_required_columns_is_refused(tmp_path):
    from django.core.management.base import CommandError

    path = tmp_path / "bad.csv"
    path.write_text("email,first_name\nx@example.com,X\n", encoding="utf-8")

    with pytest.raises(CommandError, match="external_id"):
        _run(path)
