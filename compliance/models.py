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
        indexes = [
            models.Index(fields=["subject", "entry"], name="screening_hit_subj_entry_idx"),
            # the admin list's filters, each with the list's ordering
            models.Index(fields=["band", "-created_at"], name="compl_screeningh_band_idx"),
        ]
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
    transaction_parties_searched = models.PositiveIntegerField(default=0)
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
    # Empty: the customer matched; else the transaction record one of whose parties matched
    # ("trading.transaction:42"; the customer is the account holder).
    transaction_reference = models.CharField(max_length=100, blank=True, default="")
    matched_name = models.CharField(max_length=200, blank=True, default="")
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
            models.UniqueConstraint(
                fields=["subject", "customer", "transaction_reference"], name="fincen314a_match_unique_source"
            ),
        ]

    def __str__(self) -> str:
        return f"314(a) match {self.pk} ({self.status})"


# --- transaction monitoring: rules, alerts, cases ------------------------------------------------


class MonitoringRuleState(models.Model):
    """Where a monitoring rule has got to: the last source row id (and time) it has seen."""

    rule_name = models.CharField(max_length=64, unique=True)
    rule_version = models.CharField(max_length=16, default="1")
    watermark_id = models.BigIntegerField(default=0)
    watermark_at = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_run_alerts = models.PositiveIntegerField(default=0)
    last_run_shadow = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["rule_name"]

    def __str__(self) -> str:
        return f"rule {self.rule_name} v{self.rule_version} at {self.watermark_id}"


class ChainMismatchEvent(models.Model):
    """A `blockguardian.chain.signals.anchor_mismatch` as received (the chain-mismatch rule's source)."""

    record_kind = models.CharField(max_length=64)
    record_id = models.CharField(max_length=100)
    reason = models.CharField(max_length=64)
    batch_id = models.CharField(max_length=100, blank=True, default="")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"chain mismatch {self.pk} ({self.record_kind} {self.record_id}: {self.reason})"


class Alert(models.Model):
    """A detection by a monitoring rule: `open → in_case / dismissed`. A shadow alert (a rule in
    shadow mode) is recorded for tuning only: it never reaches a case or a queue."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_CASE = "in_case", "In a case"
        DISMISSED = "dismissed", "Dismissed"

    rule_name = models.CharField(max_length=64, db_index=True)
    rule_version = models.CharField(max_length=16)
    # What makes two detections the same one (the rule's own key, e.g. the source rows' ids).
    dedup_key = models.CharField(max_length=200)
    shadow = models.BooleanField(default=False)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # References to the source rows, "app.model:id" (e.g. "trading.transaction:42").
    evidence = models.JSONField(default=list)
    details = models.JSONField(default=dict, blank=True)
    amount = models.DecimalField(max_digits=20, decimal_places=2, null=True, blank=True)
    activity_start = models.DateField(null=True, blank=True)
    activity_end = models.DateField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    case = models.ForeignKey("Case", null=True, blank=True, on_delete=models.PROTECT, related_name="alerts")
    detected_at = models.DateTimeField(db_index=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dismissal_reason = models.TextField(blank=True, default="")

    class Meta:
        indexes = [
            # the admin list's filters, each with the list's ordering
            models.Index(fields=["shadow", "-detected_at"], name="compl_alert_shadow_idx"),
        ]
        ordering = ["-detected_at", "-id"]
        permissions = [("work_alerts", "Can work monitoring alerts and cases")]
        constraints = [
            models.UniqueConstraint(fields=["rule_name", "dedup_key", "shadow"], name="alert_unique_detection"),
            models.CheckConstraint(condition=Q(score__lte=100), name="alert_score_range"),
            models.CheckConstraint(
                condition=~Q(status="in_case") | Q(case__isnull=False), name="alert_in_case_has_case"
            ),
            models.CheckConstraint(
                condition=~Q(status="dismissed") | ~Q(dismissal_reason=""), name="alert_dismissal_reason_required"
            ),
        ]

    def __str__(self) -> str:
        return f"alert {self.pk} ({self.rule_name} v{self.rule_version}, {self.status})"


class Case(models.Model):
    """A customer's alerts for an officer:
    `open → investigating → escalated → sar_required → closed_sar_filed`;
    `open/investigating/escalated → closed_no_action` (reason required)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        INVESTIGATING = "investigating", "Investigating"
        ESCALATED = "escalated", "Escalated"
        SAR_REQUIRED = "sar_required", "SAR required"
        CLOSED_NO_ACTION = "closed_no_action", "Closed, no action"
        CLOSED_SAR_FILED = "closed_sar_filed", "Closed, SAR filed"

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.OPEN, db_index=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The first alert's detection: SAR deadlines count from here.
    detected_on = models.DateField()
    due_on = models.DateField(db_index=True)
    terrorist_financing = models.BooleanField(default=False)
    ongoing_laundering = models.BooleanField(default=False)
    law_enforcement_notified_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closing_reason = models.TextField(blank=True, default="")

    class Meta:
        indexes = [
            # the admin list's filters, each with the list's ordering
            models.Index(fields=["terrorist_financing", "due_on"], name="compl_case_tf_idx"),
            models.Index(fields=["ongoing_laundering", "due_on"], name="compl_case_ol_idx"),
        ]
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(status__in=["open", "investigating", "escalated"]),
                name="case_one_working_per_customer",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed_no_action") | ~Q(closing_reason=""), name="case_closing_reason_required"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["closed_no_action", "closed_sar_filed"], closed_at__isnull=False)
                | (~Q(status__in=["closed_no_action", "closed_sar_filed"]) & Q(closed_at__isnull=True)),
                name="case_closed_at_iff_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"case {self.pk} ({self.status})"

    @property
    def is_closed(self) -> bool:
        return self.status in (self.Status.CLOSED_NO_ACTION, self.Status.CLOSED_SAR_FILED)


