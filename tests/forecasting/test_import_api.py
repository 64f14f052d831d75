"""POST /api/sales/imports/: 202 and the import runs in the background; 400 for a file that can't be read; managers only."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from forecasting.models import Sale, SalesImport
from forecasting.tasks import run_sales_import
from tests.factories import VariantFactory
from tests.forecasting.samples import etsy_sample

pytestmark = pytest.mark.django_db

URL = "/api/sales/imports/"


@pytest.fixture
def variants():
    return [VariantFactory(sku="MUG-CEL-L"), VariantFactory(sku="RUN-NAT")]


def post(client, data: bytes, **fields):
    return client.post(
        URL, {"file": SimpleUploadedFile("EtsySoldOrderItems.csv", data, content_type="text/csv"), **fields}
    )


def worked(client, response) -> dict:
    """The import once a worker has run it (the queued task, run here), as GET returns it."""
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued" and body["job"]
    run_sales_import(body["id"])
    return client.get(f"{URL}{body['id']}/").json()


def test_a_manager_imports_a_file_and_gets_202_then_the_report(manager_client, variants):
    response = post(manager_client, etsy_sample())
    assert Sale.objects.count() == 0  # nothing imported inside the request
    body = worked(manager_client, response)
    assert body["status"] == "imported" and body["file_format"] == "etsy" and body["rows_imported"] == 3
    assert body["created_by"] == "mara"
    report = body["report"]
    assert report["counts"]["rows_read"] == 3 and report["counts"]["lines_imported"] == 3
    assert report["summary"] == "Imported 3 of 3 rows."
    assert Sale.objects.count() == 3
    # The report can be fetched again.
    again = manager_client.get(f"{URL}{body['id']}/")
    assert again.status_code == 200 and again.json()["report"] == report
    assert [row["id"] for row in manager_client.get(URL).json()["results"]] == [body["id"]]


def test_sending_the_same_file_twice_adds_nothing(manager_client, variants):
    worked(manager_client, post(manager_client, etsy_sample()))
    body = worked(manager_client, post(manager_client, etsy_sample()))
    assert body["rows_already_imported"] == 3 and Sale.objects.count() == 3


def test_all_or_nothing_with_bad_rows_is_rejected_with_the_report(manager_client, variants):
    bad = etsy_sample() + b"03/20/24,Mug,,two,$32.00,,,,,,,,USD,3456789099,,,,,,,,,,2987654400,,,,,,,,MUG-CEL-L\r\n"
    body = worked(manager_client, post(manager_client, bad, mode="all_or_nothing"))
    assert body["status"] == "rejected"
    assert body["report"]["problems"] == [
        {"row": 5, "column": "Quantity", "value": "two", "message": "'two' is not a whole number"},
    ]
    assert Sale.objects.count() == 0


def test_an_unreadable_file_is_400_with_the_reason(manager_client):
    response = post(manager_client, b"\xff\xd8\xff\xe0 not a csv")
    assert response.status_code == 400
    assert response.json()["report"]["error"].startswith("This is a JPEG image, not a CSV file.")


def test_a_dry_run_checks_and_stores_nothing(manager_client, variants):
    body = worked(manager_client, post(manager_client, etsy_sample(), dry_run="true"))
    assert body["status"] == "checked"
    assert body["report"]["counts"]["rows_to_import"] == 3 and Sale.objects.count() == 0


def test_bad_parameters_are_400(manager_client, variants):
    response = post(manager_client, etsy_sample(), mode="some")
    assert response.status_code == 400 and "mode" in response.json()["errors"]
    assert manager_client.post(URL, {}).json()["errors"] == {"file": ["No file was submitted."]}


def test_an_oversized_upload_is_413_unread(manager_client, settings):
    settings.SALES_IMPORT_MAX_BYTES = 10
    response = post(manager_client, b"date,sku,quantity\n" + b"2024-01-02,MUG,1\n" * 10_000)
    assert response.status_code == 413
    assert "the limit is 10 bytes" in response.json()["detail"]


def test_artisans_outsiders_and_anonymous_are_403(artisan_client, outsider_client, variants):
    for client in (artisan_client, outsider_client):
        response = post(client, etsy_sample())
        assert response.status_code == 403
        assert response.json()["detail"] == "Only shop managers can import sales."
        assert client.get(URL).status_code == 403
    assert post(Client(), etsy_sample()).status_code == 401
    assert Sale.objects.count() == 0 and SalesImport.objects.count() == 0


def test_the_schema_documents_the_import(manager_client):
    schema = manager_client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/sales/imports/"]["post"]
    assert set(operation["responses"]) >= {"202", "400", "403", "413"}
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert "/api/sales/{id}/" in schema["paths"]  # the sales list is still there
