"""Screening customers, linked parties and wallet addresses against the sanctions list.

A confident hit on a customer freezes the customer (through `accounts.services`) and opens a
review; a weaker hit opens a review only. A hit on a pair (subject, entry) that an officer has
already cleared is kept as `suppressed` while the entry and the subject's identity are unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import structlog
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from blockguardian.calendar import business_date
from blockguardian.crypto import blind_index, decrypt_str, encrypt_str

from ..errors import ScreeningQueryInvalid
from ..identity import customer_identity
from ..models import (
    DigitalCurrencyAddress,
    Disposition,
    SanctionsAlias,
    SanctionsEntry,
    SanctionsListVersion,
    ScreeningHit,
    ScreeningReview,
    ScreeningRun,
    ScreeningSubject,
    SubjectKind,
)
from ..screening.engine import ENTRY_TYPES, ListedName, Match, Query, make_query
from ..screening.normalize import parse_name
from ..screening.wallets import normalise_wallet_address
from ..selectors import sanctions_index, sanctions_index_build

logger = structlog.get_logger(__name__)

FREEZE_REASON = "Sanctions screening: possible match pending a compliance decision"


@dataclass
class ScreeningOutcome:
    run: ScreeningRun
    hits: list[ScreeningHit] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    # Hits of earlier runs on the same entries, still open or confirmed (not recorded again).
    standing: list[ScreeningHit] = field(default_factory=list)
    review: ScreeningReview | None = None
    froze: bool = False

    @property
    def listed(self) -> bool:
        """A confident hit that no disposition has cleared: the caller refuses what it was
        registering."""
        return any(
            h.band == ScreeningHit.Band.CONFIDENT and h.status != ScreeningHit.Status.SUPPRESSED
            for h in (*self.hits, *self.standing)
        )

    @property
    def open_hits(self) -> list[ScreeningHit]:
        return [h for h in self.hits if h.status == ScreeningHit.Status.OPEN]


# --- queries -------------------------------------------------------------------------------------


def screening_query(
    *,
    name: str,
    date_of_birth: dt.date | str | int | None = None,
    countries: Iterable[str] = (),
    entry_type: str | None = None,
) -> Query:
    """A validated query from free text (the staff API, the command, linked parties)."""
    if entry_type and entry_type not in ENTRY_TYPES:
        raise ScreeningQueryInvalid(f"type must be one of {', '.join(ENTRY_TYPES)}", errors={"type": ["invalid"]})
    if not name or not name.strip():
        raise ScreeningQueryInvalid("a name is required", errors={"name": ["required"]})
    if len(name) > 400:
        raise ScreeningQueryInvalid("the name is too long (400 characters at most)", errors={"name": ["too long"]})
    try:
        return make_query(name, date_of_birth=date_of_birth, countries=countries, entry_type=entry_type)
    except ValueError as exc:
        raise ScreeningQueryInvalid(
            "date_of_birth must be YYYY-MM-DD or YYYY", errors={"date_of_birth": ["invalid"]}
        ) from exc


def _query_json(query: Query) -> dict:
    return {
        "name": query.name.text,
        "date_of_birth": (
            None
            if not query.date_of_birth
            else str(query.date_of_birth[0].year)
            if query.dob_precision == "year"
            else query.date_of_birth[0].isoformat()
        ),
        "countries": sorted(query.countries),
        "type": query.entry_type,
    }


def _query_fingerprint(query: Query) -> str:
    return blind_index(json.dumps(_query_json(query), sort_keys=True), purpose="screening-identity")


# --- recording ----------------------------------------------------------------------------------


def _subject_lock(*, key: str, kind: str, customer=None, reference: str = "") -> ScreeningSubject:
    subject, _ = ScreeningSubject.objects.get_or_create(
        key=key, defaults={"kind": kind, "customer": customer, "reference": reference}
    )
    return ScreeningSubject.objects.select_for_update().get(pk=subject.pk)


def _suppressing_disposition(
    *, subject: ScreeningSubject, entry: SanctionsEntry, identity_sha256: str
) -> Disposition | None:
    today = business_date()
    return (
        Disposition.objects.filter(
            subject=subject,
            entry=entry,
            entry_sha256=entry.content_sha256,
            identity_sha256=identity_sha256,
        )
        .filter(
            Q(decision=Disposition.Decision.FALSE_POSITIVE)
            | Q(decision=Disposition.Decision.WHITELISTED, whitelisted_until__gte=today)
        )
        .order_by("-decided_at")
        .first()
    )


def _record_run(
    *,
    query_data: dict,
    matches: list[Match],
    version: SanctionsListVersion,
    trigger: str,
    subject: ScreeningSubject | None,
    customer=None,
    identity_sha256: str = "",
    acting_user=None,
) -> ScreeningOutcome:
    """The run and its hits. Hits of a subject: suppressed by a standing disposition, skipped
    when the same entry already has an open hit or a confirmed match, open otherwise."""
    run = ScreeningRun.objects.create(
        subject=subject,
        customer=customer,
        trigger=trigger,
        list_version=version,
        query=query_data,
        identity_sha256=identity_sha256,
        acting_user=acting_user,
        hit_count=len(matches),
        top_score=Decimal(str(matches[0].score)) if matches else None,
    )
    outcome = ScreeningOutcome(run=run, matches=matches)
    entries = SanctionsEntry.objects.in_bulk([m.entry.key for m in matches])
    alias_ids = [m.listed.alias_key for m in matches if m.listed.alias_key]
    aliases = SanctionsAlias.objects.in_bulk(alias_ids) if alias_ids else {}
    for match in matches:
        entry = entries[match.entry.key]
        status = ScreeningHit.Status.INFORMATIONAL if subject is None else ScreeningHit.Status.OPEN
        if subject is not None:
            standing = (
                ScreeningHit.objects.filter(subject=subject, entry=entry)
                .filter(Q(status=ScreeningHit.Status.OPEN) | Q(status=ScreeningHit.Status.TRUE_MATCH))
                .order_by("-id")
                .first()
            )
            if standing is not None:
                outcome.standing.append(standing)
                continue
            if _suppressing_disposition(subject=subject, entry=entry, identity_sha256=identity_sha256):
                status = ScreeningHit.Status.SUPPRESSED
        hit = ScreeningHit.objects.create(
            run=run,
            subject=subject,
            customer=customer,
            entry=entry,
            alias=aliases.get(match.listed.alias_key) if match.listed.alias_key else None,
            matched_name=match.matched_name[:400],
            score=Decimal(str(match.score)),
            name_score=Decimal(str(match.name_score)),
            band=match.band or ScreeningHit.Band.REVIEW,
            reasons=match.reasons,
            status=status,
        )
        outcome.hits.append(hit)
    return outcome


def _open_review(*, outcome: ScreeningOutcome, subject: ScreeningSubject, customer=None) -> ScreeningReview | None:
    open_hits = outcome.open_hits
    if not open_hits:
        return None
    confident = any(h.band == ScreeningHit.Band.CONFIDENT for h in open_hits)
    review = (
        ScreeningReview.objects.select_for_update().filter(subject=subject, status=ScreeningReview.Status.OPEN).first()
    )
    if review is None:
        review = ScreeningReview.objects.create(
            subject=subject,
            customer=customer,
            opened_by_run=outcome.run,
            band=ScreeningHit.Band.CONFIDENT if confident else ScreeningHit.Band.REVIEW,
        )
    elif confident and review.band != ScreeningHit.Band.CONFIDENT:
        review.band = ScreeningHit.Band.CONFIDENT
        review.save(update_fields=["band"])
    for hit in open_hits:
        hit.review = review
        hit.save(update_fields=["review"])
    outcome.review = review
    return review


# --- customers ------------------------------------------------------------------------------------


@transaction.atomic
def customer_screen(*, user, trigger: str, acting_user=None) -> ScreeningOutcome:
    """Screen a customer's identity (KYC data, read through accounts) against the current list."""
    from accounts.services import restriction_set

    loaded = sanctions_index()
    identity = customer_identity(user=user)
    subject = _subject_lock(key=f"customer:{user.pk}", kind=SubjectKind.CUSTOMER, customer=user)
    query = make_query(
        identity.parsed_name,
        date_of_birth=identity.date_of_birth,
        countries=identity.countries,
        entry_type="person",
    )
    matches = loaded.index.screen(query) if query.name.tokens else []
    fingerprint = identity.fingerprint()
    outcome = _record_run(
        query_data=_query_json(query) | {"from_kyc": identity.from_kyc},
        matches=matches,
        version=loaded.version,
        trigger=trigger,
        subject=subject,
        customer=user,
        identity_sha256=fingerprint,
        acting_user=acting_user,
    )
    subject.identity_sha256 = fingerprint
    subject.last_screened_at = timezone.now()
    subject.last_list_version = loaded.version
    subject.save(update_fields=["identity_sha256", "last_screened_at", "last_list_version"])
    review = _open_review(outcome=outcome, subject=subject, customer=user)
    if review and review.band == ScreeningHit.Band.CONFIDENT:
        current = type(user).objects.only("restriction").get(pk=user.pk).restriction
        if current not in ("frozen", "blocked"):
            restriction_set(user=user, state="frozen", reason=FREEZE_REASON, acting_user=acting_user)
            outcome.froze = True
        if outcome.froze and not review.froze_customer:
            review.froze_customer = True
            review.save(update_fields=["froze_customer"])
    logger.info(
        "customer_screened",
        run=outcome.run.pk,
        trigger=trigger,
        hits=len(outcome.hits),
        open_hits=len(outcome.open_hits),
        froze=outcome.froze,
    )
    return outcome


