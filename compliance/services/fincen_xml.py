"""FinCEN BSA E-Filing XML: CTRX and SARX batches built from plain values, checked against the
official schemas (`compliance/data/fincen/`) and the business rules the schemas leave out.

Nothing here touches the database: `services.filings` reads the records, calls `ctr_batch` or
`sar_batch`, and writes the file only when `batch_errors` finds nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.conf import settings
from lxml import etree

NS = "www.fincen.gov/base"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_FILES = {"ctr": "EFL_CTRXBatchSchema.xsd", "sar": "EFL_SARXBatchSchema.xsd"}
FORM_TYPES = {"ctr": "CTRX", "sar": "SARX"}

# CTR currency transaction detail codes (Form 112 items 21/22).
CASH_IN_CODES = {"55", "46", "23", "12", "14", "49", "18", "21", "25", "997", "53"}
CASH_OUT_CODES = {"56", "30", "32", "13", "15", "48", "28", "31", "33", "34", "998", "54"}
CASH_IN_KIND_CODES = {"deposit": "55", "payment": "46", "purchase_of_securities": "23", "other": "997"}
CASH_OUT_KIND_CODES = {"withdrawal": "56", "advance_on_credit": "30", "other": "998"}
CTR_PERSON_TYPES = {"50", "17", "23", "58"}
REQUIRED_INSTITUTION_PARTIES = {"35", "37", "30", "8", "34"}

# SAR classification subtypes (SARX schema `ValidateSuspiciousActivitySubtypeID`); each belongs to
# the type its leading digits name (114 → 1 structuring, 1005 → 10 mortgage fraud, 3999 → 3 other).
SAR_TYPES = {
    1: "Structuring",
    3: "Fraud",
    4: "Identification documentation",
    5: "Insurance",
    6: "Securities/Futures/Options",
    7: "Terrorist financing",
    8: "Money laundering",
    9: "Other suspicious activities",
    10: "Mortgage fraud",
    11: "Cyber event",
    12: "Gaming activities",
}
SAR_SUBTYPES = frozenset(
    [106, 111, 112, 113, 114, 301, 304, 305, 308, 309, 310, 312, 320, 321, 322, 323, 324, 325, 401, 402, 403, 404]
    + [405, 409, 501, 502, 504, 505, 506, 507, 601, 603, 604, 608, 609, 701, 801, 804, 805, 806, 807, 808, 809]
    + [812, 820, 821, 822, 823, 824, 901, 903, 904, 905, 907, 908, 909, 910, 911, 913, 917, 920, 921, 922, 924]
    + [925, 926, 927, 928, 1001, 1003, 1005, 1006, 1007, 1101, 1102, 1201, 1202, 1203, 1204]
    + [1999, 3999, 4999, 5999, 6999, 7999, 8999, 9999, 10999, 11999, 12999]
)
NARRATIVE_BLOCK = 4000
NARRATIVE_BLOCKS = 5

_WHOLE = re.compile(r"^\d+$")
_DATE = re.compile(r"^\d{8}$")
_PHONE_DIGITS = re.compile(r"\D")


def subtype_type(subtype: int) -> int:
    """The classification type a subtype belongs to."""
    return subtype // 1000 if str(subtype).endswith("999") else subtype // 100


def classification_errors(classifications) -> list[str]:
    errors = []
    seen = set()
    for pair in classifications:
        try:
            type_id, subtype_id = int(pair[0]), int(pair[1])
        except (TypeError, ValueError, IndexError):
            errors.append(f"classification {pair!r} is not a (type, subtype) pair")
            continue
        if subtype_id not in SAR_SUBTYPES or type_id not in SAR_TYPES or subtype_type(subtype_id) != type_id:
            errors.append(f"subtype {subtype_id} is not a subtype of type {type_id}")
        if subtype_id in seen:
            errors.append(f"subtype {subtype_id} appears twice")
        seen.add(subtype_id)
    if not classifications:
        errors.append("a SAR needs at least one classification")
    return errors


def narrative_blocks(text: str) -> list[str]:
    """The narrative in blocks of at most 4,000 characters, cut at white space where possible."""
    text = (
        " ".join(text.split()) if "\n" not in text else "\n".join(line.rstrip() for line in text.strip().splitlines())
    )
    blocks = []
    rest = text.strip()
    while rest:
        if len(rest) <= NARRATIVE_BLOCK:
            blocks.append(rest)
            break
        cut = rest.rfind(" ", 0, NARRATIVE_BLOCK)
        cut = cut if cut > NARRATIVE_BLOCK // 2 else NARRATIVE_BLOCK
        blocks.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    return blocks


# --- plain inputs -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """A subject or conductor as the filing shows it."""

    first_name: str = ""
    middle_name: str = ""
    last_name: str = ""
    date_of_birth: dt.date | None = None
    street: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    country: str = ""
    tin: str = ""  # SSN/ITIN digits; empty → "TIN unknown"
    id_type: str = ""  # FinCEN identification code (5 licence, 6 passport, 7 alien registration, 999 other)
    id_number: str = ""
    id_country: str = ""
    id_state: str = ""
    occupation: str = ""
    account_number: str = ""


@dataclass(frozen=True)
class CtrReport:
    transaction_date: dt.date
    cash_in: dict[str, int] = field(default_factory=dict)  # detail code → whole dollars
    cash_out: dict[str, int] = field(default_factory=dict)
    subject: Person = field(default_factory=Person)
    conductors: tuple[Person, ...] = ()  # empty: the subject conducted the transactions
    aggregated: bool = True


@dataclass(frozen=True)
class SarReport:
    subject: Person
    activity_start: dt.date
    activity_end: dt.date
    amount: int  # whole dollars
    classifications: tuple[tuple[int, int], ...]
    narrative: str
    continuing: bool = False


@dataclass(frozen=True)
class Institution:
    transmitter_name: str
    transmitter_tin: str
    transmitter_control_code: str
    transmitter_contact: str
    name: str
    ein: str
    street: str
    city: str
    state: str
    zip: str
    country: str
    phone: str
    regulator: str
    contact_office: str
    organization_type: str

    @classmethod
    def from_settings(cls) -> Institution:
        org_type = {"broker_dealer": "5", "bank": "2", "msb": "4"}[settings.BSA_INSTITUTION_TYPE]
        return cls(
            transmitter_name=settings.FINCEN_TRANSMITTER_NAME,
            transmitter_tin=settings.FINCEN_TRANSMITTER_TIN,
            transmitter_control_code=settings.FINCEN_TRANSMITTER_CONTROL_CODE,
            transmitter_contact=settings.FINCEN_TRANSMITTER_CONTACT,
            name=settings.FINCEN_INSTITUTION_NAME,
            ein=settings.FINCEN_INSTITUTION_EIN,
            street=settings.FINCEN_INSTITUTION_STREET,
            city=settings.FINCEN_INSTITUTION_CITY,
            state=settings.FINCEN_INSTITUTION_STATE,
            zip=settings.FINCEN_INSTITUTION_ZIP,
            country=settings.FINCEN_INSTITUTION_COUNTRY,
            phone=_PHONE_DIGITS.sub("", settings.FINCEN_INSTITUTION_PHONE),
            regulator=settings.FINCEN_PRIMARY_REGULATOR,
            contact_office=settings.FINCEN_CONTACT_OFFICE,
            organization_type=org_type,
        )


# --- building ------------------------------------------------------------------------------------


def _ymd(day: dt.date | None) -> str:
    return day.strftime("%Y%m%d") if day else ""


def _clean(value) -> str:
    return " ".join(str(value).split()) if value is not None else ""


class _Builder:
    def __init__(self, form: str) -> None:
        self.seq = 0
        self.root = etree.Element(f"{{{NS}}}EFilingBatchXML", nsmap={"fc2": NS, "xsi": XSI})
        self.root.set(f"{{{XSI}}}schemaLocation", f"{NS} {SCHEMA_FILES[form]}")
        self.add(self.root, "FormTypeCode", FORM_TYPES[form])

    def add(self, parent, name: str, text: str | None = None, *, seq: bool = False):
        node = etree.SubElement(parent, f"{{{NS}}}{name}")
        if seq:
            self.seq += 1
            node.set("SeqNum", str(self.seq))
        if text is not None:
            node.text = _clean(text)
        return node

    def opt(self, parent, name: str, value) -> None:
        """An optional element, left out when there is no value."""
        if value not in (None, ""):
            self.add(parent, name, str(value))

    def party(self, parent, type_code: str):
        node = self.add(parent, "Party", seq=True)
        self.add(node, "ActivityPartyTypeCode", type_code)
        return node

    def name(self, party, *, full: str = "", person: Person | None = None):
        node = self.add(party, "PartyName", seq=True)
        self.add(node, "PartyNameTypeCode", "L")
        if person is not None:
            self.opt(node, "RawEntityIndividualLastName", person.last_name)
            self.opt(node, "RawIndividualFirstName", person.first_name)
            self.opt(node, "RawIndividualMiddleName", person.middle_name)
        else:
            self.add(node, "RawPartyFullName", full)

    def address(self, party, *, street: str, city: str, state: str, zip_code: str, country: str):
        node = self.add(party, "Address", seq=True)
        self.opt(node, "RawCityText", city)
        self.opt(node, "RawCountryCodeText", country)
        self.opt(node, "RawStateCodeText", state)
        self.opt(node, "RawStreetAddress1Text", street)
        self.opt(node, "RawZIPCode", _PHONE_DIGITS.sub("", zip_code) if country == "US" else zip_code)

    def identification(self, party, *, number: str, type_code: str, country: str = "", state: str = ""):
        node = self.add(party, "PartyIdentification", seq=True)
        self.opt(node, "OtherIssuerCountryText", country)
        self.opt(node, "OtherIssuerStateText", state)
        self.add(node, "PartyIdentificationNumberText", number)
        self.add(node, "PartyIdentificationTypeCode", type_code)

    def tin(self, party, person: Person):
        if person.tin:
            self.identification(party, number=person.tin, type_code="1")
        else:
            node = self.add(party, "PartyIdentification", seq=True)
            self.add(node, "PartyIdentificationTypeCode", "1")
            self.add(node, "TINUnknownIndicator", "Y")

    def person_id(self, party, person: Person):
        if person.id_number and person.id_type:
            country = person.id_country if person.id_type in {"6", "7", "9", "999"} else ""
            self.identification(
                party, number=person.id_number, type_code=person.id_type, country=country, state=person.id_state
            )

    def institution_parties(self, activity, inst: Institution, *, location_amounts: tuple[int, int] | None = None):
        # 35 transmitter: name, address, phone, TIN and transmitter control code.
        party = self.party(activity, "35")
        self.name(party, full=inst.transmitter_name)
        self.address(
            party, street=inst.street, city=inst.city, state=inst.state, zip_code=inst.zip, country=inst.country
        )
        self.add(self.add(party, "PhoneNumber", seq=True), "PhoneNumberText", inst.phone)
        self.identification(party, number=inst.transmitter_tin, type_code="4")
        self.identification(party, number=inst.transmitter_control_code, type_code="28")
        # 37 transmitter contact.
        party = self.party(activity, "37")
        self.name(party, full=inst.transmitter_contact)
        # 30 filing institution.
        party = self.party(activity, "30")
        self.add(party, "PrimaryRegulatorTypeCode", inst.regulator)
        self._institution_body(party, inst)
        # 8 contact office.
        party = self.party(activity, "8")
        self.name(party, full=inst.contact_office)
        self.add(self.add(party, "PhoneNumber", seq=True), "PhoneNumberText", inst.phone)
        # 34 where the activity took place.
        party = self.party(activity, "34")
        if location_amounts is not None:
            cash_in, cash_out = location_amounts
            if cash_in:
                self.add(party, "IndividualEntityCashInAmountText", str(cash_in))
            if cash_out:
                self.add(party, "IndividualEntityCashOutAmountText", str(cash_out))
        self.add(party, "PrimaryRegulatorTypeCode", inst.regulator)
        self._institution_body(party, inst)

    def _institution_body(self, party, inst: Institution):
        self.name(party, full=inst.name)
        self.address(
            party, street=inst.street, city=inst.city, state=inst.state, zip_code=inst.zip, country=inst.country
        )
        self.identification(party, number=inst.ein, type_code="2")
        org = self.add(party, "OrganizationClassificationTypeSubtype", seq=True)
        self.add(org, "OrganizationTypeID", inst.organization_type)

    def to_bytes(self) -> bytes:
        return etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def ctr_batch(reports: list[CtrReport], *, filing_date: dt.date, institution: Institution | None = None) -> bytes:
    """A CTRX batch, one activity per report."""
    inst = institution or Institution.from_settings()
    b = _Builder("ctr")
    total = parties = 0
    for report in reports:
        cash_in, cash_out = sum(report.cash_in.values()), sum(report.cash_out.values())
        activity = b.add(b.root, "Activity", seq=True)
        b.add(activity, "FilingDateText", _ymd(filing_date))
        assoc = b.add(activity, "ActivityAssociation", seq=True)
        b.add(assoc, "CorrectsAmendsPriorReportIndicator", "")
        b.add(assoc, "FinCENDirectBackFileIndicator", "")
        b.add(assoc, "InitialReportIndicator", "Y")
        b.institution_parties(activity, inst, location_amounts=(cash_in, cash_out))
        persons: list[tuple[str, Person]]
        if report.conductors:
            persons = [("17", c) for c in report.conductors] + [("23", report.subject)]
        else:
            persons = [("50", report.subject)]
        for type_code, person in persons:
            party = b.party(activity, type_code)
            b.opt(party, "IndividualBirthDateText", _ymd(person.date_of_birth))
            if type_code in {"50", "23"}:
                b.opt(party, "IndividualEntityCashInAmountText", cash_in or "")
                b.opt(party, "IndividualEntityCashOutAmountText", cash_out or "")
            b.name(party, person=person)
            b.address(
                party,
                street=person.street,
                city=person.city,
                state=person.state,
                zip_code=person.zip,
                country=person.country,
            )
            b.tin(party, person)
            b.person_id(party, person)
            if person.occupation:
                b.add(b.add(party, "PartyOccupationBusiness", seq=True), "OccupationBusinessText", person.occupation)
            if type_code in {"50", "23"} and person.account_number:
                account = b.add(party, "Account", seq=True)
                b.add(account, "AccountNumberText", person.account_number)
                for code, amount in (("8", cash_in), ("9", cash_out)):
                    if amount:
                        b.add(
                            b.add(account, "PartyAccountAssociation", seq=True), "PartyAccountAssociationTypeCode", code
                        )
        parties += len(REQUIRED_INSTITUTION_PARTIES) + len(persons)
        cta = b.add(activity, "CurrencyTransactionActivity", seq=True)
        b.add(cta, "AggregateTransactionIndicator", "Y" if report.aggregated else "")
        for name in (
            "ArmoredCarServiceIndicator",
            "ATMIndicator",
            "MailDepositShipmentIndicator",
            "NightDepositIndicator",
            "SharedBranchingIndicator",
        ):
            b.add(cta, name, "")
        b.add(cta, "TotalCashInReceiveAmountText", str(cash_in) if cash_in else "")
        b.add(cta, "TotalCashOutAmountText", str(cash_out) if cash_out else "")
        b.add(cta, "TransactionDateText", _ymd(report.transaction_date))
        for code, amount in [*sorted(report.cash_in.items()), *sorted(report.cash_out.items())]:
            detail = b.add(cta, "CurrencyTransactionActivityDetail", seq=True)
            b.add(detail, "CurrencyTransactionActivityDetailTypeCode", code)
            b.add(detail, "DetailTransactionAmountText", str(amount))
            b.add(detail, "OtherCurrencyTransactionActivityDetailText", "")
            b.add(detail, "OtherForeignCurrencyCountryText", "")
        total += cash_in + cash_out
    b.root.set("ActivityCount", str(len(reports)))
    b.root.set("TotalAmount", str(total))
    b.root.set("PartyCount", str(parties))
    return b.to_bytes()


def sar_batch(reports: list[SarReport], *, filing_date: dt.date, institution: Institution | None = None) -> bytes:
    """A SARX batch, one activity per report."""
    inst = institution or Institution.from_settings()
    b = _Builder("sar")
    total = 0
    for report in reports:
        activity = b.add(b.root, "Activity", seq=True)
        b.add(activity, "FilingDateText", _ymd(filing_date))
        assoc = b.add(activity, "ActivityAssociation", seq=True)
        if report.continuing:
            b.add(assoc, "ContinuingActivityReportIndicator", "Y")
        else:
            b.add(assoc, "InitialReportIndicator", "Y")
        b.institution_parties(activity, inst)
        person = report.subject
        party = b.party(activity, "33")
        if person.date_of_birth:
            b.add(party, "IndividualBirthDateText", _ymd(person.date_of_birth))
        else:
            b.add(party, "BirthDateUnknownIndicator", "Y")
        b.name(party, person=person)
        b.address(
            party,
            street=person.street,
            city=person.city,
            state=person.state,
            zip_code=person.zip,
            country=person.country,
        )
        b.tin(party, person)
        b.person_id(party, person)
        if person.occupation:
            b.add(b.add(party, "PartyOccupationBusiness", seq=True), "OccupationBusinessText", person.occupation)
        relation = b.add(party, "PartyAssociation", seq=True)
        b.add(relation, "CustomerIndicator", "Y")
        b.add(relation, "SubjectRelationshipFinancialInstitutionTINText", inst.ein)
        accounts = b.add(party, "PartyAccountAssociation", seq=True)
        b.add(accounts, "PartyAccountAssociationTypeCode", "7")
        holder = b.party(accounts, "41")
        b.identification(holder, number=inst.ein, type_code="2")
        account = b.add(holder, "Account", seq=True)
        b.add(account, "AccountNumberText", person.account_number)
        b.add(b.add(account, "PartyAccountAssociation", seq=True), "PartyAccountAssociationTypeCode", "5")
        suspicious = b.add(activity, "SuspiciousActivity", seq=True)
        b.add(suspicious, "SuspiciousActivityFromDateText", _ymd(report.activity_start))
        b.add(suspicious, "SuspiciousActivityToDateText", _ymd(report.activity_end))
        if report.amount:
            b.add(suspicious, "TotalSuspiciousAmountText", str(report.amount))
        else:
            suspicious.insert(0, etree.Element(f"{{{NS}}}AmountUnknownIndicator"))
            suspicious[0].text = "Y"
        for type_id, subtype_id in report.classifications:
            cls = b.add(suspicious, "SuspiciousActivityClassification", seq=True)
            b.add(cls, "SuspiciousActivitySubtypeID", str(subtype_id))
            b.add(cls, "SuspiciousActivityTypeID", str(type_id))
        for number, block in enumerate(narrative_blocks(report.narrative), start=1):
            info = b.add(activity, "ActivityNarrativeInformation", seq=True)
            b.add(info, "ActivityNarrativeSequenceNumber", str(number))
            b.add(info, "ActivityNarrativeText", block)
        total += report.amount
    b.root.set("ActivityCount", str(len(reports)))
    b.root.set("TotalAmount", str(total))
    b.root.set("PartyCount", str(len(reports)))
    b.root.set("ActivityAttachmentCount", "0")
    b.root.set("AttachmentCount", "0")
    return b.to_bytes()


# --- checking --------------------------------------------------------------------------------------


@cache
def _schema(kind: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(Path(settings.FINCEN_SCHEMA_DIR) / SCHEMA_FILES[kind])))


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _texts(node, name: str) -> list[str]:
    return [(e.text or "") for e in node.iter(_q(name))]


def _int(value: str | None) -> int:
    return int(value) if value and _WHOLE.match(value) else 0


def schema_errors(document: bytes, kind: str) -> list[str]:
    try:
        tree = etree.fromstring(document)
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    schema = _schema(kind)
    if schema.validate(tree):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def business_rule_errors(document: bytes, kind: str) -> list[str]:
    """What FinCEN checks beyond the schema (shared/fincen/README.md)."""
    try:
        root = etree.fromstring(document)
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    errors: list[str] = []
    if root.tag != _q("EFilingBatchXML"):
        errors.append(f"root element must be fc2:EFilingBatchXML in namespace {NS}")
        return errors
    seqs = Counter(e.get("SeqNum") for e in root.iter() if e.get("SeqNum") is not None)
    errors += [f"SeqNum {s} is used {n} times" for s, n in seqs.items() if n > 1]
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        local = etree.QName(element).localname
        text = element.text if len(element) == 0 else None
        if text is not None and text != text.strip():
            errors.append(f"{local}: leading or trailing white space")
        if local.endswith("Indicator") and (text or "") not in ("", "Y"):
            errors.append(f"{local}: an indicator is Y or empty")
        if local.endswith("AmountText") and text and not _WHOLE.match(text):
            errors.append(f"{local}: amounts are whole dollars ({text!r})")
        if local.endswith("DateText") and text and not _DATE.match(text):
            errors.append(f"{local}: dates are YYYYMMDD ({text!r})")
    activities = root.findall(_q("Activity"))
    if root.get("ActivityCount") != str(len(activities)):
        errors.append(f"ActivityCount {root.get('ActivityCount')} but {len(activities)} activities")
    if not activities:
        errors.append("a batch needs at least one activity")
    for index, activity in enumerate(activities, start=1):
        where = f"activity {index}"
        top_parties = activity.findall(_q("Party"))
        types = Counter(p.findtext(_q("ActivityPartyTypeCode")) for p in top_parties)
        for required in sorted(REQUIRED_INSTITUTION_PARTIES - set(types)):
            errors.append(f"{where}: party type {required} is required")
        for party in top_parties:
            if party.findtext(_q("ActivityPartyTypeCode")) == "35":
                id_types = {
                    i.findtext(_q("PartyIdentificationTypeCode")): i for i in party.findall(_q("PartyIdentification"))
                }
                for code, label in (("4", "TIN"), ("28", "transmitter control code")):
                    if not (
                        id_types.get(code) is not None and id_types[code].findtext(_q("PartyIdentificationNumberText"))
                    ):
                        errors.append(f"{where}: the transmitter needs its {label}")
        if kind == "ctr":
            errors += _ctr_activity_errors(activity, types, where)
        else:
            errors += _sar_activity_errors(activity, top_parties, where)
    if kind == "ctr":
        total = sum(_int(t) for t in _texts(root, "DetailTransactionAmountText"))
        parties = sum(len(a.findall(_q("Party"))) for a in activities)
    else:
        total = sum(_int(t) for t in _texts(root, "TotalSuspiciousAmountText"))
        parties = sum(
            1 for a in activities for p in a.findall(_q("Party")) if p.findtext(_q("ActivityPartyTypeCode")) == "33"
        )
        attachments = root.get("ActivityAttachmentCount"), root.get("AttachmentCount")
        if attachments != ("0", "0"):
            errors.append("attachment counts must be 0 (no attachments are sent)")
    if root.get("TotalAmount") != str(total):
        errors.append(f"TotalAmount {root.get('TotalAmount')} but the amounts sum to {total}")
    if root.get("PartyCount") != str(parties):
        errors.append(f"PartyCount {root.get('PartyCount')} but {parties} parties")
    return errors


def _ctr_activity_errors(activity, types: Counter, where: str) -> list[str]:
    errors = []
    if not CTR_PERSON_TYPES & set(types):
        errors.append(f"{where}: a person party (50, 17, 23 or 58) is required")
    if types.get("17") and not types.get("23"):
        errors.append(f"{where}: a person conducting for another (17) needs the person on whose behalf (23)")
    cta = activity.find(_q("CurrencyTransactionActivity"))
    if cta is None:
        return [*errors, f"{where}: currency transaction activity missing"]
    cash_in = cash_out = 0
    for detail in cta.findall(_q("CurrencyTransactionActivityDetail")):
        code = detail.findtext(_q("CurrencyTransactionActivityDetailTypeCode"))
        amount = _int(detail.findtext(_q("DetailTransactionAmountText")))
        if code in CASH_IN_CODES:
            cash_in += amount
        elif code in CASH_OUT_CODES:
            cash_out += amount
        else:
            errors.append(f"{where}: detail code {code} is neither cash in nor cash out")
    if _int(cta.findtext(_q("TotalCashInReceiveAmountText"))) != cash_in:
        errors.append(f"{where}: total cash in differs from the sum of its details ({cash_in})")
    if _int(cta.findtext(_q("TotalCashOutAmountText"))) != cash_out:
        errors.append(f"{where}: total cash out differs from the sum of its details ({cash_out})")
    if cash_in + cash_out <= 0:
        errors.append(f"{where}: a CTR reports an amount")
    return errors


def _sar_activity_errors(activity, top_parties, where: str) -> list[str]:
    errors = []
    subjects = [p for p in top_parties if p.findtext(_q("ActivityPartyTypeCode")) == "33"]
    if not subjects:
        errors.append(f"{where}: at least one subject (33) is required")
    for subject in subjects:
        if subject.findtext(_q("NoKnownAccountInvolvedIndicator")) == "Y":
            continue
        holders = [
            p
            for assoc in subject.findall(_q("PartyAccountAssociation"))
            for p in assoc.findall(_q("Party"))
            if p.findtext(_q("ActivityPartyTypeCode")) == "41"
        ]
        if not holders:
            errors.append(f"{where}: the subject's account association needs the institution (41)")
    suspicious = activity.find(_q("SuspiciousActivity"))
    if suspicious is not None:
        pairs = [
            (c.findtext(_q("SuspiciousActivityTypeID")), c.findtext(_q("SuspiciousActivitySubtypeID")))
            for c in suspicious.findall(_q("SuspiciousActivityClassification"))
        ]
        errors += [f"{where}: {e}" for e in classification_errors(pairs)]
    narratives = activity.findall(_q("ActivityNarrativeInformation"))
    if not 1 <= len(narratives) <= NARRATIVE_BLOCKS:
        errors.append(f"{where}: 1 to {NARRATIVE_BLOCKS} narrative blocks")
    for narrative in narratives:
        if not (narrative.findtext(_q("ActivityNarrativeText")) or "").strip():
            errors.append(f"{where}: an empty narrative block")
    return errors


def batch_errors(document: bytes, kind: str) -> list[str]:
    """Every reason FinCEN would refuse the batch that can be known before sending it."""
    return schema_errors(document, kind) + business_rule_errors(document, kind)
