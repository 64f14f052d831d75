"""The upload page and the report page: who may import, what a manager sees."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from forecasting.models import Sale, SalesImport
from forecasting.tasks import run_sales_import
from tests.factories import VariantFactory
from tests.forecasting.samples import shopify_sample

pytestmark = pytest.mark.django_db

URL = "/sales/import/"


@pytest.fixture
def variants():
    return [VariantFactory(sku="MUG-CEL-L"), VariantFactory(sku="RUN-NAT")]


def upload(data: bytes, name: str = "orders_export.csv", **fields):
    return {
        "file": SimpleUploadedFile(name, data, content_type="text/csv"),
        "file_format": "auto",
        "mode": SalesImport.Mode.GOOD_ROWS,
        **fields,
    }


def html(response) -> str:
    return response.content.decode()


def run_queued() -> None:
    """What the worker does with the uploads the page queued."""
    for record in SalesImport.objects.filter(status=SalesImport.Status.QUEUED):
        run_sales_import(record.pk)


def test_the_sales_page_links_to_the_import_for_managers_only(manager_client, artisan_client):
    assert f'href="{URL}"' in html(manager_client.get("/sales/"))
    response = artisan_client.get("/sales/")
    assert response.status_code == 200
    assert "No sales yet" in html(response)
    assert f'href="{URL}"' not in html(response)


def test_a_manager_sees_the_upload_form(manager_client):
    response = manager_client.get(URL)
    assert response.status_code == 200
    page = html(response)
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file" name="file"' in page
    assert 'name="mode" value="good_rows"' in page and 'name="mode" value="all_or_nothing"' in page
    assert 'name="dry_run"' in page
    assert "What to do with bad rows" in page


def test_a_manager_uploads_a_file_and_sees_the_report(manager, manager_client, variants):
    bad = (
        shopify_sample()
        + b"#1009,,paid,,,,,,,,,,,,,2024-03-09 10:00:00 +0000,two,Mug,28.00,,MUG-CEL-L\r\n"
        + b"#1010,,paid,,,,,,,,,,,,,2024-03-09 10:00:00 +0000,1,Vase,60.00,,VASE-OLD\r\n"
    )
    response = manager_client.post(URL, upload(bad))
    run_queued()
    record = SalesImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("sale-import-detail", args=[record.pk])
    assert Sale.objects.count() == 4
    assert record.created_by == manager and record.file_name == "orders_export.csv"

    page = html(manager_client.get(response["Location"]))
    assert "Imported 4 of 6 rows (1 with problems; 1 with unknown SKUs)." in page
    assert "Shopify orders export" in page
    assert '<td class="num" data-label="Row">6</td>' in page
    assert "Lineitem quantity" in page and "&#x27;two&#x27; is not a whole number" in page
    assert "VASE-OLD" in page and "Unknown SKUs" in page
    # The import is listed on the upload page for later.
    assert reverse("sale-import-detail", args=[record.pk]) in html(manager_client.get(URL))


def test_imports_from_the_command_line_are_listed_too(manager_client):
    SalesImport.objects.create(file_name="from-cron.csv", status=SalesImport.Status.IMPORTED, created_by=None)
    page = html(manager_client.get(URL))
    assert "from-cron.csv" in page and '<td data-label="By">manage.py</td>' in page


def test_a_check_only_upload_imports_nothing_and_says_what_would_happen(manager_client, variants):
    response = manager_client.post(URL, upload(shopify_sample(), dry_run="on"))
    run_queued()
    assert Sale.objects.count() == 0
    page = html(manager_client.get(response["Location"]))
    assert "Check only, nothing was imported: 4 of 4 rows would be imported." in page


def test_all_or_nothing_with_a_bad_row_imports_nothing_and_shows_why(manager_client, variants):
    bad = shopify_sample() + b"#1009,,paid,,,,,,,,,,,,,2024-03-09 10:00:00 +0000,two,Mug,28.00,,MUG-CEL-L\r\n"
    response = manager_client.post(URL, upload(bad, mode=SalesImport.Mode.ALL_OR_NOTHING))
    run_queued()
    assert Sale.objects.count() == 0
    page = html(manager_client.get(response["Location"]))
    assert "Nothing was imported because 1 row can&#x27;t be imported and you chose all or nothing" in page


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "The file is empty (0 bytes)"),
        (b"\x00\x01\x02\x03" * 1000, "This looks like a binary file"),
        (b"foo,bar\n1,2\n", "The header row doesn&#x27;t match any format Atelier reads"),
    ],
)
def test_an_unreadable_file_gets_a_clear_message_on_the_form(manager_client, data, message):
    response = manager_client.post(URL, upload(data))
    assert response.status_code == 400
    assert "The file can't be imported." in html(response) and message in html(response)
    assert SalesImport.objects.get().status == SalesImport.Status.FAILED


def test_a_file_over_the_limit_is_refused_with_a_message(manager_client, settings, variants):
    settings.SALES_IMPORT_MAX_BYTES = 100
    response = manager_client.post(URL, upload(shopify_sample()))
    assert response.status_code == 400
    assert "The file is 1.4 KB; the limit is 100 bytes." in html(response)


def test_a_huge_upload_is_refused_before_it_is_read(manager_client, settings):
    settings.SALES_IMPORT_MAX_BYTES = 1024
    response = manager_client.post(URL, upload(b"date,sku,quantity\n" + b"2024-01-02,MUG,1\n" * 10_000))
    assert response.status_code == 413
    assert "the limit is 1.0 KB" in html(response)
    assert SalesImport.objects.count() == 0


def test_a_missing_file_is_a_form_error(manager_client):
    response = manager_client.post(URL, {"file_format": "auto", "mode": "good_rows"})
    assert response.status_code == 400
    assert "This field is required." in html(response)


@pytest.mark.parametrize("client_fixture", ["artisan_client", "outsider_client"])
def test_people_who_are_not_managers_get_a_clear_403(request, client_fixture, variants, manager):
    client = request.getfixturevalue(client_fixture)
    record = SalesImport.objects.create(file_name="x.csv", status=SalesImport.Status.CHECKED, created_by=manager)
    for response in (
        client.get(URL),
        client.post(URL, upload(shopify_sample())),
        client.get(reverse("sale-import-detail", args=[record.pk])),
    ):
        assert response.status_code == 403
        assert "Only shop managers import sales" in html(response)
    assert Sale.objects.count() == 0


def test_anonymous_visitors_are_sent_to_sign_in(variants):
    for response in (
        Client().get(URL),
        Client().post(URL, upload(shopify_sample())),
        Client().get("/sales/imports/1/"),
    ):
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert Sale.objects.count() == 0


def test_the_upload_needs_a_csrf_token(manager, variants):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    response = client.post(URL, upload(shopify_sample()))
    assert response.status_code == 403
    assert Sale.objects.count() == 0 and SalesImport.objects.count() == 0
    token = client.get(URL).cookies["csrftoken"].value
    response = client.post(URL, {**upload(shopify_sample()), "csrfmiddlewaretoken": token})
    run_queued()
    assert response.status_code == 302 and Sale.objects.count() == 4


def test_an_unknown_report_is_a_404(manager_client):
    assert manager_client.get("/sales/imports/999/").status_code == 404
