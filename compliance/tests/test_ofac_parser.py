"""Reading OFAC's legacy CSV files and the details hidden in the remarks."""

from __future__ import annotations

import datetime as dt

import pytest

from compliance.screening.ofac import parse_dob, read_sanctions_dir

from . import factories


@pytest.mark.parametrize(
    ("text", "start", "end", "precision"),
    [
        ("08 Sep 1966", dt.date(1966, 9, 8), dt.date(1966, 9, 8), "day"),
        ("Sep 1966", dt.date(1966, 9, 1), dt.date(1966, 9, 30), "month"),
        ("1966", dt.date(1966, 1, 1), dt.date(1966, 12, 31), "year"),
        ("circa 1960", dt.date(1960, 1, 1), dt.date(1960, 12, 31), "circa"),
        ("1984 to 1986", dt.date(1984, 1, 1), dt.date(1986, 12, 31), "range"),
        ("01 Jan 1961 to 31 Dec 1963.", dt.date(1961, 1, 1), dt.date(1963, 12, 31), "range"),
    ],
)
def test_dates_of_birth_in_every_listed_form(text, start, end, precision):
    dob = parse_dob(text)
    assert (dob.start, dob.end, dob.precision) == (start, end, precision)


def test_the_whole_bundled_list_is_read():
    records = list(read_sanctions_dir(factories.OFAC_DIR))
    assert len(records) == 8976
    assert sum(len(r.addresses) for r in records) == 13837
    assert sum(1 for r in records for a in r.aliases if a.alt_type != "weak_aka") == 11910
    assert {r.entry_type for r in records} == {"person", "entity", "vessel", "aircraft"}


def test_remarks_give_dates_places_nationality_and_weak_aliases():
    record = next(r for r in read_sanctions_dir(factories.OFAC_DIR) if r.ent_num == factories.TSERTSEL)
    assert [d.text for d in record.dates_of_birth] == ["08 Sep 1966"]
    assert record.places_of_birth == ["Privalka, Grodno Oblast, Belarus"]
    assert record.nationalities == ["Belarus"] and record.countries == ["BY"]
    assert record.gender == "male"
    banco = next(r for r in read_sanctions_dir(factories.OFAC_DIR) if r.ent_num == factories.BANCO_NACIONAL)
    assert ("weak_aka", "BNC") in {(a.alt_type, a.name) for a in banco.aliases}


def test_digital_currency_addresses_come_from_the_remarks():
    records = list(read_sanctions_dir(factories.OFAC_DIR))
    listed = [(r.ent_num, c, a) for r in records for c, a in r.digital_currency_addresses]
    assert len(listed) == 81
    assert any(c == "XBT" and a == "12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h" for _, c, a in listed)
    assert {c for _, c, _ in listed} >= {"XBT", "ETH", "LTC", "XMR"}
