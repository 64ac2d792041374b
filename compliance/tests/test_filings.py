"""FinCEN filings: generated CTR and SAR batches valid against the official schemas and the
business rules; an invalid batch is never written; acknowledgements give each report its BSA ID."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from lxml import etree

from compliance.errors import FilingInvalid
from compliance.models import Case, Ctr, Filing, Sar
from compliance.services import acknowledgement_load, ctr_approve, ctr_draft_create, filing_write, sar_approve
from compliance.services import fincen_xml as fx

from . import factories

pytestmark = pytest.mark.django_db

SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "fincen"
NS = {"fc2": "www.fincen.gov/base"}


def _valid_against_xsd(path: Path, xsd: str) -> bool:
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / xsd)))
    return schema.validate(etree.parse(str(path)))


@pytest.fixture
def approved_ctrs(bsa_officer):
    one = factories.kyc_customer(first="Dana", last="Whitfield")
    two = factories.kyc_customer(first="Omar", last="Haddad")
    ctr_in = ctr_draft_create(
        subject_id=one.pk,
        business_date=factories.BUSINESS_DAY,
        direction="cash_in",
        transactions=factories.cash_transactions("6000.00", "4000.01"),
    )
    ctr_out = ctr_draft_create(
        subject_id=two.pk,
        business_date=factories.BUSINESS_DAY,
        direction="cash_out",
        transactions=factories.cash_transactions("12500.50", kind="withdrawal", start=10),
        conductors=[
            {
                "first_name": "Lee",
                "last_name": "Runner",
                "date_of_birth": "1990-01-02",
                "address_line1": "5 Oak Street",
                "city": "Albany",
                "region": "NY",
                "postal_code": "12207",
                "country": "US",
                "id_type": "drivers_license",
                "id_number": "D1234567",
                "id_issuing_state": "NY",
            }
        ],
    )
    return [ctr_approve(ctr=c, acting_user=bsa_officer) for c in (ctr_in, ctr_out)]


def test_a_generated_ctr_batch_validates_against_the_xsd_and_is_recorded(approved_ctrs, bsa_officer, tmp_path):
    result = filing_write(
        kind="ctr", record_ids=[c.pk for c in approved_ctrs], acting_user=bsa_officer, output=tmp_path
    )
    path = result.path
    assert path.is_file() and _valid_against_xsd(path, "EFL_CTRXBatchSchema.xsd")
    assert fx.business_rule_errors(path.read_bytes(), "ctr") == []
    root = etree.parse(str(path)).getroot()
    # Whole dollars, rounded up: 10000.01 → 10001, 12500.50 → 12501.
    assert root.get("TotalAmount") == "22502" and root.get("ActivityCount") == "2"
    assert root.get("PartyCount") == str(6 + 7)  # 35,37,30,8,34 + 50; 35,37,30,8,34 + 17,23
    assert [e.text for e in root.iterfind(".//fc2:DetailTransactionAmountText", NS)] == ["10001", "12501"]
    assert [e.text for e in root.iterfind(".//fc2:TotalCashOutAmountText", NS)] == [None, "12501"]
    assert "D1234567" in path.read_text()  # the conductor's licence, decrypted for the filing only
    filing = Filing.objects.get()
    assert filing.file_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (filing.activity_count, filing.party_count, filing.total_amount) == (2, 13, 22502)
    assert set(Ctr.objects.values_list("status", flat=True)) == {"filed"}


def test_an_invalid_ctr_record_is_refused_before_anything_is_written(approved_ctrs, bsa_officer, tmp_path):
    broken = approved_ctrs[0]
    # A name longer than the schema allows (RestrictString35 for a first name).
    Ctr.objects.filter(pk=broken.pk).update(conductors=[{"first_name": "X" * 60, "last_name": "Y"}])
    target = tmp_path / "batch.xml"
    with pytest.raises(FilingInvalid) as exc:
        filing_write(kind="ctr", record_ids=[c.pk for c in approved_ctrs], acting_user=bsa_officer, output=target)
    assert exc.value.errors["batch"]
    assert not target.exists() and list(tmp_path.iterdir()) == []
    assert not Filing.objects.exists()
    assert set(Ctr.objects.values_list("status", flat=True)) == {"approved"}


def test_the_business_rules_catch_what_the_schema_does_not():
    document = (Path("/work/shared/fincen/samples/constructed_minimal_ctr.xml")).read_bytes()
    assert fx.batch_errors(document, "ctr") == []
    tampered = document.replace(b'TotalAmount="15500"', b'TotalAmount="15000"').replace(
        b"<fc2:DetailTransactionAmountText>15500<", b"<fc2:DetailTransactionAmountText>15500.40<"
    )
    errors = fx.business_rule_errors(tampered, "ctr")
    assert any("whole dollars" in e for e in errors) and any("TotalAmount" in e for e in errors)
    assert fx.schema_errors(tampered, "ctr") == []  # the schema alone lets both through


def test_file_ctr_command_dry_run_writes_nothing_and_a_real_run_writes_the_batch(approved_ctrs, tmp_path, capsys):
    call_command("file_ctr", "--date", str(factories.BUSINESS_DAY), "--dry-run", "--output", str(tmp_path))
    assert "Dry run" in capsys.readouterr().out and list(tmp_path.iterdir()) == []
    call_command("file_ctr", "--date", str(factories.BUSINESS_DAY), "--output", str(tmp_path / "ctr.xml"))
    assert _valid_against_xsd(tmp_path / "ctr.xml", "EFL_CTRXBatchSchema.xsd")
    assert Filing.objects.get().file_path == str(tmp_path / "ctr.xml")


def test_a_generated_sar_batch_validates_and_closes_the_case(compliance_officer, bsa_officer, tmp_path):
    customer = factories.kyc_customer()
    sar = factories.sar_in_review(customer, compliance_officer, classifications=((1, 114), (8, 812)))
    sar_approve(sar=sar, acting_user=bsa_officer)
    call_command("file_sar", "--case", str(sar.case_id), "--output", str(tmp_path / "sar.xml"))
    path = tmp_path / "sar.xml"
    assert _valid_against_xsd(path, "EFL_SARXBatchSchema.xsd")
    assert fx.business_rule_errors(path.read_bytes(), "sar") == []
    root = etree.parse(str(path)).getroot()
    assert root.get("TotalAmount") == "19000" and root.get("PartyCount") == "1"
    assert root.findtext(".//fc2:RawEntityIndividualLastName", namespaces=NS) == "Whitfield"
    assert [e.text for e in root.iterfind(".//fc2:SuspiciousActivitySubtypeID", NS)] == ["114", "812"]
    sar.refresh_from_db()
    assert sar.status == "filed" and sar.continuing_review_due_on is not None
    assert Case.objects.get(pk=sar.case_id).status == "closed_sar_filed"


def test_an_invalid_sar_is_refused_and_nothing_is_written(compliance_officer, bsa_officer, tmp_path):
    customer = factories.kyc_customer()
    sar = factories.sar_in_review(customer, compliance_officer)
    sar_approve(sar=sar, acting_user=bsa_officer)
    Sar.objects.filter(pk=sar.pk).update(classifications=[[1, 812]])  # 812 is a money-laundering subtype
    with pytest.raises(CommandError):
        call_command("file_sar", "--all-approved", "--output", str(tmp_path / "sar.xml"))
    assert not (tmp_path / "sar.xml").exists() and not Filing.objects.exists()
    sar.refresh_from_db()
    assert sar.status == "approved"


def test_an_acknowledgement_records_each_reports_bsa_id(approved_ctrs, bsa_officer, tmp_path):
    result = filing_write(kind="ctr", record_ids=[c.pk for c in approved_ctrs], acting_user=None, output=tmp_path)
    ack = tmp_path / "ack.xml"
    ack.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<EFilingBatchXML StatusCode="A" SeqNum="1">'
        '<EFilingSubmissionXML StatusCode="A" SeqNum="2">'
        '<EFilingActivityXML SeqNum="3"><BSAID>31000000000001</BSAID><EFilingActivityErrorXML SeqNum="4"/>'
        "</EFilingActivityXML>"
        '<EFilingActivityXML SeqNum="5"><BSAID>31000000000002</BSAID><EFilingActivityErrorXML SeqNum="6">'
        "<ErrorContextText>EFilingBatchXML/Activity[2]</ErrorContextText><ErrorElementNameText>Activity"
        "</ErrorElementNameText><ErrorLevelText>WARN</ErrorLevelText><ErrorText>A warning.</ErrorText>"
        "<ErrorTypeCode>C21</ErrorTypeCode></EFilingActivityErrorXML></EFilingActivityXML>"
        "</EFilingSubmissionXML></EFilingBatchXML>"
    )
    call_command("load_acknowledgement", str(ack))
    filing = Filing.objects.get(pk=result.filing.pk)
    assert filing.status == "acknowledged" and filing.acknowledgement_errors[0]["code"] == "C21"
    assert list(Ctr.objects.order_by("filing_position").values_list("bsa_id", flat=True)) == [
        "31000000000001",
        "31000000000002",
    ]
    # Loading it again changes nothing.
    assert acknowledgement_load(document=ack.read_bytes(), acting_user=bsa_officer).pk == filing.pk


def test_an_acknowledgement_with_the_wrong_number_of_reports_is_refused(approved_ctrs, tmp_path):
    result = filing_write(kind="ctr", record_ids=[c.pk for c in approved_ctrs], acting_user=None, output=tmp_path)
    sample = Path("/work/shared/fincen/samples/acknowledgements/moov_ctr_acknowledgement.xml")  # three reports
    with pytest.raises(CommandError):
        call_command("load_acknowledgement", str(sample), "--filing", str(result.filing.pk))
    assert not Ctr.objects.exclude(bsa_id="").exists()


def test_a_sar_batch_download_needs_the_sar_permission_and_is_audited(compliance_officer, bsa_officer, tmp_path):
    from auditlog.models import LogEntry
    from rest_framework.test import APIClient

    from accounts.services import token_pair_issue

    def client(user):
        c = APIClient()
        c.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_issue(user=user, amr=('pwd', 'otp')).access}")
        return c

    sar = factories.sar_in_review(factories.kyc_customer(), compliance_officer)
    sar_approve(sar=sar, acting_user=bsa_officer)
    result = filing_write(kind="sar", record_ids=[sar.pk], acting_user=bsa_officer, output=tmp_path)
    worker = factories.officer("compliance_officer")
    worker.groups.clear()
    from django.contrib.auth.models import Permission

    worker.user_permissions.add(Permission.objects.get(codename="work_alerts"))
    url = f"/api/staff/filings/{result.filing.pk}/file"
    assert client(worker).get(url).status_code == 403
    response = client(compliance_officer).get(url)
    assert response.status_code == 200 and response.content == result.path.read_bytes()
    access = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor_id=compliance_officer.pk)
    assert access.count() == 2  # the filing and its SAR
    result.path.write_bytes(result.path.read_bytes() + b"<!-- changed -->")
    assert client(compliance_officer).get(url).status_code == 400


def test_the_sar_subjects_ssn_comes_from_kyc_and_is_filed(compliance_officer, bsa_officer, tmp_path):
    from accounts.selectors import customer_tin_for_filing

    customer = factories.kyc_customer()
    assert customer_tin_for_filing(user=customer) == "123456789"
    sar = factories.sar_in_review(customer, compliance_officer)
    sar_approve(sar=sar, acting_user=bsa_officer)
    call_command("file_sar", "--case", str(sar.case_id), "--output", str(tmp_path / "sar.xml"))
    root = etree.parse(str(tmp_path / "sar.xml")).getroot()
    numbers = [e.text for e in root.iterfind(".//fc2:PartyIdentificationNumberText", NS)]
    assert "123456789" in numbers and root.find(".//fc2:TINUnknownIndicator", NS) is None


def test_a_passport_is_not_a_tin():
    from accounts.selectors import customer_tin_for_filing

    customer = factories.customer()
    factories.submit_kyc(
        customer, first="Ana", last="Silva", date_of_birth=factories.dt.date(1980, 1, 1), citizenship="PT"
    )
    assert customer_tin_for_filing(user=customer) is None
