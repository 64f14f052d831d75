"""Background-job progress: counters, percent, how a job finishes, and who may poll it."""

import threading

import pytest
from django.db import connection

from studio.models import Job
from studio.services import job_advance, job_create, job_finish, job_start

pytestmark = pytest.mark.django_db


def test_a_new_job_is_queued_at_zero_percent(artisan):
    job = job_create(kind="staging", label="Stage 4 photos", total=4, created_by=artisan)
    assert (job.status, job.done, job.failed, job.percent, job.is_finished) == (Job.Status.QUEUED, 0, 0, 0, False)
    assert job.started_at is None and job.finished_at is None


def test_start_marks_it_running_and_may_set_the_total():
    job = job_create(kind="staging", label="Stage")
    job_start(job_id=job.pk, total=8)
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING
    assert job.total == 8
    assert job.started_at is not None


def test_advancing_counts_and_the_job_finishes_itself_when_all_units_are_done():
    job = job_create(kind="copy", label="Write copy", total=4)
    job = job_advance(job_id=job.pk, done=1)
    assert (job.status, job.done, job.percent) == (Job.Status.RUNNING, 1, 25)
    assert job.started_at is not None
    job = job_advance(job_id=job.pk, done=2)
    assert (job.percent, job.is_finished) == (75, False)
    job = job_advance(job_id=job.pk, done=1)
    job.refresh_from_db()
    assert (job.status, job.done, job.percent, job.is_finished) == (Job.Status.SUCCEEDED, 4, 100, True)
    assert job.finished_at is not None
    assert job.get_status_display() == "Done"


def test_some_failures_finish_it_as_partial_with_their_errors():
    job = job_create(kind="copy", label="Write copy", total=3)
    job_advance(job_id=job.pk, done=2)
    job = job_advance(job_id=job.pk, failed=1, error="Mug 3: photo unreadable")
    assert job.status == Job.Status.PARTIAL
    assert job.errors == ["Mug 3: photo unreadable"]
    assert job.percent == 100
    assert job.get_status_display() == "Done with errors"


def test_only_failures_finish_it_as_failed():
    job = job_create(kind="copy", label="Write copy", total=2)
    job_advance(job_id=job.pk, failed=1, error="a")
    job = job_advance(job_id=job.pk, failed=1, error="b")
    assert job.status == Job.Status.FAILED
    assert job.errors == ["a", "b"]


def test_errors_are_capped_to_the_last_fifty_each_at_most_500_characters():
    job = job_create(kind="import", label="Import sales", total=1000)
    for n in range(60):
        job_advance(job_id=job.pk, failed=1, error=f"row {n}: " + "x" * 1000)
    job.refresh_from_db()
    assert len(job.errors) == 50
    assert job.errors[0].startswith("row 10: ")
    assert job.errors[-1].startswith("row 59: ")
    assert all(len(error) == 500 for error in job.errors)
    assert job.failed == 60
    assert job.status == Job.Status.RUNNING


def test_a_finished_job_is_not_finished_again():
    job = job_create(kind="copy", label="Write copy", total=1)
    job = job_advance(job_id=job.pk, done=1)
    finished_at = job.finished_at
    job = job_advance(job_id=job.pk, failed=1)  # a task that ran twice reports again
    assert job.status == Job.Status.SUCCEEDED
    assert job.finished_at == finished_at


def test_finish_without_a_total_succeeds_with_its_message():
    job = job_create(kind="publish", label="Publish to Shopify")
    assert job.percent == 0
    job = job_finish(job_id=job.pk, message="12 products published")
    assert job.status == Job.Status.SUCCEEDED
    assert job.percent == 100
    assert job.message == "12 products published"


def test_finish_as_failed_overrides_progress():
    job = job_create(kind="publish", label="Publish", total=4)
    job_advance(job_id=job.pk, done=1)
    job = job_finish(job_id=job.pk, message="Shopify refused the token", failed=True)
    assert job.status == Job.Status.FAILED
    assert job.finished_at is not None
    assert job.message == "Shopify refused the token"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_never_lose_a_count():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    threads_count, per_thread = 8, 10
    job = job_create(kind="staging", label="Stage", total=threads_count * per_thread)
    barrier = threading.Barrier(threads_count)
    failures = []

    def worker():
        try:
            barrier.wait()
            for _ in range(per_thread):
                job_advance(job_id=job.pk, done=1)
        except Exception as exc:  # surfaced below; a thread's exception is otherwise lost
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    job.refresh_from_db()
    assert job.done == threads_count * per_thread
    assert job.status == Job.Status.SUCCEEDED


# --- The job API (what the progress bar polls) ----------------------------------------------


def test_the_creator_and_a_manager_can_poll_a_job(artisan, artisan_client, manager_client):
    job = job_create(kind="staging", label="Stage 2 photos", total=2, created_by=artisan)
    job_advance(job_id=job.pk, done=1)
    for client in (artisan_client, manager_client):
        response = client.get(f"/api/jobs/{job.pk}/")
        assert response.status_code == 200
        body = response.json()
        assert body["label"] == "Stage 2 photos"
        assert (body["status"], body["done"], body["total"], body["percent"], body["finished"]) == (
            "running",
            1,
            2,
            50,
            False,
        )


def test_another_artisan_gets_404_for_a_job_that_is_not_theirs(artisan, other_artisan):
    from django.test import Client

    job = job_create(kind="staging", label="Ines's staging", created_by=artisan)
    client = Client()
    client.force_login(other_artisan)
    response = client.get(f"/api/jobs/{job.pk}/")
    assert response.status_code == 404
    assert response.json()["detail"] == "No Job matches the given query."
    assert "Ines" not in response.content.decode()
    listing = client.get("/api/jobs/").json()
    assert listing["count"] == 0


def test_the_job_list_shows_an_artisan_only_their_jobs(artisan, other_artisan, artisan_client):
    job_create(kind="staging", label="mine", created_by=artisan)
    job_create(kind="staging", label="theirs", created_by=other_artisan)
    body = artisan_client.get("/api/jobs/").json()
    assert [job["label"] for job in body["results"]] == ["mine"]


@pytest.mark.urls("tests.catalog.admin_urls")
def test_the_job_admin_lists_an_artisan_only_their_jobs(artisan, other_artisan, artisan_client):
    job_create(kind="staging", label="Ines's staging", created_by=artisan)
    theirs = job_create(kind="staging", label="Tomas's staging", created_by=other_artisan)
    response = artisan_client.get("/admin/studio/job/")
    assert response.status_code == 200
    assert [job.label for job in response.context["cl"].result_list] == ["Ines's staging"]
    assert artisan_client.get(f"/admin/studio/job/{theirs.pk}/change/").status_code == 302


def test_a_unit_counted_once_even_when_its_task_runs_twice(artisan):
    from studio.services import job_advance, job_create

    job = job_create(kind="listing_copy", label="Write listing copy for 2 products", total=2, created_by=artisan)
    job_advance(job_id=job.pk, done=1, unit="product:1")
    again = job_advance(job_id=job.pk, done=1, unit="product:1")  # the worker died; the task re-ran
    assert (again.done, again.failed, again.is_finished) == (1, 0, False)
    job_advance(job_id=job.pk, failed=1, error="Product 2: Claude timed out", unit="product:2")
    fixed = job_advance(job_id=job.pk, done=1, unit="product:2")  # the re-run succeeded
    assert (fixed.done, fixed.failed, fixed.status) == (2, 0, "succeeded")
    assert fixed.units.filter(ok=True).count() == 2