# --- linked parties (bank account holders, counterparties, issuers) -----------------------------------


@transaction.atomic
def screen_name(
    *,
    name: str,
    kind: str,
    reference: str,
    date_of_birth: dt.date | str | None = None,
    countries: Iterable[str] = (),
    entry_type: str | None = None,
    customer=None,
    trigger: str = ScreeningRun.Trigger.REGISTRATION,
    acting_user=None,
) -> ScreeningOutcome:
    """Screen a party other apps register (a linked bank account's holder, a counterparty, a
    security issuer). `reference` names the caller's object ("trading.linkedbankaccount:12");
    the party is re-screened whenever the list changes. Hits open a review; `outcome.listed`
    tells the caller to refuse what it was registering."""
    if kind not in {SubjectKind.BANK_ACCOUNT_HOLDER, SubjectKind.COUNTERPARTY, SubjectKind.ISSUER}:
        raise ScreeningQueryInvalid(f"cannot screen a party of kind {kind!r}", errors={"kind": ["invalid"]})
    if not reference:
        raise ScreeningQueryInvalid(
            "a reference to the screened object is required", errors={"reference": ["required"]}
        )
    query = screening_query(name=name, date_of_birth=date_of_birth, countries=countries, entry_type=entry_type)
    loaded = sanctions_index()
    subject = _subject_lock(key=f"{kind}:{reference}"[:200], kind=kind, customer=customer, reference=reference)
    stored = {"name": name, "date_of_birth": str(date_of_birth or ""), "countries": list(countries), "type": entry_type}
    fingerprint = _query_fingerprint(query)
    matches = loaded.index.screen(query)
    outcome = _record_run(
        query_data=_query_json(query),
        matches=matches,
        version=loaded.version,
        trigger=trigger,
        subject=subject,
        customer=customer,
        identity_sha256=fingerprint,
        acting_user=acting_user,
    )
    subject.query_encrypted = encrypt_str(json.dumps(stored))
    subject.identity_sha256 = fingerprint
    subject.last_screened_at = timezone.now()
    subject.last_list_version = loaded.version
    subject.save(update_fields=["query_encrypted", "identity_sha256", "last_screened_at", "last_list_version"])
    _open_review(outcome=outcome, subject=subject, customer=customer)
    return outcome


