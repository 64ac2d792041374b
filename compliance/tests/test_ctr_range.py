"""The CTR job over a range of business days (a backfill, the first run over imported history, the
daily job's look-back): the same CTRs as drafting day by day, read a month at a time, re-runnable."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from compliance.models import Ctr
from compliance.services import ctr as ctr_service
from compliance.services.ctr import ctr_business_days, ctr_draft_for_day, ctr_draft_for_days, ctr_rows_by_day

from . import factories

pytestmark = pytest.mark.django_db
MON = factories.BUSINESS_DAY  # Monday 2 March 2026
FRI, SAT = MON - dt.timedelta(days=3), MON - dt.timedelta(days=2)
TUE, WED, THU, NEXT_FRI = (MON + dt.timedelta(days=n) for n in (1, 2, 3, 4))
NEXT_MON = MON + dt.timedelta(days=7)


def _cash_over_two_weeks():
    """Four CTR person-days from FRI to NEXT_FRI (one of them Saturday cash counted on Monday,
    one a person's cash out, one cash in two portfolios), cash under the threshold on other
    days, and a CTR day after the range."""
    first, second = factories.customer(), factories.customer()
    a, b = factories.portfolio(first), factories.portfolio(second, cash="30000.00")
    factories.branch_cash(a, "12000.00", on=FRI)
    factories.branch_cash(a, "6000.00", on=SAT)
    factories.branch_cash(a, "5000.00", on=MON)
    factories.branch_cash(a, "9000.00", on=WED)
    factories.branch_cash(b, "7000.00", on=MON)
    factories.branch_cash(b, "10500.00", on=MON, direction="out", hour=14)
    factories.branch_cash(b, "6000.00", on=THU)
    factories.branch_cash(factories.portfolio(second), "4500.00", on=THU, hour=15)
    factories.branch_cash(a, "15000.00", on=NEXT_MON)


def _ctrs() -> list[tuple]:
    """The drafted CTRs, as what a filing reads from them (the encrypted ID numbers aside: each
    encryption has its own nonce)."""
    return sorted(
        (
            str(ctr.subject_id),
            ctr.business_date,
            ctr.direction,
            ctr.total_amount,
            ctr.due_on,
            ctr.status,
            tuple(sorted((t["reference"], t["amount"], t["kind"], t["executed_on"]) for t in ctr.transactions)),
            tuple(
                sorted(
                    tuple(sorted((k, v) for k, v in c.items() if k != "id_number_encrypted")) for c in ctr.conductors
                )
            ),
        )
        for ctr in Ctr.objects.all()
    )


@pytest.mark.parametrize("chunk_days", [31, 2])
def test_a_range_drafts_the_same_ctrs_as_drafting_day_by_day(monkeypatch, chunk_days):
    monkeypatch.setattr(ctr_service, "CTR_RANGE_CHUNK_DAYS", chunk_days)
    _cash_over_two_weeks()
    for day in ctr_business_days(first_day=FRI, last_day=NEXT_FRI):
        ctr_draft_for_day(business_day=day)
    day_by_day = _ctrs()
    Ctr.objects.all().delete()

    results = ctr_draft_for_days(first_day=FRI, last_day=NEXT_FRI)

    assert _ctrs() == day_by_day
    assert sorted((c[1], c[2], c[3]) for c in day_by_day) == sorted(
        [
            (FRI, "cash_in", Decimal("12000.00")),
            (MON, "cash_in", Decimal("11000.00")),
            (MON, "cash_out", Decimal("10500.00")),
            (THU, "cash_in", Decimal("10500.00")),
        ]
    )
    assert [r.business_day for r in results] == [FRI, MON, TUE, WED, THU, NEXT_FRI]
    assert [len(r.drafted) for r in results] == [1, 2, 0, 0, 1, 0]


def test_re_running_a_range_creates_no_new_ctr():
    _cash_over_two_weeks()
    first = ctr_draft_for_days(first_day=FRI, last_day=NEXT_FRI)
    before = _ctrs()

    again = ctr_draft_for_days(first_day=FRI, last_day=NEXT_FRI)

    assert Ctr.objects.count() == 4 and _ctrs() == before
    assert [r.drafted for r in again] == [r.drafted for r in first]


def test_an_approved_ctr_in_a_range_is_left_alone(bsa_officer):
    from compliance.services import ctr_approve

    _cash_over_two_weeks()
    ctr = ctr_approve(ctr=ctr_draft_for_day(business_day=FRI).drafted[0], acting_user=bsa_officer)

    results = ctr_draft_for_days(first_day=FRI, last_day=MON)

    assert results[0].unchanged == [ctr.pk] and results[0].drafted == []
    assert Ctr.objects.get(pk=ctr.pk).status == Ctr.Status.APPROVED and Ctr.objects.count() == 3


def test_a_months_cash_is_read_in_one_statement(django_assert_num_queries):
    _cash_over_two_weeks()
    with django_assert_num_queries(1):
        days = [
            (day, {(r["customer_id"], r["direction"]) for r in rows})
            for day, rows in ctr_rows_by_day(first_day=FRI, last_day=NEXT_FRI)
        ]
    assert [(day, len(groups)) for day, groups in days] == [
        (FRI, 1),
        (MON, 2),
        (TUE, 0),
        (WED, 0),
        (THU, 1),
        (NEXT_FRI, 0),
    ]


def test_a_longer_range_is_read_in_bounded_chunks(monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(ctr_service, "CTR_RANGE_CHUNK_DAYS", 4)
    _cash_over_two_weeks()
    # FRI..MON (Sat and Sun have no day of their own), TUE..NEXT_FRI, NEXT_MON: three statements
    with django_assert_num_queries(3):
        days = [day for day, rows in ctr_rows_by_day(first_day=FRI, last_day=NEXT_MON) if rows]
    assert days == [FRI, MON, THU, NEXT_MON]


def test_the_command_drafts_a_range_day_by_day(capsys):
    _cash_over_two_weeks()
    call_command("draft_ctrs", "--from", FRI.isoformat(), "--to", NEXT_FRI.isoformat(), "--no-progress")
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"{FRI}: 1 draft(s), 0 already approved or filed",
        f"{MON}: 2 draft(s), 0 already approved or filed",
        f"{TUE}: 0 draft(s), 0 already approved or filed",
        f"{WED}: 0 draft(s), 0 already approved or filed",
        f"{THU}: 1 draft(s), 0 already approved or filed",
        f"{NEXT_FRI}: 0 draft(s), 0 already approved or filed",
    ]
    assert Ctr.objects.count() == 4


def test_the_command_keeps_the_former_since_until_names():
    _cash_over_two_weeks()
    call_command("draft_ctrs", "--since", MON.isoformat(), "--until", MON.isoformat(), "--no-progress")
    assert sorted(Ctr.objects.values_list("business_date", "direction")) == [(MON, "cash_in"), (MON, "cash_out")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", MON.isoformat()], "--from and --to go together"),
        (["--to", MON.isoformat()], "--from and --to go together"),
        (["--from", TUE.isoformat(), "--to", MON.isoformat()], f"--from {TUE} is after --to {MON}"),
        (["--date", MON.isoformat(), "--from", MON.isoformat(), "--to", TUE.isoformat()], "not both"),
        (["--from", "2026-13-01", "--to", MON.isoformat()], "--from: use YYYY-MM-DD"),
    ],
)
def test_the_commands_range_arguments_are_checked(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("draft_ctrs", *args, "--no-progress")
    assert not Ctr.objects.exists()


def test_the_daily_task_drafts_its_look_back_days_as_a_range(settings):
    import time_machine

    from compliance.tasks import ctr_draft

    settings.CTR_DRAFT_LOOKBACK_BUSINESS_DAYS = 3
    _cash_over_two_weeks()
    with time_machine.travel(factories.ny(THU, 12), tick=False):
        drafted = ctr_draft.apply().get()
    # The three business days before Thursday: MON, TUE, WED (FRI is outside the look-back).
    assert sorted(Ctr.objects.filter(pk__in=drafted).values_list("business_date", "direction")) == [
        (MON, "cash_in"),
        (MON, "cash_out"),
    ]
    assert Ctr.objects.count() == 2
