"""Loading the list: streamed, idempotent, and a change re-screens who it may affect."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from compliance.models import (
    DigitalCurrencyAddress,
    SanctionsAlias,
    SanctionsEntry,
    SanctionsListVersion,
    ScreeningHit,
    ScreeningRun,
)
from compliance.services import customer_screen, sanctions_list_load, sanctions_rescreen

from . import factories

pytestmark = pytest.mark.django_db


def _snapshot():
    return (
        list(SanctionsListVersion.objects.values_list("pk", "content_sha256")),
        list(SanctionsEntry.objects.order_by("pk").values_list("pk", "content_sha256", "active", "changed_version")),
        SanctionsAlias.objects.count(),
        DigitalCurrencyAddress.objects.count(),
    )


def test_a_reload_of_the_same_files_changes_nothing(ofac_subset):
    first = sanctions_list_load(directory=ofac_subset)
    before = _snapshot()
    again = sanctions_list_load(directory=ofac_subset)
    assert first.created and not again.created
    assert again.version == first.version
    assert _snapshot() == before


def test_the_load_keeps_aliases_addresses_and_digital_currency_addresses(sanctions_list):
    entry = SanctionsEntry.objects.get(ent_num=factories.TSERTSEL)
    assert entry.entry_type == "person" and entry.programs == ["BELARUS"]
    assert entry.dates_of_birth == [
        {"text": "08 Sep 1966", "from": "1966-09-08", "to": "1966-09-08", "precision": "day"}
    ]
    assert entry.countries == ["BY"] and entry.nationalities == ["Belarus"]
    assert {a.name for a in entry.aliases.all()} == {"TERTEL, Ivan Stanislavovich", "TERTEL, Ivan Stanislavavich"}
    assert entry.addresses.get().city == "Minsk"
    assert DigitalCurrencyAddress.objects.filter(currency="XBT").exists()
    assert sanctions_list.entries_total == len(factories.SUBSET) + 1


def test_a_changed_list_records_what_was_added_changed_and_removed(tmp_path, sanctions_list):
    def edit(name, line):
        if line.startswith(f"{factories.AEROCARIBBEAN},"):
            return None  # delisted
        if name == "sdn.csv" and line.startswith(f"{factories.HABBASH},"):
            return line.replace("Secretary General", "Former Secretary General", 1)
        return line

    changed_dir = factories.write_ofac_subset(
        tmp_path / "v2", (*factories.SUBSET, 7742, *factories.wallet_entries(1)), edit=edit
    )
    result = sanctions_list_load(directory=changed_dir)
    version = result.version
    assert result.created and version.pk != sanctions_list.pk
    assert (version.entries_added, version.entries_changed, version.entries_removed) == (1, 1, 1)
    removed = SanctionsEntry.objects.get(ent_num=factories.AEROCARIBBEAN)
    assert not removed.active and removed.removed_version == version
    assert SanctionsEntry.objects.get(ent_num=factories.HABBASH).changed_version == version
    assert SanctionsEntry.objects.get(ent_num=factories.TSERTSEL).changed_version == sanctions_list


def test_a_list_change_rescreens_the_customers_it_may_affect(tmp_path, db, django_capture_on_commit_callbacks):
    first = sanctions_list_load(directory=factories.write_ofac_subset(tmp_path / "v1", factories.SUBSET))
    sanctions_rescreen(version=first.version)
    milosevic = factories.customer()
    bystander = factories.customer()
    with django_capture_on_commit_callbacks(execute=True):
        factories.submit_kyc(milosevic, first="Slobodan", last="Milosevic", date_of_birth=dt.date(1941, 8, 20))
        factories.submit_kyc(bystander, first="Margaret", last="Thornbury", date_of_birth=dt.date(1970, 1, 1))
    assert not ScreeningHit.objects.exists()

    # MILOSEVIC, Slobodan (7742) is added to the list; the load queues the re-screening.
    with django_capture_on_commit_callbacks(execute=True):
        second = sanctions_list_load(directory=factories.write_ofac_subset(tmp_path / "v2", (*factories.SUBSET, 7742)))
    second.version.refresh_from_db()
    assert second.version.rescreened_at is not None and second.version.rescreened_subjects == 1
    hit = ScreeningHit.objects.get()
    assert hit.customer == milosevic and hit.entry.ent_num == 7742 and hit.run.trigger == "list_change"
    milosevic.refresh_from_db()
    assert milosevic.restriction == "frozen"
    assert not ScreeningRun.objects.filter(customer=bystander, trigger="list_change").exists()
    # Re-screening a version twice does nothing more.
    assert sanctions_rescreen(version=second.version) == 0


def test_load_sanctions_command_is_idempotent(ofac_subset):
    out = StringIO()
    call_command("load_sanctions", str(ofac_subset), verbosity=0, stdout=out)
    call_command("load_sanctions", str(ofac_subset), verbosity=0, stdout=out)
    text = out.getvalue()
    assert "List version" in text and "Unchanged" in text
    assert SanctionsListVersion.objects.count() == 1


def test_files_that_are_not_a_list_are_refused(tmp_path, db):
    from compliance.errors import SanctionsFilesInvalid

    with pytest.raises(SanctionsFilesInvalid):
        sanctions_list_load(directory=tmp_path)
    for name in ("sdn.csv", "alt.csv", "add.csv"):
        (tmp_path / name).write_text("not,a,list\n")
    with pytest.raises(SanctionsFilesInvalid):
        sanctions_list_load(directory=tmp_path)
    assert not SanctionsListVersion.objects.exists()


def test_screening_without_a_loaded_list_is_unavailable(db):
    from compliance.errors import SanctionsListNotLoaded

    with pytest.raises(SanctionsListNotLoaded):
        customer_screen(user=factories.customer(), trigger="manual")