# --- wallet addresses -----------------------------------------------------------------------------


@transaction.atomic
def screen_wallet_address(
    *,
    address: str,
    reference: str = "",
    currency: str = "",
    customer=None,
    trigger: str = ScreeningRun.Trigger.REGISTRATION,
    acting_user=None,
) -> ScreeningOutcome:
    """Exact match of a digital currency address on the SDN list's addresses (any currency
    label: OFAC writes XBT where others write BTC). A listed address is a confident hit and
    opens a review; `outcome.listed` tells the caller to refuse it."""
    normalised = normalise_wallet_address(address)
    if not normalised or len(normalised) > 200:
        raise ScreeningQueryInvalid("a wallet address is required", errors={"address": ["invalid"]})
    loaded = sanctions_index()
    listed = list(
        DigitalCurrencyAddress.objects.filter(address_normalised=normalised, entry__active=True)
        .select_related("entry")
        .order_by("entry_id")
    )
    matches = []
    for dca in listed:
        info = loaded.index.entries_by_key.get(dca.entry_id)
        if info is None:
            continue
        label = f" (listed as {dca.currency}{'; given as ' + currency.upper() if currency else ''})"
        matches.append(
            Match(
                entry=info,
                listed=ListedName(info.name),
                score=100.0,
                name_score=100.0,
                band="confident",
                reasons=[
                    {
                        "code": "digital_currency_address",
                        "detail": f"exact match on the SDN digital currency address {dca.address}{label}",
                        "effect": 100.0,
                    }
                ],
            )
        )
    subject_key = f"wallet:{reference or normalised}"[:200]
    subject = _subject_lock(key=subject_key, kind=SubjectKind.WALLET, customer=customer, reference=reference)
    fingerprint = blind_index(normalised, purpose="screening-wallet")
    outcome = _record_run(
        query_data={"wallet_address": address.strip()[:200], "currency": currency.upper()[:16]},
        matches=matches,
        version=loaded.version,
        trigger=trigger,
        subject=subject,
        customer=customer,
        identity_sha256=fingerprint,
        acting_user=acting_user,
    )
    subject.query_encrypted = encrypt_str(json.dumps({"wallet_address": address.strip(), "currency": currency}))
    subject.identity_sha256 = fingerprint
    subject.last_screened_at = timezone.now()
    subject.last_list_version = loaded.version
    subject.save(update_fields=["query_encrypted", "identity_sha256", "last_screened_at", "last_list_version"])
    _open_review(outcome=outcome, subject=subject, customer=customer)
    return outcome


