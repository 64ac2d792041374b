"""What compliance needs to know of a customer's identity, read through `accounts.selectors`.

`accounts.selectors.customer_identity(*, user)` returns a dict with the name parts, the date of
birth, the country of residence, the citizenship and the address (None before any KYC
submission). Key spellings are read tolerantly (`first_name` or `legal_first_name` …). A customer
who has not submitted KYC yet is screened under the names of the login account.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q

from blockguardian.crypto import blind_index

from .screening.countries import country_code
from .screening.normalize import ParsedName, parse_person_parts


@dataclass(frozen=True)
class CustomerIdentity:
    first_name: str
    middle_name: str
    last_name: str
    date_of_birth: dt.date | None
    country: str | None  # ISO alpha-2
    citizenship: str | None
    from_kyc: bool

    @property
    def parsed_name(self) -> ParsedName:
        return parse_person_parts(first=self.first_name, middle=self.middle_name, last=self.last_name)

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)

    @property
    def countries(self) -> list[str]:
        return sorted({c for c in (self.country, self.citizenship) if c})

    def fingerprint(self) -> str:
        """A keyed hash of what is screened: it changes when the identity does."""
        data = {
            "name": self.parsed_name.text,
            "dob": self.date_of_birth.isoformat() if self.date_of_birth else "",
            "countries": self.countries,
        }
        return blind_index(json.dumps(data, sort_keys=True), purpose="screening-identity")


def _pick(data: dict, *keys: str) -> str:
    for key in keys:
        value = data.get(key)
        if value:
            return str(value).strip()
    return ""


def _date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def identity_from_dict(data: dict, *, from_kyc: bool = True) -> CustomerIdentity:
    name = data.get("name") if isinstance(data.get("name"), dict) else {}
    merged = {**data, **name}
    return CustomerIdentity(
        first_name=_pick(merged, "first_name", "legal_first_name", "first", "given_name"),
        middle_name=_pick(merged, "middle_name", "legal_middle_name", "middle"),
        last_name=_pick(merged, "last_name", "legal_last_name", "last", "family_name", "surname"),
        date_of_birth=_date(merged.get("date_of_birth") or merged.get("dob")),
        country=country_code(_pick(merged, "country", "country_of_residence")),
        citizenship=country_code(_pick(merged, "citizenship", "nationality")),
        from_kyc=from_kyc,
    )


def customer_identity(*, user) -> CustomerIdentity:
    """The identity to screen: KYC data when the customer has submitted it, else the account names."""
    from accounts import selectors as account_selectors

    reader = getattr(account_selectors, "customer_identity", None)
    data = reader(user=user) if reader else None
    if data:
        return identity_from_dict(data)
    return CustomerIdentity(
        first_name=user.first_name or "",
        middle_name="",
        last_name=user.last_name or "",
        date_of_birth=None,
        country=None,
        citizenship=None,
        from_kyc=False,
    )


def customers_active_since(since: dt.datetime) -> Iterator:
    """Customers whose account was opened or used since `since` (314(a) searches), in id order.

    Uses `accounts.selectors.customer_list_active_since(*, since)` when accounts provides it;
    otherwise the login accounts that are open, or were opened or logged into since then.
    """
    from accounts import selectors as account_selectors

    reader = getattr(account_selectors, "customer_list_active_since", None)
    if reader:
        yield from reader(since=since)
        return
    User = get_user_model()  # noqa: N806
    users = (
        User.objects.filter(is_staff=False)
        .filter(Q(is_active=True) | Q(date_joined__gte=since) | Q(last_login__gte=since))
        .order_by("pk")
        .only("pk", "first_name", "last_name", "is_staff")
    )
    yield from users.iterator(chunk_size=2000)
