"""Ids and numbers from requests and files: anything that isn't ASCII digits is refused, never a 500.

"²".isdigit() is true and int("²") raises, so each place that read ids with isdigit() answered 500.
"""

import pytest
from django.urls import reverse

from approvals.models import ReviewItem
from catalog.models import Look
from forecasting.imports.service import sales_import
from forecasting.models import Sale, SalesImport
from studio.parsing import ascii_ids, ascii_int
from tests.catalog.test_admin import form_data
from tests.factories import VariantFactory
from tests.test_pages import review_item

HOSTILE = ["²", "٣", "①", "-1", "1_000", "9" * 400, "\x00", "1e3"]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("42", 42),
        (" 42 ", 42),
        ("0", 0),
        (42, 42),
        ("²", None),
        ("٣", None),
        ("①", None),
        ("-1", None),
        ("+1", None),
        ("1_000", None),
        ("1e3", None),
        ("", None),
        (None, None),
        (True, None),
        (-3, None),
        ("9" * 400, None),
        (str(2**63), None),
        (str(2**63 - 1), 2**63 - 1),
    ],
)
def test_ascii_int_reads_only_ascii_digits(value, expected):
    assert ascii_int(value) == expected


def test_ascii_ids_keeps_the_valid_ids_once_in_order():
    assert ascii_ids(["3", "²", "1", "3", "x", "٣", "2"]) == [3, 1, 2]


@pytest.fixture
def pending(own_product, artisan):
    return review_item(product=own_product, owner=artisan)


@pytest.mark.django_db
@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize(
    "page",
    [
        "review-list?maker",
        "review-list?product",
        "review-detail?maker",
        "review-detail?product",
        "product-list?maker",
        "products-export-csv?ids",
    ],
)
def test_hostile_ids_in_page_filters_are_ignored(manager_client, pending, page, value):
    name, _, param = page.partition("?")
    url = reverse(name, args=[pending.pk]) if name == "review-detail" else reverse(name)
    response = manager_client.get(url, {param: value})
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_ids_in_the_export_select_nothing(manager_client, own_product, value):
    response = manager_client.get(reverse("products-export-csv"), {"ids": f"{value}"})
    assert response.status_code == 200
    assert own_product.title not in b"".join(response.streaming_content).decode()


@pytest.mark.django_db
@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_bulk_selection_is_refused_with_a_message(artisan_client, pending, value):
    response = artisan_client.post(
        reverse("review-bulk"), {"decision": "approve", "selected": [f"{value}:{pending.snapshot_hash}"]}, follow=True
    )
    assert response.status_code in (200, 400)
    assert ReviewItem.objects.get(pk=pending.pk).state == "pending"
    assert "Select a valid choice" in response.content.decode() or "Select at least one" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_look_ids_when_staging_ask_for_a_look(artisan_client, own_product, value):
    response = artisan_client.post(reverse("product-stage", args=[own_product.pk]), {"looks": [value]}, follow=True)
    assert response.status_code == 200
    assert "Choose at least one look" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_product_ids_in_the_bulk_action_ask_for_a_product(manager_client, own_product, value):
    look_ids = [str(pk) for pk in Look.objects.values_list("pk", flat=True)]
    response = manager_client.post(
        reverse("products-bulk"), {"products": [value], "action": "stage", "looks": look_ids}, follow=True
    )
    assert response.status_code == 200
    assert "Tick at least one product first." in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_look_ids_in_the_bulk_stage_action_ask_for_a_look(manager_client, own_product, value):
    response = manager_client.post(
        reverse("products-bulk"), {"products": [str(own_product.pk)], "action": "stage", "looks": [value]}, follow=True
    )
    assert response.status_code == 200
    assert "Choose at least one look to stage into." in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_product_filter_in_the_forecasts_api_is_a_400(manager_client, value):
    response = manager_client.get("/api/forecasts/", {"product": value})
    assert response.status_code == 400
    assert response.json()["errors"] == {"product": ["A product id is a whole number."]}


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["²", "①"])
def test_a_hostile_quantity_cell_is_a_bad_row_in_the_import_report(value):
    VariantFactory(sku="MUG-CEL-L")
    data = f"date,sku,quantity,unit_price\r\n2024-05-01,MUG-CEL-L,{value},28.00\r\n".encode()
    record = sales_import(file=data, file_name="sales.csv", mode=SalesImport.Mode.GOOD_ROWS)
    assert not Sale.objects.exists()
    assert [p["message"] for p in record.report["problems"]] == [f"{value!r} is not a whole number"]


# --- NUL characters in JSON fields: PostgreSQL can't store them, so they are refused with a 400 -----


NUL_LISTS = [["stoneware\x00"], ["ok", "\x00"]]


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["materials", "techniques"])
@pytest.mark.parametrize("value", NUL_LISTS)
def test_a_nul_in_a_products_list_field_is_a_400_in_the_api(artisan_client, own_product, field, value):
    response = artisan_client.patch(f"/api/products/{own_product.pk}/", {field: value}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == {field: ["Null characters are not allowed."]}
    own_product.refresh_from_db()
    assert "\x00" not in str(getattr(own_product, field))


@pytest.mark.django_db
@pytest.mark.parametrize("options", [{"colour\x00": "celadon"}, {"colour": "cela\x00don"}, {"a": {"b": ["\x00"]}}])
def test_a_nul_in_variant_options_is_a_400_in_the_api(artisan_client, own_product, options):
    variant = own_product.variants.get()
    response = artisan_client.patch(
        f"/api/variants/{variant.pk}/", {"options": options}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"options": ["Null characters are not allowed."]}
    variant.refresh_from_db()
    assert "\x00" not in str(variant.options)


@pytest.mark.django_db
def test_a_nul_in_a_reviewers_edits_is_a_400_in_the_api(artisan_client, pending):
    response = artisan_client.post(
        f"/api/reviews/{pending.pk}/decide/",
        {"decision": "approve", "seen_hash": pending.snapshot_hash, "edits": {"tags": ["mug\x00"]}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"edits": ["Null characters are not allowed."]}
    assert ReviewItem.objects.get(pk=pending.pk).state == "pending"


@pytest.mark.django_db
@pytest.mark.urls("tests.catalog.admin_urls")
@pytest.mark.parametrize("field", ["materials", "techniques"])
def test_a_nul_in_a_products_list_field_is_refused_in_the_admin(manager_client, own_product, field):
    url = f"/admin/catalog/product/{own_product.pk}/change/"
    data = form_data(manager_client.get(url))
    data[field] = '["stoneware\\u0000"]'
    response = manager_client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field] == ["Null characters are not allowed."]
    own_product.refresh_from_db()
    assert "\x00" not in str(getattr(own_product, field))


@pytest.mark.django_db
@pytest.mark.urls("tests.catalog.admin_urls")
@pytest.mark.parametrize("options", ['{"colour\\u0000": "celadon"}', '{"colour": "cela\\u0000don"}'])
def test_a_nul_in_variant_options_is_refused_in_the_admin(manager_client, own_product, options):
    variant = own_product.variants.get()
    url = f"/admin/catalog/variant/{variant.pk}/change/"
    data = form_data(manager_client.get(url))
    data["options"] = options
    response = manager_client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["options"] == ["Null characters are not allowed."]
    variant.refresh_from_db()
    assert "\x00" not in str(variant.options)
