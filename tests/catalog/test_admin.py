"""The Django admin follows the same row rules as the pages and the API."""

import html
import io

import pytest
from django.test import Client
from PIL import Image

from approvals.models import ReviewItem, ReviewState
from approvals.services import review_submit
from catalog.models import Product
from catalog.services import photo_add
from tests.factories import CategoryFactory, ProductFactory, SaleFactory, VariantFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.catalog.admin_urls")]

PRODUCTS = "/admin/catalog/product/"


def text(response) -> str:
    return html.unescape(response.content.decode())


def listed(response) -> set[str]:
    assert response.status_code == 200
    return {str(obj) for obj in response.context["cl"].result_list}


def form_data(response) -> dict:
    """What the browser would post back for an admin change form, unchanged."""
    forms = [response.context["adminform"].form]
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms.extend(formset.forms)
        for field in formset.management_form:
            data[field.html_name] = field.value()
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            data[field.html_name] = "on" if value is True else value
    return data


@pytest.fixture
def bowl(manager):
    """A manager-made product in another category, by a third maker."""
    product = ProductFactory(title="Ash-glazed bowl", category=CategoryFactory(name="Tableware", slug="tableware"))
    VariantFactory(product=product, sku="BOWL-ASH")
    return product


# --- Managers ------------------------------------------------------------------------------


def test_a_manager_sees_every_product(manager_client, own_product, others_product, bowl):
    assert listed(manager_client.get(PRODUCTS)) == {own_product.title, others_product.title, bowl.title}


def test_a_manager_finds_a_product_by_sku(manager_client, own_product, others_product, bowl):
    response = manager_client.get(PRODUCTS, {"q": "tomas-run"})
    assert listed(response) == {others_product.title}
    assert others_product.title in text(response)
    assert own_product.title not in text(response)


def test_a_manager_filters_by_category_and_maker(manager_client, own_product, others_product, bowl):
    response = manager_client.get(PRODUCTS, {"category__id__exact": bowl.category_id})
    assert listed(response) == {bowl.title}
    response = manager_client.get(PRODUCTS, {"maker__id__exact": others_product.maker_id})
    assert listed(response) == {others_product.title}


def test_a_manager_may_add_products(manager_client):
    response = manager_client.get(f"{PRODUCTS}add/")
    assert response.status_code == 200
    assert 'name="maker"' in response.content.decode()


# --- Artisans ------------------------------------------------------------------------------


def test_an_artisan_sees_only_their_own_products(artisan_client, own_product, others_product, bowl):
    response = artisan_client.get(PRODUCTS)
    assert listed(response) == {own_product.title}
    page = text(response)
    assert own_product.title in page
    assert others_product.title not in page and bowl.title not in page
    assert "maker__id__exact" not in page  # no filter listing other makers


def test_searching_does_not_reach_other_artisans_products(artisan_client, own_product, others_product):
    assert listed(artisan_client.get(PRODUCTS, {"q": "TOMAS"})) == set()


def test_another_artisans_product_does_not_exist_for_an_artisan(artisan_client, others_product):
    url = f"{PRODUCTS}{others_product.pk}/change/"
    response = artisan_client.get(url)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    followed = artisan_client.get(url, follow=True)
    assert followed.status_code == 200
    page = text(followed)
    assert "doesn’t exist" in page
    assert others_product.title not in page
    assert artisan_client.get(f"{PRODUCTS}{others_product.pk}/history/").status_code in (302, 404)
    assert artisan_client.get(f"{PRODUCTS}{others_product.pk}/delete/").status_code in (302, 403, 404)


def test_an_artisan_cannot_post_changes_to_another_artisans_product(artisan_client, own_product, others_product):
    data = form_data(artisan_client.get(f"{PRODUCTS}{own_product.pk}/change/"))
    data["story"] = "hijacked"
    response = artisan_client.post(f"{PRODUCTS}{others_product.pk}/change/", data)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    others_product.refresh_from_db()
    assert others_product.story != "hijacked"


def test_an_artisan_cannot_add_products(artisan_client):
    assert artisan_client.get(f"{PRODUCTS}add/").status_code == 403
    assert artisan_client.post(f"{PRODUCTS}add/", {"title": "Sneaky"}).status_code == 403
    assert not Product.objects.filter(title="Sneaky").exists()


