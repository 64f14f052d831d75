"""A job whose tasks timed out or whose worker died ends as failed, with the reason (issue 14)."""

import datetime as dt

import pytest
from django.utils import timezone

from studio.models import Job
from studio.services import job_advance, job_create, job_report, job_start, jobs_fail_stalled
from studio.tasks import fail_stalled_jobs

pytestmark = pytest.mark.django_db


def stale(job: Job, seconds: int) -> None:
    """What a dead worker leaves: no sign of life for `seconds`."""
    Job.objects.filter(pk=job.pk).update(updated_at=timezone.now() - dt.timedelta(seconds=seconds))


def test_a_running_job_without_progress_is_failed_with_the_reason(settings):
    settings.ATELIER_JOB_STALL_SECONDS = 600
    job = job_create(kind="staging", label="Staging 4 images", total=4)
    job_start(job_id=job.pk)
    job_advance(job_id=job.pk, done=1, unit="image:1")
    stale(job, 601)
    assert fail_stalled_jobs() == {"failed": [job.pk]}
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.is_finished and job.finished_at
    assert job.message.startswith("Stopped after 1 of 4: no progress for 10 minutes")
    # A task that turns up late still counts, but the verdict stays.
    job_advance(job_id=job.pk, done=1, unit="image:2")
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.done == 2


def test_a_queued_job_never_started_is_failed_too():
    job = job_create(kind="copy", label="Writing", total=2)
    stale(job, 7200)
    assert jobs_fail_stalled(stall_seconds=3600) == [job.pk]
    assert Job.objects.get(pk=job.pk).status == Job.Status.FAILED


def test_jobs_that_show_progress_or_are_finished_are_left_alone():
    moving = job_create(kind="sales_import", label="Import", total=100)
    job_start(job_id=moving.pk)
    stale(moving, 7200)
    job_report(job_id=moving.pk, done=40, message="Checked 40,000 rows…")  # progress: a sign of life
    done = job_create(kind="copy", label="Done", total=1)
    job_advance(job_id=done.pk, done=1)
    stale(done, 7200)
    assert jobs_fail_stalled(stall_seconds=3600) == []
    assert Job.objects.get(pk=moving.pk).status == Job.Status.RUNNING
    assert Job.objects.get(pk=done.pk).status == Job.Status.SUCCEEDED
