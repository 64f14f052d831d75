"""SKUs are read-only for artisans (as in the API) and hold only safe characters (issue 14).

An artisan could change a SKU in the admin; one starting with "=" then dropped the product
from the CSV export without a word."""

import pytest
from django.core.exceptions import ValidationError

from catalog.models import Variant
from tests.catalog.test_admin import form_data

pytestmark = pytest.mark.django_db

PRODUCTS = "/admin/catalog/product/"
VARIANTS = "/admin/catalog/variant/"


def test_an_artisan_cannot_change_a_sku_in_the_admin(artisan_client, own_product):
    variant = own_product.variants.get()
    for url in (f"{PRODUCTS}{own_product.pk}/change/", f"{VARIANTS}{variant.pk}/change/"):
        response = artisan_client.get(url)
        assert response.status_code == 200
        page = response.content.decode()
        assert "INES-MUG-CEL" in page and 'name="sku"' not in page and 'name="variants-0-sku"' not in page
        data = form_data(response)
        data["sku"] = data["variants-0-sku"] = "=HYPERLINK(1)"
        response = artisan_client.post(url, data)
        assert response.status_code == 302
    assert Variant.objects.get(pk=variant.pk).sku == "INES-MUG-CEL"


def test_a_manager_changes_a_sku_and_a_bad_one_is_refused(manager_client, own_product):
    variant = own_product.variants.get()
    url = f"{VARIANTS}{variant.pk}/change/"
    data = form_data(manager_client.get(url))
    data["sku"] = "=cmd|' /C calc'!A0"
    response = manager_client.post(url, data)
    assert response.status_code == 200
    assert "A SKU starts with a letter or a digit" in response.content.decode()
    data["sku"] = "INES-MUG-CEL-2"
    assert manager_client.post(url, data).status_code == 302
    assert Variant.objects.get(pk=variant.pk).sku == "INES-MUG-CEL-2"


@pytest.mark.parametrize("sku", ["=1+1", "+SUM", "-2", "@A1", " MUG", "MUG\x00", "MUG<b>", ""])
def test_unsafe_skus_are_refused(sku, own_product):
    variant = own_product.variants.get()
    variant.sku = sku
    with pytest.raises(ValidationError):
        variant.full_clean()


@pytest.mark.parametrize("sku", ["MUG-CEL-L", "12.5/B", "mug_small", "Bowl 2"])
def test_ordinary_skus_are_fine(sku, own_product):
    variant = own_product.variants.get()
    variant.sku = sku
    variant.full_clean()
