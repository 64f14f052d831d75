"""Task leases and job bookkeeping around django-q2 (studio.taskqueue, issue 14): the pieces the real-cluster
tests in tests/deploy/test_worker_recovery.py put together, one at a time."""

import datetime as dt

import pytest
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import OrmQ

from studio import taskqueue
from studio.models import Job, JobTask
from studio.services import job_advance, job_create, job_start, job_task_ended, job_task_started
from studio.tasks import fail_stalled_jobs

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_waiting_lease_thread(monkeypatch):
    """The pusher's thread renewing waiting leases would outlive the test (and its database); the test
    that needs its rounds runs them by hand."""
    monkeypatch.setattr(taskqueue, "_keep_waiting_leases", lambda: None)
    monkeypatch.setattr(taskqueue, "_waiting", {})


def test_a_claimed_task_is_leased_briefly_and_its_lease_renewed(settings):
    settings.ATELIER_TASK_LEASE_SECONDS = 20
    broker = get_broker()
    assert isinstance(broker, taskqueue.LeasedORM)
    broker.enqueue("payload")
    before = timezone.now()
    [(ack_id, _)] = broker.dequeue()
    lock = OrmQ.objects.get(pk=ack_id).lock
    assert before + dt.timedelta(seconds=19) < lock < timezone.now() + dt.timedelta(seconds=21)
    assert broker.dequeue() is None  # hidden while leased
    OrmQ.objects.filter(pk=ack_id).update(lock=timezone.now() - dt.timedelta(seconds=1))  # the lease lapsed
    assert [task[0] for task in broker.dequeue()] == [ack_id]  # free again
    OrmQ.objects.filter(pk=ack_id).update(lock=timezone.now())
    assert taskqueue.lease_renew(ack_id=ack_id)
    assert OrmQ.objects.get(pk=ack_id).lock > timezone.now() + dt.timedelta(seconds=19)
    broker.acknowledge(ack_id)
    assert not taskqueue.lease_renew(ack_id=ack_id)  # done: nothing to renew


def test_a_task_claimed_ahead_keeps_its_lease_while_it_waits_behind_a_long_one(settings, monkeypatch):
    """The pusher claims the next task while the worker runs a long one; its 30 s lease used to run out
    while it waited in the cluster's queue, so it was claimed again (by another cluster, or by this one
    once the queue moved) and ran twice."""
    settings.ATELIER_TASK_LEASE_SECONDS = 30
    monkeypatch.setattr(taskqueue.Conf, "POLL", 0)
    start, elapsed = timezone.now(), [dt.timedelta()]
    monkeypatch.setattr(timezone, "now", lambda: start + elapsed[0])
    broker = get_broker()
    broker.enqueue("long")
    broker.enqueue("next")
    elapsed[0] += dt.timedelta(milliseconds=1)
    [(long_id, _)] = broker.dequeue()
    taskqueue.on_task_start(None, task={"ack_id": long_id, "id": "long", "func": "no.such.task"})
    taskqueue.on_task_end_in_worker(None)  # its keeper's thread is not what this test is about
    [(next_id, _)] = broker.dequeue()  # claimed ahead: waits in the cluster's queue
    held = []
    for _ in range(9):  # three leases go by while the long task runs
        elapsed[0] += dt.timedelta(seconds=10)
        taskqueue.lease_renew(ack_id=long_id)  # the long task's worker keeps its own
        held.append(taskqueue.waiting_renew())
        assert broker.dequeue() is None  # nobody can claim the waiting task again
    assert held == [1] * 9
    elapsed[0] += dt.timedelta(seconds=1)  # the long task ends; the worker takes the next one
    taskqueue.on_task_start(None, task={"ack_id": next_id, "id": "next", "func": "no.such.task"})
    taskqueue.on_task_end_in_worker(None)
    assert taskqueue.waiting_renew() == 0  # started: its lease is its worker's now
    elapsed[0] += dt.timedelta(seconds=31)  # and if their workers die, both are free again
    freed = [task[0] for _ in range(2) for task in broker.dequeue() or []]
    assert sorted(freed) == sorted([long_id, next_id])


def test_the_cluster_claims_one_task_ahead(settings):
    assert settings.Q_CLUSTER["queue_limit"] == 1 and settings.Q_CLUSTER.get("bulk", 1) == 1


def test_the_job_of_a_task_is_its_job_id_argument():
    assert taskqueue.job_id_of({"func": "catalog.tasks.stage_images", "args": (7, [1, 2]), "kwargs": {}}) == 7
    assert taskqueue.job_id_of({"func": "catalog.tasks.check_photo", "args": (), "kwargs": {"job_id": 3}}) == 3
    assert taskqueue.job_id_of({"func": "automation.tasks.deliver", "args": (7,), "kwargs": {}}) is None
    assert taskqueue.job_id_of({"func": "no.such.task", "args": (7,), "kwargs": {}}) is None


