"""compliance: sanctions lists, screening results, dispositions, OFAC reports and FinCEN 314(a).

Object representations (`__str__`) never hold personal data: they reach the audit log.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from blockguardian.retention import RetentionClass


class EntryType(models.TextChoices):
    PERSON = "person", "Person"
    ENTITY = "entity", "Entity"
    VESSEL = "vessel", "Vessel"
    AIRCRAFT = "aircraft", "Aircraft"


# --- sanctions lists ---------------------------------------------------------------------------


class SanctionsListVersion(models.Model):
    """One load of a list whose files differ from the previous load's."""

    source = models.CharField(max_length=32, default="ofac_sdn", db_index=True)
    content_sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now_add=True)
    source_path = models.CharField(max_length=500, blank=True, default="")
    entries_total = models.PositiveIntegerField(default=0)
    aliases_total = models.PositiveIntegerField(default=0)
    addresses_total = models.PositiveIntegerField(default=0)
    digital_currency_addresses_total = models.PositiveIntegerField(default=0)
    entries_added = models.PositiveIntegerField(default=0)
    entries_changed = models.PositiveIntegerField(default=0)
    entries_removed = models.PositiveIntegerField(default=0)
    rescreened_at = models.DateTimeField(null=True, blank=True)
    rescreened_subjects = models.PositiveIntegerField(default=0)
    rescreen_hits = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-id"]
        get_latest_by = "id"
        permissions = [("screen_sanctions", "Can screen names and decide sanctions hits")]

    def __str__(self) -> str:
        return f"{self.source} version {self.pk} ({self.content_sha256[:12]})"


class SanctionsEntry(models.Model):
    """A listed party. Kept when it leaves the list (`active` false), so earlier hits still point
    at what was listed."""

    source = models.CharField(max_length=32, default="ofac_sdn")
    ent_num = models.PositiveIntegerField()
    name = models.CharField(max_length=400)
    entry_type = models.CharField(max_length=16, choices=EntryType.choices)
    programs = models.JSONField(default=list, blank=True)
    title = models.CharField(max_length=500, blank=True, default="")
    call_sign = models.CharField(max_length=50, blank=True, default="")
    vessel_type = models.CharField(max_length=100, blank=True, default="")
    tonnage = models.CharField(max_length=50, blank=True, default="")
    grt = models.CharField(max_length=50, blank=True, default="")
    vessel_flag = models.CharField(max_length=100, blank=True, default="")
    vessel_owner = models.CharField(max_length=300, blank=True, default="")
    remarks = models.TextField(blank=True, default="")
    # Parsed from the remarks: [{"text", "from", "to", "precision"}], place names, country names.
    dates_of_birth = models.JSONField(default=list, blank=True)
    places_of_birth = models.JSONField(default=list, blank=True)
    nationalities = models.JSONField(default=list, blank=True)
    citizenships = models.JSONField(default=list, blank=True)
    gender = models.CharField(max_length=20, blank=True, default="")
    # ISO codes of every country tied to the entry (nationality, citizenship, birth, addresses, flag).
    countries = models.JSONField(default=list, blank=True)
    content_sha256 = models.CharField(max_length=64)
    active = models.BooleanField(default=True)
    first_version = models.ForeignKey(SanctionsListVersion, on_delete=models.PROTECT, related_name="+")
    changed_version = models.ForeignKey(SanctionsListVersion, on_delete=models.PROTECT, related_name="+")
    removed_version = models.ForeignKey(
        SanctionsListVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["ent_num"]
        verbose_name_plural = "sanctions entries"
        constraints = [models.UniqueConstraint(fields=["source", "ent_num"], name="sanctions_entry_unique_ent_num")]
        indexes = [models.Index(fields=["source", "active"], name="sanctions_entry_active_idx")]

    def __str__(self) -> str:
        return f"SDN {self.ent_num}: {self.name}"


class SanctionsAlias(models.Model):
    class AliasType(models.TextChoices):
        AKA = "aka", "also known as"
        FKA = "fka", "formerly known as"
        NKA = "nka", "now known as"
        WEAK_AKA = "weak_aka", "weak alias (from the remarks)"

    entry = models.ForeignKey(SanctionsEntry, on_delete=models.CASCADE, related_name="aliases")
    alt_num = models.PositiveIntegerField(null=True, blank=True)
    alias_type = models.CharField(max_length=16, choices=AliasType.choices, default=AliasType.AKA)
    name = models.CharField(max_length=400)
    remarks = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["entry_id", "id"]
        verbose_name_plural = "sanctions aliases"

    def __str__(self) -> str:
        return f"{self.alias_type} {self.name}"


class SanctionsAddress(models.Model):
    entry = models.ForeignKey(SanctionsEntry, on_delete=models.CASCADE, related_name="addresses")
    add_num = models.PositiveIntegerField(null=True, blank=True)
    address = models.CharField(max_length=500, blank=True, default="")
    city = models.CharField(max_length=300, blank=True, default="")
    country = models.CharField(max_length=100, blank=True, default="")
    country_code = models.CharField(max_length=2, blank=True, default="")
    remarks = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["entry_id", "id"]
        verbose_name_plural = "sanctions addresses"

    def __str__(self) -> str:
        return ", ".join(p for p in (self.city, self.country) if p) or f"address {self.pk}"


class DigitalCurrencyAddress(models.Model):
    """A digital currency address listed in an entry's remarks ("Digital Currency Address - XBT …")."""

    entry = models.ForeignKey(SanctionsEntry, on_delete=models.CASCADE, related_name="digital_currency_addresses")
    currency = models.CharField(max_length=16)
    address = models.CharField(max_length=200)
    # Compared exactly: the address as written, except hexadecimal (0x…) addresses in lower case.
    address_normalised = models.CharField(max_length=200, db_index=True)

    class Meta:
        ordering = ["entry_id", "currency", "address"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "currency", "address"], name="digital_currency_address_unique")
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.address}"