# --- ad-hoc screening (staff) ---------------------------------------------------------------------


@transaction.atomic
def screening_search(
    *,
    name: str,
    date_of_birth: dt.date | str | None = None,
    countries: Iterable[str] = (),
    entry_type: str | None = None,
    acting_user=None,
    limit: int | None = None,
    min_score: float | None = None,
) -> ScreeningOutcome:
    """Screen any name for a member of staff: ranked matches, recorded as an ad-hoc run (its
    hits informational: no review, no restriction)."""
    from django.conf import settings

    query = screening_query(name=name, date_of_birth=date_of_birth, countries=countries, entry_type=entry_type)
    loaded = sanctions_index()
    matches = loaded.index.screen(query, min_score=min_score, limit=limit or settings.SCREENING_RESULT_LIMIT)
    return _record_run(
        query_data=_query_json(query),
        matches=matches,
        version=loaded.version,
        trigger=ScreeningRun.Trigger.MANUAL,
        subject=None,
        acting_user=acting_user,
    )


# --- after a list change --------------------------------------------------------------------------


def _subject_query(subject: ScreeningSubject) -> Query | None:
    if subject.kind == SubjectKind.CUSTOMER:
        identity = customer_identity(user=subject.customer)
        return make_query(
            identity.parsed_name,
            date_of_birth=identity.date_of_birth,
            countries=identity.countries,
            entry_type="person",
        )
    if subject.kind == SubjectKind.WALLET or not subject.query_encrypted:
        return None
    stored = json.loads(decrypt_str(subject.query_encrypted))
    return make_query(
        parse_name(stored["name"], person=None if not stored.get("type") else stored["type"] == "person"),
        date_of_birth=stored.get("date_of_birth") or None,
        countries=stored.get("countries") or (),
        entry_type=stored.get("type") or None,
    )


