"""Every task the beat schedule names exists, so a typo cannot silently stop a nightly job."""

from blockguardian.celery import app


def test_every_scheduled_task_is_registered():
    app.loader.import_default_modules()

    missing = {entry["task"] for entry in app.conf.beat_schedule.values()} - set(app.tasks)

    assert missing == set()
