"""OFAC's legacy CSV files (sdn.csv, alt.csv, add.csv) → plain records, streamed entry by entry.

The remarks field carries most of what identifies a person: dates and places of birth,
nationalities, citizenships, gender, weak aliases (`a.k.a. '…'`) and the digital currency
addresses (`Digital Currency Address - XBT 1abc…`); they are parsed here.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .countries import country_code

EMPTY = "-0-"
ENTRY_TYPES = {"individual": "person", "vessel": "vessel", "aircraft": "aircraft", "": "entity"}
FILES = ("sdn.csv", "alt.csv", "add.csv")

_MONTHS = {name.upper(): number for number, name in enumerate(calendar.month_abbr) if name}
_DCA = re.compile(r"Digital Currency Address - ([A-Za-z0-9]+)\s+([A-Za-z0-9:]+)")
_WEAK_AKA = re.compile(r"a\.k\.a\.\s*'([^']+)'")


@dataclass(frozen=True)
class DateOfBirth:
    text: str
    start: dt.date
    end: dt.date
    precision: str  # day | month | year | circa | range

    def as_json(self) -> dict:
        return {
            "text": self.text,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "precision": self.precision,
        }

    @classmethod
    def from_json(cls, data: dict) -> DateOfBirth:
        return cls(
            data["text"], dt.date.fromisoformat(data["from"]), dt.date.fromisoformat(data["to"]), data["precision"]
        )


@dataclass
class AliasRecord:
    alt_num: int | None
    alt_type: str  # aka | fka | nka | weak_aka
    name: str
    remarks: str = ""


@dataclass
class AddressRecord:
    add_num: int
    address: str
    city: str
    country: str
    remarks: str = ""

    @property
    def country_code(self) -> str | None:
        return country_code(self.country)


@dataclass
class SdnRecord:
    ent_num: int
    name: str
    entry_type: str
    programs: list[str]
    title: str = ""
    call_sign: str = ""
    vessel_type: str = ""
    tonnage: str = ""
    grt: str = ""
    vessel_flag: str = ""
    vessel_owner: str = ""
    remarks: str = ""
    aliases: list[AliasRecord] = field(default_factory=list)
    addresses: list[AddressRecord] = field(default_factory=list)
    dates_of_birth: list[DateOfBirth] = field(default_factory=list)
    places_of_birth: list[str] = field(default_factory=list)
    nationalities: list[str] = field(default_factory=list)
    citizenships: list[str] = field(default_factory=list)
    gender: str = ""
    digital_currency_addresses: list[tuple[str, str]] = field(default_factory=list)

    @property
    def countries(self) -> list[str]:
        """ISO codes of every country the entry is tied to: nationality, citizenship, place of
        birth, addresses, vessel flag."""
        texts = [*self.nationalities, *self.citizenships, *self.places_of_birth, self.vessel_flag]
        texts += [a.country for a in self.addresses]
        return sorted({code for text in texts if (code := country_code(text))})

    def content_sha256(self) -> str:
        """A fingerprint of everything OFAC publishes about the entry (to detect a change)."""
        data = {
            "row": [self.ent_num, self.name, self.entry_type, self.programs, self.title, self.call_sign]
            + [self.vessel_type, self.tonnage, self.grt, self.vessel_flag, self.vessel_owner, self.remarks],
            "aliases": sorted(
                (json.dumps(asdict(a), sort_keys=True) for a in self.aliases if a.alt_type != "weak_aka"),
            ),
            "addresses": sorted(json.dumps(asdict(a), sort_keys=True) for a in self.addresses),
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _clean(value: str) -> str:
    value = (value or "").strip()
    return "" if value == EMPTY else value


def _int(value: str) -> int | None:
    try:
        return int(value.strip())
    except (TypeError, ValueError, AttributeError):
        return None


def _rows(path: Path) -> Iterator[list[str]]:
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        for row in csv.reader(fh):
            if len(row) >= 2 and _int(row[0]) is not None:
                yield row


def _date_bound(text: str, *, end: bool) -> tuple[dt.date, str] | None:
    parts = text.strip().rstrip(".").split()
    try:
        if len(parts) == 3:
            return dt.date(int(parts[2]), _MONTHS[parts[1][:3].upper()], int(parts[0])), "day"
        if len(parts) == 2:
            year, month = int(parts[1]), _MONTHS[parts[0][:3].upper()]
            day = calendar.monthrange(year, month)[1] if end else 1
            return dt.date(year, month, day), "month"
        if len(parts) == 1:
            year = int(parts[0])
            return (dt.date(year, 12, 31) if end else dt.date(year, 1, 1)), "year"
    except (KeyError, ValueError):
        return None
    return None


def parse_dob(text: str) -> DateOfBirth | None:
    """'08 Sep 1966', 'Sep 1966', '1966', 'circa 1966', '1984 to 1986', '01 Jan 1961 to 31 Dec 1963'."""
    raw = text.strip().rstrip(".")
    body = raw
    circa = body.lower().startswith("circa")
    if circa:
        body = body[5:].strip()
    if " to " in body:
        low, high = body.split(" to ", 1)
        start, end = _date_bound(low, end=False), _date_bound(high, end=True)
        if start and end and start[0] <= end[0]:
            return DateOfBirth(raw, start[0], end[0], "circa" if circa else "range")
        return None
    start, end = _date_bound(body, end=False), _date_bound(body, end=True)
    if not start or not end:
        return None
    return DateOfBirth(raw, start[0], end[0], "circa" if circa else start[1])


def parse_remarks(record: SdnRecord) -> None:
    """Fill the record's identifying details from its remarks."""
    remarks = record.remarks
    if not remarks:
        return
    for name in _WEAK_AKA.findall(remarks):
        record.aliases.append(AliasRecord(None, "weak_aka", name.strip()))
    for currency, address in _DCA.findall(remarks):
        pair = (currency.upper(), address)
        if pair not in record.digital_currency_addresses:
            record.digital_currency_addresses.append(pair)
    for item in remarks.split(";"):
        item = item.strip().rstrip(".").strip()
        lowered = item.lower()
        for prefix in ("alt. ", "alt "):
            if lowered.startswith(prefix):
                item, lowered = item[len(prefix) :].strip(), lowered[len(prefix) :].strip()
        if lowered.startswith("dob "):
            if dob := parse_dob(item[4:]):
                record.dates_of_birth.append(dob)
        elif lowered.startswith("pob "):
            record.places_of_birth.append(item[4:].strip())
        elif lowered.startswith("nationality "):
            record.nationalities.append(item[len("nationality ") :].strip())
        elif lowered.startswith("citizen "):
            record.citizenships.append(item[len("citizen ") :].strip())
        elif lowered.startswith("gender "):
            record.gender = item[len("gender ") :].strip().lower()