class CaseNote(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="case_note_text_required")]

    def __str__(self) -> str:
        return f"note {self.pk} on case {self.case_id}"


# --- FinCEN filings: CTR, SAR, batches -----------------------------------------------------------


class Filing(models.Model):
    """One FinCEN BSA XML batch as written: file, hash, counts, and the acknowledgement."""

    class Kind(models.TextChoices):
        CTR = "ctr", "CTR batch (CTRX)"
        SAR = "sar", "SAR batch (SARX)"

    class Status(models.TextChoices):
        WRITTEN = "written", "Written (to be submitted)"
        ACKNOWLEDGED = "acknowledged", "Acknowledged by FinCEN"
        REJECTED = "rejected", "Rejected by FinCEN"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.WRITTEN)
    file_path = models.CharField(max_length=500)
    file_sha256 = models.CharField(max_length=64, unique=True)
    activity_count = models.PositiveIntegerField()
    party_count = models.PositiveIntegerField()
    total_amount = models.BigIntegerField()  # whole dollars, as in the file
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgement_sha256 = models.CharField(max_length=64, blank=True, default="")
    acknowledgement_status = models.CharField(max_length=8, blank=True, default="")
    acknowledgement_errors = models.JSONField(default=list, blank=True)

    class Meta:
        # the admin's default ordering and filters (its lists of this table)
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="filing_time_idx"),
            # the admin list's filters, each with the list's ordering
            models.Index(fields=["kind", "-created_at"], name="compl_filing_kind_idx"),
            models.Index(fields=["status", "-created_at"], name="compl_filing_status_idx"),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind.upper()} filing {self.pk} ({self.status})"


