"""A maker corrects a product's facts on the product page, on a phone and at a desk (no admin)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from catalog.models import Product
from tests.browser.conftest import shot
from tests.browser.test_flows import assert_fits_the_screen, sign_in
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def mug(transactional_db):
    maker = UserFactory(username="ines", first_name="Inès", role="artisan")
    return ProductFactory(maker=maker, title="Celadon mug", materials=["stoneware"], dimensions="9 cm tall")


def test_a_maker_edits_facts_from_the_product_page(page, live_server, mug):
    sign_in(page, live_server, "ines")
    page.goto(f"{live_server.url}/catalog/products/{mug.pk}/")
    expect(page.get_by_role("link", name="Edit in admin")).to_have_count(0)
    page.get_by_role("link", name="Edit facts").click()
    expect(page.get_by_role("heading", name="The maker's facts")).to_be_visible()
    expect(page.get_by_label("Price")).to_have_count(0)  # prices are the shop manager's
    page.get_by_label("Materials").fill("stoneware, celadon glaze")
    page.get_by_label("Made to order").check()
    page.get_by_label("Days from order to dispatch").fill("0")
    page.get_by_role("button", name="Save facts").click()
    # Refused with the reason beside the field, nothing lost of what was typed.
    expect(page.get_by_text("A made-to-order piece needs the days from order to dispatch.")).to_be_visible()
    expect(page.get_by_label("Materials")).to_have_value("stoneware, celadon glaze")
    assert_fits_the_screen(page)
    shot(page, "product-facts-refused")

    page.get_by_label("Days from order to dispatch").fill("10")
    page.get_by_role("button", name="Save facts").click()
    expect(page.get_by_role("heading", name="Celadon mug")).to_be_visible()
    expect(page.locator(".facts").get_by_text("celadon glaze")).to_be_visible()
    expect(page.get_by_text("Made to order · 10 days")).to_be_visible()
    assert_fits_the_screen(page)
    shot(page, "product-facts-saved")
    mug.refresh_from_db()
    assert Product.objects.get(pk=mug.pk).materials == ["stoneware", "celadon glaze"]
