"""A Celery worker killed with SIGKILL in the middle of a compliance job: the re-run (beat's next
tick) produces exactly what an uninterrupted run produces, with no duplicates.

Each job is a `Job`: the task (and its arguments), the data to seed, the query that shows progress,
the query that says the run has finished, and the snapshot of what it produced. A reference run on a
copy of the seeded database gives the expected snapshot.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass

import pytest

from .conftest import wait_for
from .seed import CTR_DAY

pytestmark = [pytest.mark.faults, pytest.mark.slow]


@dataclass(frozen=True)
class Job:
    name: str
    task: str
    seed: tuple[str, ...]
    command: tuple[str, ...]  # the same job run in-process, for the reference
    progress_sql: str  # how many rows the job has written so far
    done_sql: str  # a value that is the same on both databases once the job has finished
    snapshot_sql: str  # what the job produced, in a stable order, without its own ids or times
    duplicates_sql: str  # rows that say the same thing twice (must be 0)
    env: tuple[tuple[str, str], ...] = ()
    kwargs: tuple[tuple[str, str], ...] = ()  # the task's arguments


MONITORING = Job(
    name="monitoring",
    task="compliance.run_monitoring",
    seed=("--customers", "0", "--chain-mismatches", "1500"),
    command=("run_monitoring",),
    progress_sql="SELECT count(*) FROM compliance_alert",
    done_sql="SELECT coalesce(sum(watermark_id), 0) FROM compliance_monitoringrulestate",
    snapshot_sql=(
        "SELECT rule_name, rule_version, dedup_key, shadow, customer_id, evidence::text, amount, score,"
        " activity_start, activity_end FROM compliance_alert ORDER BY rule_name, dedup_key, shadow"
    ),
    duplicates_sql=("SELECT count(*) - count(DISTINCT (rule_name, dedup_key, shadow)) FROM compliance_alert"),
    # Small batches: the run commits batch by batch, so the kill lands between and inside them.
    env=(("MONITORING_BATCH_SIZE", "50"),),
)

# One CTR day: each person's branch cash in and out over the threshold, one CTR a side. The job
# commits CTR by CTR, so a kill leaves the day drafted part-way.
CTR = Job(
    name="ctr",
    task="compliance.ctr_draft",
    kwargs=(("business_date", CTR_DAY.isoformat()),),
    seed=("--customers", "0", "--ctr-customers", "150"),
    command=("draft_ctrs", "--date", CTR_DAY.isoformat(), "--no-progress"),
    progress_sql="SELECT count(*) FROM compliance_ctr",
    done_sql="SELECT count(*) FROM compliance_ctr",
    # The subjects and transactions are the seeded rows (the same ids on both databases); the
    # conductors without the encrypted ID number (encrypted afresh by each run; its last four stay).
    snapshot_sql=(
        "SELECT subject_id::text, business_date, direction, status, total_amount, currency, due_on,"
        " transactions::text,"
        " (SELECT jsonb_agg(c.value - 'id_number_encrypted' ORDER BY c.ordinality)"
        "  FROM jsonb_array_elements(conductors) WITH ORDINALITY c)::text"
        " FROM compliance_ctr ORDER BY subject_id, direction"
    ),
    # Two CTRs for one person, day and side, or one transaction reported twice.
    duplicates_sql=(
        "SELECT (SELECT count(*) - count(DISTINCT (subject_id, business_date, direction)) FROM compliance_ctr)"
        " + (SELECT count(*) - count(DISTINCT t.value->>'reference')"
        "    FROM compliance_ctr, jsonb_array_elements(transactions) t)"
    ),
)

JOBS = [MONITORING, CTR]


@pytest.mark.parametrize("job", JOBS, ids=lambda job: job.name)
def test_a_job_killed_half_way_reruns_to_the_same_result(stack, job):
    env = dict(job.env)
    stack.seed(*job.seed)
    reference = stack.clone()
    result = stack.manage(*job.command, env={**env, "DATABASE_URL": stack.pg.url(reference)})
    expected = stack.query(job.snapshot_sql, dbname=reference)
    finished = stack.scalar(job.done_sql, dbname=reference)
    assert expected, result.stdout + result.stderr

    worker = stack.start_worker(env=env)
    try:
        stack.send_task(job.task, **dict(job.kwargs))
        started = wait_for(lambda: stack.scalar(job.progress_sql) >= len(expected) // 10, timeout=60, interval=0.05)
        assert started, "the job did not start"
        stack.stop_worker(worker, signal.SIGKILL)
    finally:
        stack.stop_worker(worker, signal.SIGKILL)
    written = stack.scalar(job.progress_sql)
    assert 0 < written < len(expected), "the kill did not land in the middle of the job"

    with stack.worker(env=env):
        stack.send_task(job.task, **dict(job.kwargs))
        assert wait_for(lambda: stack.scalar(job.done_sql) == finished, timeout=90, interval=0.5)
    assert stack.query(job.snapshot_sql) == expected
    assert stack.scalar(job.duplicates_sql) == 0
    stack.assert_invariants()