def test_an_artisan_changes_their_own_products_story(artisan, artisan_client, own_product, other_artisan):
    url = f"{PRODUCTS}{own_product.pk}/change/"
    response = artisan_client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="story"' in page
    assert 'name="maker"' not in page and 'name="handle"' not in page  # read-only for artisans
    data = form_data(response)
    data["story"] = "Thrown on a kick wheel in Leith."
    data["maker"] = str(other_artisan.pk)  # ignored: not a field an artisan may set
    response = artisan_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    own_product.refresh_from_db()
    assert own_product.story == "Thrown on a kick wheel in Leith."
    assert own_product.maker == artisan


def test_the_change_page_shows_variant_and_photo_inlines(manager_client, own_product):
    buffer = io.BytesIO()
    Image.new("RGB", (10, 6), "white").save(buffer, format="PNG")
    photo = photo_add(product=own_product, content=buffer.getvalue())
    response = manager_client.get(f"{PRODUCTS}{own_product.pk}/change/")
    assert response.status_code == 200
    inlines = {inline.formset.model.__name__: inline for inline in response.context["inline_admin_formsets"]}
    assert set(inlines) == {"Variant", "Photo"}
    page = response.content.decode()
    assert 'value="INES-MUG-CEL"' in page
    assert photo.file.url in page  # the preview
    assert photo.sha256 in page


def test_an_artisan_sees_only_their_own_variants_and_sales(artisan_client, own_product, others_product):
    own_sale = SaleFactory(variant=own_product.variants.get(), order_ref="#INES-1")
    SaleFactory(variant=others_product.variants.get(), order_ref="#TOMAS-1")
    response = artisan_client.get("/admin/forecasting/sale/")
    assert listed(response) == {str(own_sale)}
    assert "#TOMAS-1" not in text(response)
    assert "#INES-1" in text(response)
    response = artisan_client.get("/admin/catalog/variant/")
    assert response.status_code == 200
    assert {v.sku for v in response.context["cl"].result_list} == {"INES-MUG-CEL"}
    assert "INES-MUG-CEL" in text(response)
    assert "TOMAS-RUN-NAT" not in text(response)


def test_no_admin_filter_lists_other_people_to_an_artisan(
    artisan_client, own_product, others_product, manager, outsider
):
    for url, heading in (
        ("/admin/catalog/variant/", "Select variant to change"),
        ("/admin/catalog/photo/", "Select photo to change"),
        ("/admin/approvals/reviewitem/", "Select review item to view"),
    ):
        response = artisan_client.get(url)
        assert response.status_code == 200, url
        page = text(response)
        assert heading in page and ">Filter<" in page, url  # the filters are there, without other people
        for name in ("tomas", "mara", "olly"):
            assert f">{name}<" not in page, (url, name)


def test_autocomplete_offers_an_artisan_only_their_own_variants(artisan_client, own_product, others_product):
    response = artisan_client.get(
        "/admin/autocomplete/",
        {"app_label": "forecasting", "model_name": "sale", "field_name": "variant", "term": ""},
    )
    assert response.status_code == 200
    assert [row["text"] for row in response.json()["results"]] == [str(own_product.variants.get())]


def test_a_user_in_no_role_cannot_use_the_admin(outsider):
    outsider.is_staff = True  # even if someone ticked "staff" by mistake
    outsider.save()
    client = Client()
    client.force_login(outsider)
    assert client.get(PRODUCTS).status_code == 403


# --- The review queue in the admin is read-only ---------------------------------------------------


def test_review_items_are_read_only_in_the_admin(manager_client, own_product, product_kind):
    item = review_submit(draft=own_product)
    url = f"/admin/approvals/reviewitem/{item.pk}/change/"
    response = manager_client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="_save"' not in page
    assert "<textarea" not in page and 'name="state"' not in page
    assert "Submitted" in page  # the audit trail inline
    response = manager_client.post(url, {"state": ReviewState.APPROVED, "note": "approved via admin"})
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.state == ReviewState.PENDING
    assert manager_client.post(f"/admin/approvals/reviewitem/{item.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ReviewItem.objects.filter(pk=item.pk).exists()
    assert manager_client.get("/admin/approvals/reviewitem/add/").status_code == 403


def test_an_artisan_sees_only_their_own_review_items_in_the_admin(
    artisan_client, own_product, others_product, product_kind
):
    mine, theirs = review_submit(draft=own_product), review_submit(draft=others_product)
    response = artisan_client.get("/admin/approvals/reviewitem/")
    assert {obj.pk for obj in response.context["cl"].result_list} == {mine.pk}
    assert artisan_client.get(f"/admin/approvals/reviewitem/{theirs.pk}/change/").status_code == 302
