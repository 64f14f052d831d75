"""The CSV export says which products it leaves out, and why, before the file downloads (issue 14)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shot
from tests.browser.test_flows import assert_fits_the_screen, sign_in
from tests.catalog.publishable import make_publishable
from tests.factories import ProductFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def shop(transactional_db, settings):
    settings.ATELIER_PUBLIC_URL = "https://studio.example.com"
    maker = UserFactory(username="ines", first_name="Inès", role="artisan")
    mug = ProductFactory(maker=maker, title="Celadon mug", handle="celadon-mug")
    VariantFactory(product=mug, sku="MUG-CEL")
    make_publishable(mug, user=maker, title="Celadon mug, approved")
    bowl = ProductFactory(maker=maker, title="Unreviewed bowl", handle="unreviewed-bowl")
    VariantFactory(product=bowl, sku="BOWL-1")
    return mug, bowl


def test_the_maker_sees_what_is_left_out_then_downloads(page, live_server, shop):
    sign_in(page, live_server, "ines")
    page.goto(f"{live_server.url}/catalog/")
    page.get_by_role("button", name="Export approved as Shopify CSV").click()

    expect(page.get_by_role("heading", name="Shopify CSV export")).to_be_visible()
    summary = page.locator("#export-summary")
    expect(summary).to_contain_text("1 product will be exported, as drafts, with their pictures.")
    expect(summary).to_contain_text("This product is left out of the file:")
    expect(summary.get_by_role("listitem")).to_have_text(
        "Unreviewed bowl: The listing copy isn't approved yet. The gallery (which images go out, in what order)"
        " isn't approved yet."
    )
    assert_fits_the_screen(page)
    shot(page, "export-summary")

    with page.expect_download() as download:
        summary.get_by_role("link", name="Download the CSV (1 product)").click()
    assert download.value.suggested_filename.endswith(".csv")
    content = open(download.value.path(), encoding="utf-8-sig").read()
    assert "celadon-mug" in content and "Celadon mug, approved" in content
    assert "unreviewed-bowl" not in content