def test_a_task_that_starts_again_shows_its_job_resuming_until_it_ends():
    job = job_create(kind="staging", label="Staging 2 images", total=2)
    job_start(job_id=job.pk)
    assert job_task_started(job_id=job.pk, task_id="t1") is False
    assert Job.objects.get(pk=job.pk).status == Job.Status.RUNNING
    # The worker died; the task runs again.
    assert job_task_started(job_id=job.pk, task_id="t1") is True
    job.refresh_from_db()
    assert job.status == Job.Status.RESUMING and not job.is_finished
    assert job.message.startswith("Resuming:") and "attempt 2" in job.message
    job_start(job_id=job.pk)  # the re-run task starting doesn't end the resuming
    assert Job.objects.get(pk=job.pk).status == Job.Status.RESUMING
    job_task_ended(job_id=job.pk, task_id="t1")
    job.refresh_from_db()
    assert (job.status, job.message) == (Job.Status.RUNNING, "")
    assert not JobTask.objects.exists()


def test_the_job_resumes_until_every_task_that_runs_again_has_ended_and_still_finishes():
    job = job_create(kind="copy", label="Writing", total=3)
    for task_id in ("t1", "t2", "t1"):  # t1 runs again; t2 runs once
        job_task_started(job_id=job.pk, task_id=task_id)
    job_advance(job_id=job.pk, done=1, unit="product:2")  # another task counting a unit doesn't end it
    job_task_ended(job_id=job.pk, task_id="t2")  # nor does another task ending
    assert Job.objects.get(pk=job.pk).status == Job.Status.RESUMING
    job_advance(job_id=job.pk, done=1, unit="product:1")
    job_task_ended(job_id=job.pk, task_id="t1")
    assert Job.objects.get(pk=job.pk).status == Job.Status.RUNNING
    job_advance(job_id=job.pk, done=1, unit="product:3")
    job.refresh_from_db()
    assert (job.status, job.done) == (Job.Status.SUCCEEDED, 3)
    job_task_started(job_id=job.pk, task_id="t3")
    job_task_started(job_id=job.pk, task_id="t3")  # a late re-run leaves a finished job as it was
    assert Job.objects.get(pk=job.pk).status == Job.Status.SUCCEEDED


def test_a_task_stopped_at_the_time_limit_fails_its_job_with_the_reason():
    job = job_create(kind="forecast_refit", label="Refit", total=3)
    job_advance(job_id=job.pk, done=1, unit="variant:1")
    job_task_started(job_id=job.pk, task_id="t1")
    job_task_ended(job_id=job.pk, task_id="t1", timed_out_after=900)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.finished_at
    assert job.message.startswith("Stopped after 1 of 3: a part of this job ran past the 900-second time limit")


def test_a_timed_out_task_leaves_a_finished_job_as_it_was():
    job = job_create(kind="copy", label="Writing", total=1)
    job_advance(job_id=job.pk, done=1, unit="product:1")
    job_task_ended(job_id=job.pk, task_id="t1", timed_out_after=900)
    assert Job.objects.get(pk=job.pk).status == Job.Status.SUCCEEDED


def test_the_monitor_ends_the_job_of_a_timed_out_task():
    job = job_create(kind="staging", label="Staging", total=2)
    task = {
        "id": "t9",
        "name": "t9",
        "func": "catalog.tasks.stage_images",
        "args": (job.pk, [1, 2]),
        "kwargs": {},
        "success": False,
        "result": "Task exceeded maximum timeout value (60 seconds) : Traceback ...",
    }
    taskqueue.on_task_end(sender="django_q", task={**task, "success": True, "result": None})
    assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED  # a task that ended well changes nothing
    taskqueue.on_task_end(sender="django_q", task=task)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "time limit" in job.message


def test_a_resuming_job_that_stalls_is_failed_and_old_task_records_go(settings):
    settings.ATELIER_JOB_STALL_SECONDS = 600
    job = job_create(kind="staging", label="Staging", total=2)
    job_task_started(job_id=job.pk, task_id="t1")
    job_task_started(job_id=job.pk, task_id="t1")
    long_ago = timezone.now() - dt.timedelta(seconds=601)
    Job.objects.filter(pk=job.pk).update(updated_at=long_ago)
    JobTask.objects.update(started_at=long_ago)
    assert fail_stalled_jobs() == {"failed": [job.pk]}
    assert not JobTask.objects.exists()


def test_the_job_page_and_its_progress_say_resuming(artisan, artisan_client):
    job = job_create(kind="staging", label="Staging 2 images", total=2, created_by=artisan)
    job_task_started(job_id=job.pk, task_id="t1")
    job_task_started(job_id=job.pk, task_id="t1")
    page = artisan_client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'class="badge badge--resuming"' in page and ">Resuming<" in page
    assert "Resuming: the worker running part of this job stopped" in page
    progress = artisan_client.get(f"/jobs/{job.pk}/progress.json").json()
    assert (progress["status"], progress["status_display"], progress["finished"]) == ("resuming", "Resuming", False)
