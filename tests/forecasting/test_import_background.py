"""Sales imports run in the background (issue 14): the upload is stored and queued, the page
answers at once with a progress bar, the work goes in chunks with short transactions, and a
worker that dies mid-import loses nothing and adds nothing twice."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from forecasting import tasks
from forecasting.imports import service
from forecasting.imports.service import BUSY, DONE, MORE, sales_import_step, sales_import_submit
from forecasting.models import Sale, SalesImport, StagedSale
from studio.models import Job
from tests.factories import VariantFactory

pytestmark = pytest.mark.django_db

URL = "/sales/import/"


def plain(rows: int, *, bad_at: int | None = None) -> bytes:
    """A plain CSV of `rows` sales of two SKUs, one a day back from yesterday; row `bad_at` (1-based) is bad."""
    day = dt.date.today() - dt.timedelta(days=1)
    lines = ["date,sku,quantity,unit_price,order_id"]
    for n in range(1, rows + 1):
        quantity = "two" if n == bad_at else str(1 + n % 3)
        lines.append(
            f"{(day - dt.timedelta(days=n % 300)).isoformat()},{'MUG' if n % 2 else 'VASE'},{quantity},12.00,M-{n}"
        )
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def variants():
    return [VariantFactory(sku="MUG"), VariantFactory(sku="VASE")]


def submit(data: bytes, **options) -> SalesImport:
    return sales_import_submit(file=data, file_name="sales.csv", enqueue=False, **options)


def expire_lease(record: SalesImport) -> None:
    """What a dead worker leaves: its lease runs out."""
    SalesImport.objects.filter(pk=record.pk).update(lease_until=timezone.now() - dt.timedelta(seconds=1))


def test_the_page_answers_at_once_and_shows_progress_until_the_worker_is_done(manager_client, variants):
    response = manager_client.post(
        URL, {"file": SimpleUploadedFile("sales.csv", plain(40)), "file_format": "auto", "mode": "good_rows"}
    )
    record = SalesImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("sale-import-detail", args=[record.pk])
    # Nothing was imported in the request: the file waits for a worker, with a job for its progress bar.
    assert record.status == SalesImport.Status.QUEUED and Sale.objects.count() == 0
    assert (service.import_dir() / record.stored_file).read_bytes() == plain(40)
    page = manager_client.get(response["Location"]).content.decode()
    assert f'data-progress-url="{reverse("job-progress", args=[record.job_id])}"' in page
    assert "Waiting for a worker to start the import" in page and "Rows read" not in page

    stored = service.import_dir() / record.stored_file
    assert tasks.run_sales_import(record.pk)["outcome"] == DONE
    record.refresh_from_db()
    assert record.status == SalesImport.Status.IMPORTED and Sale.objects.count() == 40
    assert record.job.status == Job.Status.SUCCEEDED and record.job.percent == 100
    assert record.stored_file == "" and not stored.exists()  # the upload is removed once imported
    page = manager_client.get(response["Location"]).content.decode()
    assert "Imported 40 of 40 rows." in page and "data-progress-live" not in page


def test_a_refused_file_is_still_answered_at_once_with_its_reason(manager_client):
    service.import_dir().mkdir(parents=True, exist_ok=True)
    before = set(service.import_dir().iterdir())
    response = manager_client.post(
        URL, {"file": SimpleUploadedFile("a.csv", b"%PDF-1.7 nope"), "file_format": "auto", "mode": "good_rows"}
    )
    assert response.status_code == 400 and "This is a PDF document, not a CSV file." in response.content.decode()
    assert SalesImport.objects.get().status == SalesImport.Status.FAILED
    assert set(service.import_dir().iterdir()) == before  # the stored copy went with the refusal


def test_the_import_goes_in_chunks_and_a_step_stops_when_its_time_is_up(variants):
    record = submit(plain(25))
    # seconds=0: one chunk, then the step hands over to the next one.
    assert sales_import_step(import_id=record.pk, seconds=0, batch_size=10) == MORE
    record.refresh_from_db()
    assert record.status == SalesImport.Status.RUNNING and record.checkpoint["row"] == 11  # header + 10 rows
    assert StagedSale.objects.filter(sales_import=record).count() == 10 and Sale.objects.count() == 0
    assert record.job.done > 0 and "Checked 10 rows" in record.job.message
    steps = 1
    while sales_import_step(import_id=record.pk, seconds=0, batch_size=10) == MORE:
        steps += 1
    record.refresh_from_db()
    assert steps >= 5  # 3 chunks checked, then 3 chunks written
    assert record.status == SalesImport.Status.IMPORTED and record.rows_imported == 25
    assert Sale.objects.count() == 25 and StagedSale.objects.count() == 0


def test_all_or_nothing_is_decided_on_the_whole_file_without_writing_anything(variants):
    record = submit(plain(30, bad_at=27), mode=SalesImport.Mode.ALL_OR_NOTHING)
    while sales_import_step(import_id=record.pk, seconds=0, batch_size=10) == MORE:
        assert Sale.objects.count() == 0  # the good rows wait in the staging table
    record.refresh_from_db()
    assert record.status == SalesImport.Status.REJECTED and record.rows_bad == 1
    assert Sale.objects.count() == 0 and StagedSale.objects.count() == 0
    assert "you chose all or nothing" in record.report["summary"]


def test_a_dry_run_in_the_background_checks_and_stores_nothing(variants):
    record = submit(plain(12, bad_at=3), dry_run=True)
    assert tasks.run_sales_import(record.pk)["outcome"] == DONE
    record.refresh_from_db()
    assert record.status == SalesImport.Status.CHECKED
    assert record.report["counts"]["rows_to_import"] == 11 and record.report["problems"][0]["row"] == 4
    assert Sale.objects.count() == 0 and StagedSale.objects.count() == 0


def test_a_worker_killed_mid_chunk_loses_nothing_and_adds_nothing_twice(variants, monkeypatch):
    record = submit(plain(50))
    assert sales_import_step(import_id=record.pk, seconds=0, batch_size=10) == MORE  # 10 rows checked
    original = StagedSale.objects.bulk_create
    calls = []

    def dies_in_the_second_chunk(*args, **kwargs):
        calls.append(1)
        original(*args, **kwargs)
        raise SystemExit("worker killed")  # after the insert, before the chunk commits

    monkeypatch.setattr(StagedSale.objects, "bulk_create", dies_in_the_second_chunk)
    with pytest.raises(SystemExit):
        sales_import_step(import_id=record.pk, seconds=0, batch_size=10)
    monkeypatch.undo()
    record.refresh_from_db()
    assert record.checkpoint["row"] == 11 and StagedSale.objects.filter(sales_import=record).count() == 10
    # Its lease still holds: a second worker leaves it alone until it runs out.
    assert sales_import_step(import_id=record.pk, seconds=0, batch_size=10) == BUSY
    expire_lease(record)
    assert tasks.resume_stalled_imports() == {"resumed": [record.pk]}  # queued (and, in tests, run) again
    record.refresh_from_db()
    assert record.status == SalesImport.Status.IMPORTED and record.rows_imported == 50
    assert Sale.objects.count() == 50 and sorted(Sale.objects.values_list("order_ref", flat=True)) == sorted(
        f"M-{n}" for n in range(1, 51)
    )
    page_job = Job.objects.get(pk=record.job_id)
    assert page_job.status == Job.Status.SUCCEEDED


def test_a_worker_killed_while_writing_resumes_without_duplicates(variants, monkeypatch):
    record = submit(plain(30))
    while not Sale.objects.exists():
        assert sales_import_step(import_id=record.pk, seconds=0, batch_size=10) == MORE
    assert Sale.objects.count() == 10  # one chunk written, two to go

    def dies(*args, **kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(Sale.objects, "bulk_create", dies)
    with pytest.raises(SystemExit):
        sales_import_step(import_id=record.pk, seconds=0, batch_size=10)
    monkeypatch.undo()
    expire_lease(record)
    assert sales_import_step(import_id=record.pk, seconds=None, batch_size=10) == DONE
    record.refresh_from_db()
    assert record.status == SalesImport.Status.IMPORTED and Sale.objects.count() == 30


def test_a_step_that_lost_its_lease_stops_without_writing(variants):
    record = submit(plain(30))
    assert sales_import_step(import_id=record.pk, seconds=0, batch_size=10) == MORE
    expire_lease(record)
    # Another worker takes over meanwhile: the first one's next checkpoint is refused.
    record.refresh_from_db()
    run = service._Run(record, deadline=None, lease=60, batch_size=10)
    SalesImport.objects.filter(pk=record.pk).update(lease_until=timezone.now() + dt.timedelta(minutes=5))
    with pytest.raises(service._LeaseLost):
        run.advance()
    assert StagedSale.objects.filter(sales_import=record).count() == 10


def test_a_stored_file_that_vanished_fails_the_import_with_the_reason(variants):
    record = submit(plain(5))
    (service.import_dir() / record.stored_file).unlink()
    assert sales_import_step(import_id=record.pk, seconds=None) == DONE
    record.refresh_from_db()
    assert record.status == SalesImport.Status.FAILED
    assert "no longer there" in record.report["summary"] and record.job.status == Job.Status.FAILED
