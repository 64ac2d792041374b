"""Loading a sanctions list: streamed, idempotent, and a change re-screens who it may affect."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import structlog
from django.conf import settings
from django.db import connection, transaction

from blockguardian.outbox import outbox_enqueue

from ..errors import SanctionsFilesInvalid
from ..models import DigitalCurrencyAddress, SanctionsAddress, SanctionsAlias, SanctionsEntry, SanctionsListVersion
from ..screening.ofac import FILES, SdnRecord, files_sha256, read_sanctions_dir
from ..screening.wallets import normalise_wallet_address

logger = structlog.get_logger(__name__)

SOURCE = "ofac_sdn"
_ENTRY_FIELDS = [
    "name",
    "entry_type",
    "programs",
    "title",
    "call_sign",
    "vessel_type",
    "tonnage",
    "grt",
    "vessel_flag",
    "vessel_owner",
    "remarks",
    "dates_of_birth",
    "places_of_birth",
    "nationalities",
    "citizenships",
    "gender",
    "countries",
    "content_sha256",
    "active",
    "changed_version",
    "removed_version",
]


@dataclass(frozen=True)
class LoadResult:
    version: SanctionsListVersion
    created: bool  # False: the files equal the current version's; nothing changed

    @property
    def changed(self) -> int:
        return self.version.entries_added + self.version.entries_changed + self.version.entries_removed


def _batched(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _entry_values(record: SdnRecord, digest: str) -> dict:
    return {
        "name": record.name[:400],
        "entry_type": record.entry_type,
        "programs": record.programs,
        "title": record.title[:500],
        "call_sign": record.call_sign[:50],
        "vessel_type": record.vessel_type[:100],
        "tonnage": record.tonnage[:50],
        "grt": record.grt[:50],
        "vessel_flag": record.vessel_flag[:100],
        "vessel_owner": record.vessel_owner[:300],
        "remarks": record.remarks,
        "dates_of_birth": [d.as_json() for d in record.dates_of_birth],
        "places_of_birth": record.places_of_birth,
        "nationalities": record.nationalities,
        "citizenships": record.citizenships,
        "gender": record.gender[:20],
        "countries": record.countries,
        "content_sha256": digest,
    }


def _children(entry_id: int, record: SdnRecord) -> tuple[list, list, list]:
    aliases = [
        SanctionsAlias(
            entry_id=entry_id, alt_num=a.alt_num, alias_type=a.alt_type, name=a.name[:400], remarks=a.remarks
        )
        for a in record.aliases
    ]
    addresses = [
        SanctionsAddress(
            entry_id=entry_id,
            add_num=a.add_num,
            address=a.address[:500],
            city=a.city[:300],
            country=a.country[:100],
            country_code=a.country_code or "",
            remarks=a.remarks,
        )
        for a in record.addresses
    ]
    wallets = [
        DigitalCurrencyAddress(
            entry_id=entry_id, currency=currency, address=address, address_normalised=normalise_wallet_address(address)
        )
        for currency, address in record.digital_currency_addresses
    ]
    return aliases, addresses, wallets


def _lock_source() -> None:
    """Serialise loads of one source (SQLite serialises writers already)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"compliance.sanctions_load.{SOURCE}"])


