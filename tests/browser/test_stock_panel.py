"""The product page's "Stock on the channels" panel in real Chromium, at a desk (1280×800) and on a phone (390×844)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import shot_path
from tests.browser.test_flows import assert_fits_the_screen
from tests.browser.test_layout import assert_inside, box
from tests.browser.test_review import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def stocked(transactional_db, settings):
    from django.utils import timezone

    from channels.models import ChannelListing, ChannelStock
    from tests.channels.fakes.recording import RecordingChannel
    from tests.channels.test_stock import SHOPIFY_AND_ETSY
    from tests.factories import ProductFactory, UserFactory, VariantFactory

    settings.ATELIER_CHANNELS = SHOPIFY_AND_ETSY
    settings.SHOPIFY_SHOP_DOMAIN = "atelier-test.myshopify.com"  # on, never contacted: the page only reads
    settings.SHOPIFY_ACCESS_TOKEN = "shpat_page_only_0123456789"
    RecordingChannel.reset()
    manager = UserFactory(username="mara", first_name="Mara", role="manager")
    maker = UserFactory(username="ines", first_name="Inès", role="artisan")
    product = ProductFactory(maker=maker, title="Moon jar, ash glaze", handle="moon-jar")
    jar = VariantFactory(product=product, sku="JAR-MOON-ASH-ONE", title="The jar", stock_on_hand=0, position=0)
    cups = VariantFactory(product=product, sku="JAR-MOON-CUPS-PAIR", title="Pair of cups", stock_on_hand=4, position=1)
    lid = VariantFactory(product=product, sku="JAR-MOON-LID", title="Spare lid", stock_on_hand=2, position=2)
    now = timezone.now()
    for name in ("shopify", "etsy"):
        ChannelListing.objects.create(
            product=product, channel=name, status="published", remote_id=f"{name}-1", published_at=now
        )
    ChannelStock.objects.create(variant=jar, channel="shopify", sent=0, reported=0, reported_at=now)
    ChannelStock.objects.create(variant=jar, channel="etsy", sent=0, reported=0, reported_at=now)
    ChannelStock.objects.create(variant=cups, channel="shopify", sent=4, reported=5, reported_at=now)
    ChannelStock.objects.create(
        variant=cups,
        channel="etsy",
        sent=4,
        reported=4,
        reported_at=now,
        error="Etsy didn't take the stock figures: HTTP 429 Too Many Requests",
        error_at=now,
        failures=1,
        retry_at=now + timezone.timedelta(minutes=2),
    )
    ChannelStock.objects.create(variant=lid, channel="shopify", sent=2, reported=2, reported_at=now)
    yield manager, product
    RecordingChannel.reset()


def test_the_stock_panel_reads_on_a_phone_and_a_desk(page, live_server, stocked):
    manager, product = stocked
    sign_in(page, live_server, manager)

    page.goto(f"{live_server.url}/catalog/products/{product.pk}/#channel-stock")

    panel = page.locator("#channel-stock")
    panel.scroll_into_view_if_needed()
    assert panel.get_by_text("1 variant out of step").is_visible()
    assert panel.get_by_text("5 · differs").is_visible()
    assert panel.get_by_text("HTTP 429 Too Many Requests").is_visible()
    assert panel.get_by_text("Not sent yet").is_visible()  # the lid on Etsy
    panel_box = box(panel)
    for cell in panel.locator("td").all():
        assert_inside(box(cell), panel_box, "A stock cell")
    assert_inside(box(panel.get_by_role("button", name="Push stock now")), panel_box, "Push stock now")
    assert_fits_the_screen(page)
    # The panel's top just under the sticky header, then what a person sees on this screen.
    header = page.locator("header").first.bounding_box()["height"]
    page.evaluate(
        "([el, offset]) => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - offset - 8)",
        [panel.element_handle(), header],
    )
    page.screenshot(path=str(shot_path(page, "stock-panel")))


def test_a_failed_push_shows_on_the_dashboard(page, live_server, stocked):
    manager, product = stocked
    sign_in(page, live_server, manager)

    page.goto(f"{live_server.url}/")

    panel = page.locator("section", has=page.get_by_role("heading", name="Stock not sent to a channel"))
    panel.scroll_into_view_if_needed()
    assert panel.get_by_text("Moon jar, ash glaze on Etsy").is_visible()
    assert_inside(box(panel.locator(".badge")), box(panel), "The stock badge")
    assert_fits_the_screen(page)
    panel.screenshot(path=str(shot_path(page, "stock-dashboard")))