def read_sanctions_dir(directory: str | Path) -> Iterator[SdnRecord]:
    """Every entry of the list in `directory`, with its aliases, addresses and parsed remarks.

    sdn.csv is streamed; alt.csv and add.csv (a fraction of its size) are grouped by entry first.
    """
    directory = Path(directory)
    aliases: dict[int, list[AliasRecord]] = defaultdict(list)
    for row in _rows(directory / "alt.csv"):
        row += [""] * (5 - len(row))
        if name := _clean(row[3]):
            aliases[int(row[0])].append(
                AliasRecord(_int(row[1]), _clean(row[2]).lower() or "aka", name, _clean(row[4]))
            )
    addresses: dict[int, list[AddressRecord]] = defaultdict(list)
    for row in _rows(directory / "add.csv"):
        row += [""] * (6 - len(row))
        addresses[int(row[0])].append(
            AddressRecord(_int(row[1]) or 0, _clean(row[2]), _clean(row[3]), _clean(row[4]), _clean(row[5]))
        )
    for row in _rows(directory / "sdn.csv"):
        row += [""] * (12 - len(row))
        ent_num = int(row[0])
        record = SdnRecord(
            ent_num=ent_num,
            name=_clean(row[1]),
            entry_type=ENTRY_TYPES.get(_clean(row[2]).lower(), "entity"),
            programs=[p.strip() for p in _clean(row[3]).split("] [") if p.strip()],
            title=_clean(row[4]),
            call_sign=_clean(row[5]),
            vessel_type=_clean(row[6]),
            tonnage=_clean(row[7]),
            grt=_clean(row[8]),
            vessel_flag=_clean(row[9]),
            vessel_owner=_clean(row[10]),
            remarks=_clean(row[11]),
            aliases=list(aliases.get(ent_num, [])),
            addresses=list(addresses.get(ent_num, [])),
        )
        parse_remarks(record)
        yield record


def files_sha256(directory: str | Path) -> str:
    """One fingerprint of the three files (a re-load of identical files changes nothing)."""
    digest = hashlib.sha256()
    for name in FILES:
        digest.update(name.encode())
        with open(Path(directory) / name, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 16), b""):
                digest.update(chunk)
    return digest.hexdigest()


def count_entries(directory: str | Path) -> int:
    """Rows in sdn.csv (for a progress bar's total), read without parsing."""
    with open(Path(directory) / "sdn.csv", "rb") as fh:
        return sum(1 for line in fh if line[:1].isdigit())