def sanctions_rescreen(*, version: SanctionsListVersion, progress: Callable[[int], None] | None = None) -> int:
    """Re-screen the subjects a list change may affect; returns how many were re-screened.

    The entries added or changed by `version` form a small index; every subject is matched
    against it, and those that come near an entry are screened in full against the whole list
    (recorded runs, reviews, freezes). Idempotent: a version is re-screened once.
    """
    with transaction.atomic():
        locked = SanctionsListVersion.objects.select_for_update().get(pk=version.pk)
        if locked.rescreened_at is not None:
            return 0
        # Entries changed by this version or a later one (a later version's own re-screening
        # covers its changes again: hits are never duplicated).
        changed = SanctionsEntry.objects.filter(source=locked.source, active=True, changed_version_id__gte=locked.pk)
        if not changed.exists() or not ScreeningSubject.objects.exists():
            locked.rescreened_at = timezone.now()
            locked.save(update_fields=["rescreened_at"])
            return 0
    delta = sanctions_index_build(entries=changed)
    changed_wallets = set(
        DigitalCurrencyAddress.objects.filter(entry__in=changed).values_list("address_normalised", flat=True)
    )
    rescreened = hits = 0
    for subject in ScreeningSubject.objects.select_related("customer").order_by("pk").iterator(chunk_size=500):
        if progress:
            progress(1)
        if subject.kind == SubjectKind.WALLET:
            stored = json.loads(decrypt_str(subject.query_encrypted)) if subject.query_encrypted else {}
            if normalise_wallet_address(stored.get("wallet_address", "")) not in changed_wallets:
                continue
            outcome = screen_wallet_address(
                address=stored["wallet_address"],
                reference=subject.reference,
                currency=stored.get("currency", ""),
                customer=subject.customer,
                trigger=ScreeningRun.Trigger.LIST_CHANGE,
            )
        else:
            query = _subject_query(subject)
            if query is None or not query.name.tokens or not delta.screen(query, limit=1):
                continue
            if subject.kind == SubjectKind.CUSTOMER:
                outcome = customer_screen(user=subject.customer, trigger=ScreeningRun.Trigger.LIST_CHANGE)
            else:
                stored = json.loads(decrypt_str(subject.query_encrypted))
                outcome = screen_name(
                    name=stored["name"],
                    kind=subject.kind,
                    reference=subject.reference,
                    date_of_birth=stored.get("date_of_birth") or None,
                    countries=stored.get("countries") or (),
                    entry_type=stored.get("type") or None,
                    customer=subject.customer,
                    trigger=ScreeningRun.Trigger.LIST_CHANGE,
                )
        rescreened += 1
        hits += len(outcome.open_hits)
    with transaction.atomic():
        locked = SanctionsListVersion.objects.select_for_update().get(pk=version.pk)
        locked.rescreened_at = timezone.now()
        locked.rescreened_subjects = rescreened
        locked.rescreen_hits = hits
        locked.save(update_fields=["rescreened_at", "rescreened_subjects", "rescreen_hits"])
    logger.info("sanctions_rescreened", version=version.pk, subjects=rescreened, open_hits=hits)
    return rescreened
