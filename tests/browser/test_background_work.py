"""Long work off the request, seen in the browser (issue 14): a sales import answers at once with a
progress bar that finishes by itself when the worker is done, under the strict Content-Security-Policy."""

from __future__ import annotations

import datetime as dt

import pytest
from django_q.conf import Conf
from playwright.sync_api import expect

from forecasting.models import SalesImport
from forecasting.tasks import run_sales_import
from tests.browser.conftest import shot
from tests.browser.test_flows import assert_fits_the_screen
from tests.factories import UserFactory, VariantFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def queued_for_a_worker(monkeypatch):
    """Tasks wait in the queue, as with a real worker (tests run them inline otherwise)."""
    monkeypatch.setattr(Conf, "SYNC", False)


def sign_in(page, live_server, user) -> None:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


def test_a_sales_import_shows_progress_and_then_its_report(
    page, live_server, transactional_db, queued_for_a_worker, tmp_path
):
    manager = UserFactory(username="mara", role="manager")
    VariantFactory(sku="MUG")
    policy_errors: list[str] = []
    page.on("console", lambda message: "Content Security Policy" in message.text and policy_errors.append(message.text))
    sign_in(page, live_server, manager)
    day = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    csv_file = tmp_path / "market.csv"
    csv_file.write_text("date,sku,quantity\n" + "".join(f"{day},MUG,{n}\n" for n in range(1, 41)))

    page.goto(f"{live_server.url}/sales/import/")
    page.set_input_files("input[type=file]", str(csv_file))
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_text("Waiting for a worker to start the import")).to_be_visible()
    expect(page.locator("progress")).to_be_visible()
    assert_fits_the_screen(page)
    shot(page, "sales-import-queued")

    run_sales_import(SalesImport.objects.get().pk)  # the worker
    expect(page.locator("#import-report").get_by_text("Imported 40 of 40 rows.")).to_be_visible(
        timeout=20_000
    )  # the page updates itself
    assert_fits_the_screen(page)
    shot(page, "sales-import-done")
    assert policy_errors == []


def test_a_photo_upload_answers_at_once_and_its_checks_finish_by_themselves(
    page, live_server, transactional_db, queued_for_a_worker, tmp_path
):
    from catalog.models import Photo
    from catalog.tasks import check_photo
    from studio.models import Job
    from tests.catalog.test_photo_qc import studio_shot
    from tests.factories import ProductFactory

    artisan = UserFactory(username="ines", role="artisan")
    product = ProductFactory(maker=artisan, title="Celadon mug")
    policy_errors: list[str] = []
    page.on("console", lambda message: "Content Security Policy" in message.text and policy_errors.append(message.text))
    sign_in(page, live_server, artisan)
    photo_file = tmp_path / "mug.jpg"
    studio_shot(900).save(photo_file, format="JPEG", quality=90)
    refused = tmp_path / "notes.jpg"
    refused.write_text("<script>alert(1)</script>")

    page.set_default_timeout(60_000)  # the first product page builds the starter looks
    page.goto(f"{live_server.url}/catalog/products/{product.pk}/")
    page.set_input_files("input[type=file]", [str(photo_file), str(refused)])
    page.get_by_role("button", name="Upload photos").click()
    expect(page.get_by_text("notes.jpg: not an image we can read")).to_be_visible()  # refused at once
    expect(page.get_by_text("Quality: being checked…")).to_be_visible()
    shot(page, "photo-upload-checking")

    job = Job.objects.get(kind="photo_check")
    check_photo(job.pk, Photo.objects.get().pk)  # the worker
    expect(page.get_by_text("Quality: being checked…")).to_have_count(0, timeout=20_000)
    expect(page.get_by_text("Quality: failed").first).to_be_visible()  # 900 px: too small for Etsy
    assert_fits_the_screen(page)
    shot(page, "photo-upload-checked")
    assert policy_errors == []


def test_a_job_whose_task_runs_again_shows_resuming_then_finishes(page, live_server, transactional_db):
    from studio.services import job_advance, job_create, job_task_ended, job_task_started

    artisan = UserFactory(username="ines", role="artisan")
    job = job_create(kind="staging", label="Staging 2 images", total=2, created_by=artisan)
    job_advance(job_id=job.pk, done=1, unit="staged:1")
    job_task_started(job_id=job.pk, task_id="t1")
    job_task_started(job_id=job.pk, task_id="t1")  # its worker died; a new one runs it again
    sign_in(page, live_server, artisan)
    page.goto(f"{live_server.url}/jobs/{job.pk}/")
    badge = page.locator("[data-progress-badge]")
    expect(badge).to_have_text("Resuming")
    expect(page.get_by_text("Resuming: the worker running part of this job stopped")).to_be_visible()
    assert_fits_the_screen(page)
    shot(page, "job-resuming")

    job_advance(job_id=job.pk, done=1, unit="staged:2")  # the task runs to its end
    job_task_ended(job_id=job.pk, task_id="t1")
    expect(badge).to_have_text("Done", timeout=20_000)  # the page updates itself