# --- screening -----------------------------------------------------------------------------------


class SubjectKind(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    BANK_ACCOUNT_HOLDER = "bank_account_holder", "Linked bank account holder"
    WALLET = "wallet", "Crypto wallet address"
    COUNTERPARTY = "counterparty", "Counterparty"
    ISSUER = "issuer", "Security issuer"


class ScreeningSubject(models.Model):
    """Anything screened on an ongoing basis: re-screened when the list changes.

    `key` names it ("customer:<uuid>", "bank_account_holder:trading.linkedbankaccount:12"). The
    last screened query of a non-customer subject is kept encrypted (a customer's identity is
    always read afresh from accounts). `identity_sha256` is a keyed hash of the screened identity:
    when it changes, earlier false-positive dispositions no longer apply.
    """

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=32, choices=SubjectKind.choices)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reference = models.CharField(max_length=200, blank=True, default="")
    query_encrypted = models.TextField(blank=True, default="")
    identity_sha256 = models.CharField(max_length=64, blank=True, default="")
    last_screened_at = models.DateTimeField(null=True, blank=True)
    last_list_version = models.ForeignKey(
        SanctionsListVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"screening subject {self.pk} ({self.kind})"


class ScreeningRun(models.Model):
    class Trigger(models.TextChoices):
        KYC_SUBMITTED = "kyc_submitted", "KYC submitted"
        LIST_CHANGE = "list_change", "Sanctions list changed"
        REGISTRATION = "registration", "Registration (bank account, wallet, counterparty, issuer)"
        TRANSACTION = "transaction", "Transaction"
        MANUAL = "manual", "Staff request"

    subject = models.ForeignKey(ScreeningSubject, null=True, blank=True, on_delete=models.PROTECT, related_name="runs")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    trigger = models.CharField(max_length=32, choices=Trigger.choices)
    list_version = models.ForeignKey(SanctionsListVersion, on_delete=models.PROTECT, related_name="runs")
    # What was screened: name, date of birth, countries, type, or a wallet address (personal data:
    # masked on erasure, never in the audit log).
    query = models.JSONField(default=dict, blank=True)
    # The keyed hash of the identity screened (see ScreeningSubject.identity_sha256).
    identity_sha256 = models.CharField(max_length=64, blank=True, default="")
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    hit_count = models.PositiveIntegerField(default=0)
    top_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"screening run {self.pk} ({self.trigger})"


class ScreeningReview(models.Model):
    """An officer's work item: the open hits of one subject. One open review per subject."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    class Outcome(models.TextChoices):
        NONE = "", "—"
        BLOCKED = "blocked", "Confirmed match: blocked"
        CLEARED = "cleared", "Cleared (false positive or whitelisted)"

    subject = models.ForeignKey(ScreeningSubject, on_delete=models.PROTECT, related_name="reviews")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_by_run = models.ForeignKey(ScreeningRun, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True, default="")
    band = models.CharField(max_length=16, default="review")  # review | confident (highest seen)
    froze_customer = models.BooleanField(default=False)
    opened_at = models.DateTimeField(auto_now_add=True, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject"], condition=Q(status="open"), name="screening_review_one_open_per_subject"
            ),
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True) | Q(status="closed", closed_at__isnull=False),
                name="screening_review_closed_at_iff_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"sanctions review {self.pk} ({self.status})"


class ScreeningHit(models.Model):
    class Band(models.TextChoices):
        REVIEW = "review", "Review"
        CONFIDENT = "confident", "Confident"

    class Status(models.TextChoices):
        OPEN = "open", "Open (awaiting an officer)"
        TRUE_MATCH = "true_match", "True match"
        FALSE_POSITIVE = "false_positive", "False positive"
        WHITELISTED = "whitelisted", "Whitelisted"
        SUPPRESSED = "suppressed", "Suppressed by an earlier disposition"
        INFORMATIONAL = "informational", "Informational (ad-hoc screening)"

    run = models.ForeignKey(ScreeningRun, on_delete=models.PROTECT, related_name="hits")
    subject = models.ForeignKey(ScreeningSubject, null=True, blank=True, on_delete=models.PROTECT, related_name="hits")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review = models.ForeignKey(ScreeningReview, null=True, blank=True, on_delete=models.PROTECT, related_name="hits")
    entry = models.ForeignKey(SanctionsEntry, on_delete=models.PROTECT, related_name="hits")
    alias = models.ForeignKey(SanctionsAlias, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    matched_name = models.CharField(max_length=400)
    score = models.DecimalField(max_digits=5, decimal_places=2)
    name_score = models.DecimalField(max_digits=5, decimal_places=2)
    band = models.CharField(max_length=16, choices=Band.choices)
    reasons = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["subject", "entry"], name="screening_hit_subj_entry_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=100), name="screening_hit_score_range"),
        ]

    def __str__(self) -> str:
        return f"hit {self.pk} on SDN {self.entry.ent_num if self.entry_id else '?'} ({self.status})"


class Disposition(models.Model):
    """An officer's decision on a hit. A false positive or a whitelist suppresses the same
    subject–entry pair until the entry (its content hash) or the subject's identity changes, a
    whitelist only until its date."""

    class Decision(models.TextChoices):
        TRUE_MATCH = "true_match", "True match"
        FALSE_POSITIVE = "false_positive", "False positive"
        WHITELISTED = "whitelisted", "Whitelisted until a date"

    hit = models.OneToOneField(ScreeningHit, on_delete=models.PROTECT, related_name="disposition")
    subject = models.ForeignKey(ScreeningSubject, on_delete=models.PROTECT, related_name="dispositions")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entry = models.ForeignKey(SanctionsEntry, on_delete=models.PROTECT, related_name="dispositions")
    decision = models.CharField(max_length=16, choices=Decision.choices)
    whitelisted_until = models.DateField(null=True, blank=True)
    reason = models.TextField()
    entry_sha256 = models.CharField(max_length=64)
    identity_sha256 = models.CharField(max_length=64, blank=True, default="")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at"]
        indexes = [models.Index(fields=["subject", "entry", "decision"], name="disposition_pair_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="whitelisted", whitelisted_until__isnull=False)
                | (~Q(decision="whitelisted") & Q(whitelisted_until__isnull=True)),
                name="disposition_whitelist_has_date",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="disposition_reason_required"),
        ]

    def __str__(self) -> str:
        return f"disposition {self.pk}: {self.decision}"


# --- OFAC reports ------------------------------------------------------------------------------


class OfacReport(models.Model):
    class Kind(models.TextChoices):
        BLOCKING = "blocking", "Blocked property report (501.603, 10 business days)"
        REJECTED_TRANSACTION = "rejected_transaction", "Rejected transaction report (501.604, 10 business days)"
        ANNUAL_BLOCKED_PROPERTY = "annual_blocked_property", "Annual report of blocked property (as of 30 June)"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft (to be filed)"
        FILED = "filed", "Filed with OFAC"

    kind = models.CharField(max_length=32, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject = models.ForeignKey(
        ScreeningSubject, null=True, blank=True, on_delete=models.PROTECT, related_name="ofac_reports"
    )
    entry = models.ForeignKey(
        SanctionsEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="ofac_reports"
    )
    disposition = models.OneToOneField(
        Disposition, null=True, blank=True, on_delete=models.PROTECT, related_name="ofac_report"
    )
    # Blocking: the date of the block; rejected transaction: of the rejection; annual: the as-of date.
    event_date = models.DateField()
    due_date = models.DateField(db_index=True)
    transaction_reference = models.CharField(max_length=200, blank=True, default="")
    # Report details without personal data in clear (identities are read when the document is made).
    payload = models.JSONField(default=dict, blank=True)
    retention_class = models.CharField(max_length=32, choices=RetentionClass.choices, default=RetentionClass.OFAC)
    retain_until = models.DateField()
    document_sha256 = models.CharField(max_length=64, blank=True, default="")
    document_written_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    filing_reference = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = "OFAC report"
        constraints = [
            models.UniqueConstraint(
                fields=["event_date"],
                condition=Q(kind="annual_blocked_property"),
                name="ofac_report_one_annual_per_date",
            ),
            models.UniqueConstraint(
                fields=["transaction_reference"],
                condition=Q(kind="rejected_transaction"),
                name="ofac_report_one_per_rejected_transaction",
            ),
            models.CheckConstraint(
                condition=~Q(kind="rejected_transaction") | ~Q(transaction_reference=""),
                name="ofac_report_rejected_has_reference",
            ),
            models.CheckConstraint(condition=Q(due_date__gte=models.F("event_date")), name="ofac_report_due_after"),
            models.CheckConstraint(
                condition=Q(status="draft", filed_at__isnull=True) | Q(status="filed", filed_at__isnull=False),
                name="ofac_report_filed_at_iff_filed",
            ),
        ]

    def __str__(self) -> str:
        return f"OFAC {self.kind} report {self.pk} (due {self.due_date})"


# --- FinCEN 314(a) -------------------------------------------------------------------------------


class Fincen314aList(models.Model):
    """A FinCEN 314(a) subject list as received (every two weeks)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open (matches to report)"
        CLOSED = "closed", "Closed"

    name = models.CharField(max_length=200)
    file_sha256 = models.CharField(max_length=64, unique=True)
    received_on = models.DateField()
    due_on = models.DateField(db_index=True)
    subjects_count = models.PositiveIntegerField(default=0)
    customers_searched = models.PositiveIntegerField(default=0)
    matched_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    loaded_at = models.DateTimeField(auto_now_add=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = "314(a) list"
        permissions = [("handle_314a", "Can see and work FinCEN 314(a) requests")]

    def __str__(self) -> str:
        return f"314(a) list {self.pk}"


class Fincen314aSubject(models.Model):
    """One subject of a 314(a) request, in FinCEN's subject-list fields. Identification numbers
    are encrypted, with a keyed blind index to compare them."""

    request_list = models.ForeignKey(Fincen314aList, on_delete=models.CASCADE, related_name="subjects")
    row_number = models.PositiveIntegerField()
    tracking_number = models.CharField(max_length=50)
    subject_type = models.CharField(max_length=16, default="individual")  # individual | business
    last_name = models.CharField(max_length=200, blank=True, default="")
    first_name = models.CharField(max_length=200, blank=True, default="")
    middle_name = models.CharField(max_length=200, blank=True, default="")
    suffix = models.CharField(max_length=50, blank=True, default="")
    alias_last_name = models.CharField(max_length=200, blank=True, default="")
    alias_first_name = models.CharField(max_length=200, blank=True, default="")
    alias_middle_name = models.CharField(max_length=200, blank=True, default="")
    business_name = models.CharField(max_length=300, blank=True, default="")
    number_type = models.CharField(max_length=50, blank=True, default="")
    number_encrypted = models.TextField(blank=True, default="")
    number_blind_index = models.CharField(max_length=64, blank=True, default="", db_index=True)
    number_last4 = models.CharField(max_length=4, blank=True, default="")
    date_of_birth = models.DateField(null=True, blank=True)
    street = models.CharField(max_length=300, blank=True, default="")
    city = models.CharField(max_length=100, blank=True, default="")
    state = models.CharField(max_length=50, blank=True, default="")
    zip = models.CharField(max_length=20, blank=True, default="")
    country = models.CharField(max_length=100, blank=True, default="")
    phone = models.CharField(max_length=50, blank=True, default="")

    class Meta:
        ordering = ["request_list_id", "row_number"]
        verbose_name = "314(a) subject"
        constraints = [
            models.UniqueConstraint(fields=["request_list", "row_number"], name="fincen314a_subject_unique_row"),
        ]

    def __str__(self) -> str:
        return f"314(a) subject {self.tracking_number}/{self.row_number}"


class Fincen314aMatch(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open (to be confirmed and reported)"
        REPORTED = "reported", "Reported to FinCEN"
        NOT_A_MATCH = "not_a_match", "Not a match"

    subject = models.ForeignKey(Fincen314aSubject, on_delete=models.PROTECT, related_name="matches")
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(max_digits=5, decimal_places=2)
    reasons = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    due_on = models.DateField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = "314(a) match"
        verbose_name_plural = "314(a) matches"
        constraints = [
            models.UniqueConstraint(fields=["subject", "customer"], name="fincen314a_match_unique_pair"),
        ]

    def __str__(self) -> str:
        return f"314(a) match {self.pk} ({self.status})"