def sanctions_list_load(
    *, directory: str | Path, progress: Callable[[int], None] | None = None, rescreen: bool = True
) -> LoadResult:
    """Load the OFAC SDN list in `directory` (sdn.csv, alt.csv, add.csv).

    Identical files: nothing changes. Otherwise one new version records what was added, changed
    (its content hash differs) or removed (kept, inactive), all in one transaction, and a
    re-screening of the subjects the change may affect is queued through the outbox.
    """
    directory = Path(directory)
    missing = [name for name in FILES if not (directory / name).is_file()]
    if missing:
        raise SanctionsFilesInvalid(f"missing in {directory}: {', '.join(missing)}")
    digest = files_sha256(directory)
    with transaction.atomic():
        _lock_source()
        latest = SanctionsListVersion.objects.filter(source=SOURCE).order_by("-id").first()
        if latest is not None and latest.content_sha256 == digest:
            return LoadResult(latest, created=False)
        version = SanctionsListVersion.objects.create(source=SOURCE, content_sha256=digest, source_path=str(directory))
        existing = {
            ent_num: (pk, sha, active)
            for ent_num, pk, sha, active in SanctionsEntry.objects.filter(source=SOURCE).values_list(
                "ent_num", "pk", "content_sha256", "active"
            )
        }
        seen: set[int] = set()
        counts = {"added": 0, "changed": 0, "aliases": 0, "addresses": 0, "wallets": 0, "entries": 0}
        batch_size = settings.SANCTIONS_LOAD_BATCH
        for batch in _batched(read_sanctions_dir(directory), batch_size):
            new_entries: list[tuple[SanctionsEntry, SdnRecord]] = []
            changed_entries: list[tuple[SanctionsEntry, SdnRecord]] = []
            for record in batch:
                if record.ent_num in seen:
                    continue  # a duplicated row: the first wins
                seen.add(record.ent_num)
                record_digest = record.content_sha256()
                known = existing.get(record.ent_num)
                values = _entry_values(record, record_digest)
                if known is None:
                    entry = SanctionsEntry(
                        source=SOURCE,
                        ent_num=record.ent_num,
                        first_version=version,
                        changed_version=version,
                        **values,
                    )
                    new_entries.append((entry, record))
                elif known[1] != record_digest or not known[2]:
                    entry = SanctionsEntry(pk=known[0], source=SOURCE, ent_num=record.ent_num, **values)
                    entry.active, entry.changed_version, entry.removed_version = True, version, None
                    changed_entries.append((entry, record))
                counts["entries"] += 1
                counts["aliases"] += len(record.aliases)
                counts["addresses"] += len(record.addresses)
                counts["wallets"] += len(record.digital_currency_addresses)
            if new_entries:
                SanctionsEntry.objects.bulk_create([e for e, _ in new_entries], batch_size=batch_size)
            if changed_entries:
                SanctionsEntry.objects.bulk_update(
                    [e for e, _ in changed_entries], _ENTRY_FIELDS, batch_size=batch_size
                )
                changed_ids = [e.pk for e, _ in changed_entries]
                SanctionsAlias.objects.filter(entry_id__in=changed_ids).delete()
                SanctionsAddress.objects.filter(entry_id__in=changed_ids).delete()
                DigitalCurrencyAddress.objects.filter(entry_id__in=changed_ids).delete()
            aliases, addresses, wallets = [], [], []
            for entry, record in [*new_entries, *changed_entries]:
                a, b, c = _children(entry.pk, record)
                aliases += a
                addresses += b
                wallets += c
            SanctionsAlias.objects.bulk_create(aliases, batch_size=batch_size)
            SanctionsAddress.objects.bulk_create(addresses, batch_size=batch_size)
            DigitalCurrencyAddress.objects.bulk_create(wallets, batch_size=batch_size, ignore_conflicts=True)
            counts["added"] += len(new_entries)
            counts["changed"] += len(changed_entries)
            if progress:
                progress(len(batch))
        if not counts["entries"]:
            raise SanctionsFilesInvalid(f"no entries could be read from {directory / 'sdn.csv'}")
        removed_ids = [pk for ent_num, (pk, _, active) in existing.items() if active and ent_num not in seen]
        SanctionsEntry.objects.filter(pk__in=removed_ids).update(active=False, removed_version=version)
        version.entries_total = counts["entries"]
        version.aliases_total = counts["aliases"]
        version.addresses_total = counts["addresses"]
        version.digital_currency_addresses_total = counts["wallets"]
        version.entries_added = counts["added"]
        version.entries_changed = counts["changed"]
        version.entries_removed = len(removed_ids)
        version.save()
        if rescreen:
            outbox_enqueue(task="compliance.rescreen_after_list_change", version_id=version.pk)
        logger.info(
            "sanctions_list_loaded",
            version=version.pk,
            added=version.entries_added,
            changed=version.entries_changed,
            removed=version.entries_removed,
        )
        return LoadResult(version, created=True)