class Ctr(models.Model):
    """A Currency Transaction Report for one person, business day and direction:
    `draft → approved → filed`. Conductors' identities (1010.312) are personal data: kept for the
    filing, never in the audit log."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        APPROVED = "approved", "Approved"
        FILED = "filed", "Filed"

    class Direction(models.TextChoices):
        CASH_IN = "cash_in", "Cash in"
        CASH_OUT = "cash_out", "Cash out"

    subject = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    business_date = models.DateField(db_index=True)
    direction = models.CharField(max_length=8, choices=Direction.choices)
    total_amount = models.DecimalField(max_digits=20, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")
    # [{"reference": "trading.transaction:42", "amount": "5000.00", "kind": "deposit"}]
    transactions = models.JSONField(default=list)
    # [{"customer_id"|None, "first_name", "last_name", "date_of_birth", "id_type", "id_number", ...}]
    conductors = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    due_on = models.DateField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    filing = models.ForeignKey(Filing, null=True, blank=True, on_delete=models.PROTECT, related_name="ctrs")
    filing_position = models.PositiveIntegerField(null=True, blank=True)
    filed_at = models.DateTimeField(null=True, blank=True)
    bsa_id = models.CharField(max_length=20, blank=True, default="")
    retention_class = models.CharField(max_length=32, choices=RetentionClass.choices, default=RetentionClass.CTR)

    class Meta:
        indexes = [
            # the admin list's filters, each with the list's ordering
            models.Index(fields=["direction", "due_on"], name="compl_ctr_directio_idx"),
        ]
        ordering = ["due_on", "id"]
        verbose_name = "CTR"
        permissions = [("file_ctr", "Can approve and file CTRs")]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "business_date", "direction"], name="ctr_one_per_person_day_direction"
            ),
            models.CheckConstraint(condition=Q(total_amount__gt=0), name="ctr_total_positive"),
            models.CheckConstraint(condition=Q(due_on__gte=models.F("business_date")), name="ctr_due_after"),
            models.CheckConstraint(
                condition=~Q(status="filed") | Q(filing__isnull=False, filed_at__isnull=False),
                name="ctr_filed_has_filing",
            ),
        ]

    def __str__(self) -> str:
        return f"CTR {self.pk} ({self.direction} {self.business_date}, {self.status})"


class Sar(models.Model):
    """A Suspicious Activity Report: `draft → in_review → approved → filed / closed_no_filing`
    (reason required). Visible only with `compliance.handle_sar`; approved by a second officer
    holding `compliance.approve_sar`, never by its preparer."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"
        FILED = "filed", "Filed"
        CLOSED_NO_FILING = "closed_no_filing", "Closed without filing"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="sars")
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.DRAFT, db_index=True)
    # The subject as KYC gave it when the draft was made (personal data: never in the audit log).
    subject_data = models.JSONField(default=dict)
    suspect_identified = models.BooleanField(default=True)
    suspicious_amount = models.DecimalField(max_digits=20, decimal_places=2)
    activity_start = models.DateField()
    activity_end = models.DateField()
    # [[type id, subtype id], ...] from the SARX schema's lists.
    classifications = models.JSONField(default=list)
    narrative = models.TextField()
    evidence = models.JSONField(default=list)
    detected_on = models.DateField()
    due_on = models.DateField(db_index=True)
    # Continuing activity: the SAR this one continues, and when the next one is due.
    continues = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="continuations")
    continuing_review_due_on = models.DateField(null=True, blank=True, db_index=True)
    terrorist_financing = models.BooleanField(default=False)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closing_reason = models.TextField(blank=True, default="")
    filing = models.ForeignKey(Filing, null=True, blank=True, on_delete=models.PROTECT, related_name="sars")
    filing_position = models.PositiveIntegerField(null=True, blank=True)
    filed_at = models.DateTimeField(null=True, blank=True)
    bsa_id = models.CharField(max_length=20, blank=True, default="")
    retention_class = models.CharField(max_length=32, choices=RetentionClass.choices, default=RetentionClass.SAR)

    class Meta:
        indexes = [
            # the admin list's filters, each with the list's ordering
            models.Index(fields=["terrorist_financing", "due_on"], name="compl_sar_tf_idx"),
        ]
        ordering = ["due_on", "id"]
        verbose_name = "SAR"
        permissions = [
            ("handle_sar", "Can see and prepare SAR records"),
            ("approve_sar", "Can approve and file SARs"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(suspicious_amount__gte=0), name="sar_amount_not_negative"),
            models.CheckConstraint(condition=Q(activity_end__gte=models.F("activity_start")), name="sar_dates_order"),
            models.CheckConstraint(
                condition=~Q(status="closed_no_filing") | ~Q(closing_reason=""), name="sar_closing_reason_required"
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("prepared_by")),
                name="sar_four_eyes",
            ),
            models.CheckConstraint(
                condition=~Q(status="filed") | Q(filing__isnull=False, filed_at__isnull=False),
                name="sar_filed_has_filing",
            ),
        ]

    def __str__(self) -> str:
        return f"SAR {self.pk} ({self.status})"
