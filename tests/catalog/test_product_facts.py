"""The maker's facts form on the product page: makers edit their own products, managers any (with prices)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import Product
from tests.factories import ProductFactory


@pytest.fixture
def vase(artisan):
    return ProductFactory(maker=artisan, title="Moon vase", materials=["porcelain"], price=Decimal("120.00"))


def url(product) -> str:
    return reverse("product-facts-edit", args=[product.pk])


def facts(**changes) -> dict:
    data = {
        "title": "Moon vase",
        "materials": "porcelain, celadon glaze\nporcelain",
        "techniques": "wheel-thrown",
        "dimensions": "30 cm tall",
        "weight_grams": "1200",
        "care": "Hand wash.",
        "story": "Thrown in two parts.",
        "lead_time_days": "0",
        "minutes_per_unit": "90",
        "batch_size": "2",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_a_maker_edits_the_facts_of_their_own_product_and_the_page_says_what_changed(artisan_client, vase):
    page = artisan_client.get(reverse("product-detail", args=[vase.pk])).content.decode()
    assert url(vase) in page  # "Edit facts" on the product page, not the admin
    response = artisan_client.post(url(vase), facts(), follow=True)
    assert response.redirect_chain[-1][0] == reverse("product-detail", args=[vase.pk])
    vase.refresh_from_db()
    assert vase.materials == ["porcelain", "celadon glaze"]  # split, tidied, the repeat dropped
    assert (vase.techniques, vase.dimensions, vase.weight_grams, vase.batch_size) == (
        ["wheel-thrown"],
        "30 cm tall",
        1200,
        2,
    )
    assert "Saved:" in response.content.decode() and "materials" in response.content.decode()


def test_an_artisan_cannot_set_prices_and_a_manager_can(artisan_client, manager_client, vase):
    form = artisan_client.get(url(vase)).content.decode()
    assert 'name="price"' not in form
    artisan_client.post(url(vase), facts(price="1.00"))
    vase.refresh_from_db()
    assert vase.price == Decimal("120.00")

    assert 'name="price"' in manager_client.get(url(vase)).content.decode()
    manager_client.post(url(vase), facts(price="135.00", unit_cost="20.00"))
    vase.refresh_from_db()
    assert (vase.price, vase.unit_cost) == (Decimal("135.00"), Decimal("20.00"))


def test_another_maker_gets_404_and_changes_nothing(other_artisan, client, vase):
    client.force_login(other_artisan)
    assert client.get(url(vase)).status_code == 404
    assert client.post(url(vase), facts(title="Mine now")).status_code == 404
    assert Product.objects.get(pk=vase.pk).title == "Moon vase"


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"made_to_order": "on", "lead_time_days": "0"}, "lead_time_days", "days from order to dispatch"),
        ({"materials": ", ".join(f"m{i}" for i in range(25))}, "materials", "At most 20"),
        ({"materials": "x" * 80}, "materials", "under 60 characters"),
        ({"materials": "clay\x00"}, "materials", "Null characters"),
        ({"batch_size": "0"}, "batch_size", "greater than or equal to 1"),
    ],
)
def test_bad_facts_are_refused_with_the_reason_and_nothing_is_saved(artisan_client, vase, changes, field, words):
    response = artisan_client.post(url(vase), facts(**changes))
    assert response.status_code == 200
    assert words in " ".join(response.context["form"].errors[field])
    vase.refresh_from_db()
    assert vase.materials == ["porcelain"]
