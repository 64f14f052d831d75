"""What people click, in real Chromium, at desktop (1280×800) and phone (390×844) sizes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, shot, shot_path

pytestmark = pytest.mark.browser

WIDER_THAN_VIEWPORT = """(width) => {
  return [...document.querySelectorAll('body *')]
    .filter((el) => el.getBoundingClientRect().right > width + 1 && el.getClientRects().length)
    .slice(0, 5)
    .map((el) => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : ''));
}"""


def assert_fits_the_screen(page) -> None:
    """The page never scrolls sideways (tables scroll inside their own box)."""
    width = page.viewport_size["width"]
    scroll_width, inner_width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    # On a phone, content wider than the screen also widens the layout viewport.
    fits = scroll_width <= inner_width == width
    assert fits, f"{page.url} scrolls sideways; too wide: {page.evaluate(WIDER_THAN_VIEWPORT, width)}"


def images_loaded(page, selector: str) -> bool:
    return page.evaluate(
        "(sel) => [...document.querySelectorAll(sel)].every((img) => img.complete && img.naturalWidth > 0)", selector
    )


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/")


def go_to(page, link_name: str, *, screenshot: str = "") -> None:
    """Follow a main-navigation link the way a person would at this screen size."""
    if page.viewport_name == "phone":  # type: ignore[attr-defined]
        menu = page.locator("details.nav-mobile")
        menu.locator("summary").click()
        link = menu.get_by_role("navigation", name="Main").get_by_role("link", name=link_name)
        expect(link).to_be_visible()
        assert_fits_the_screen(page)
        if screenshot:
            page.screenshot(path=str(shot_path(page, screenshot)))
        link.click()
    else:
        page.locator("nav.nav-desktop").get_by_role("link", name=link_name).click()


def sign_out(page) -> None:
    if page.viewport_name == "phone":  # type: ignore[attr-defined]
        menu = page.locator("details.nav-mobile")
    else:
        menu = page.locator("details.user-menu")
    menu.locator("summary").click()
    menu.get_by_role("button", name="Log out").click()


def test_artisan_signs_in_browses_their_own_work_and_signs_out(page, live_server, studio):
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.get_by_role("heading", name="Welcome back")).to_be_visible()
    assert_fits_the_screen(page)
    shot(page, "01-login")

    page.get_by_label("Username").fill("ines")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username and password")
    shot(page, "01-login-error")

    sign_in(page, live_server, "ines")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Inès")
    expect(page.locator(".brand-name")).to_have_text("Kiln & Loom")
    expect(page.get_by_role("link", name=re.compile("3 drafts waiting"))).to_have_count(1)
    attention = page.get_by_role("region", name="Needs you now")
    expect(attention).to_contain_text("Celadon breakfast mug")
    expect(attention).not_to_contain_text("linen runner")
    expect(attention).to_contain_text("Porcelain ring dish: 1 left")
    assert_fits_the_screen(page)
    shot(page, "02-dashboard")

    # Keyboard users can jump straight to the content.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()

    go_to(page, "Catalogue", screenshot="02-menu-open")
    expect(page.get_by_role("heading", name="Catalogue", level=1)).to_be_visible()
    cards = page.locator(".product-card")
    expect(cards).to_have_count(6)
    expect(page.get_by_role("link", name="Celadon breakfast mug")).to_be_visible()
    expect(page.get_by_text("Hand-loomed linen runner")).to_have_count(0)
    expect(page.get_by_label("Maker")).to_have_count(0)
    expect(page.locator(".product-card", has_text="Tenmoku teapot")).to_contain_text("Made to order")
    page.locator(".product-grid img").last.scroll_into_view_if_needed()
    page.wait_for_load_state("networkidle")
    assert images_loaded(page, ".product-grid img")
    assert_fits_the_screen(page)
    shot(page, "03-catalogue")

    page.get_by_label("Search").fill("bowl")
    page.get_by_role("button", name="Show products").click()
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Speckled stoneware bowl")

    page.get_by_role("link", name="Clear").click()
    page.get_by_role("link", name="Celadon breakfast mug").click()
    expect(page.get_by_role("heading", name="Celadon breakfast mug", level=1)).to_be_visible()
    expect(page.get_by_role("region", name="Variants and stock")).to_contain_text("CBM-02")
    expect(page.locator(".chart .bar")).to_have_count(26)
    expect(page.get_by_role("region", name="Drafts for this product")).to_contain_text("Listing copy, version 2")
    page.wait_for_load_state("networkidle")
    assert images_loaded(page, ".gallery img")
    assert_fits_the_screen(page)
    shot(page, "04-product")

    go_to(page, "Review")
    expect(page.get_by_role("heading", name="Review", level=1)).to_be_visible()
    expect(page.locator(".rows .row")).to_have_count(3)
    expect(page.locator(".rows")).not_to_contain_text("linen runner")
    assert_fits_the_screen(page)
    shot(page, "05-review-list")

    page.locator(".rows .row", has_text="Celadon breakfast mug").click()
    expect(page.get_by_role("heading", name="Celadon breakfast mug", level=1)).to_be_visible()
    expect(page.get_by_role("region", name="The version under review")).to_contain_text(
        "Celadon stoneware mug, handmade"
    )
    assert_fits_the_screen(page)
    shot(page, "06-review-detail")

    go_to(page, "Sales")
    expect(page.get_by_role("heading", name="Sales", level=1)).to_be_visible()
    expect(page.locator("table")).not_to_contain_text("linen runner")
    assert_fits_the_screen(page)
    shot(page, "07-sales")

    go_to(page, "Jobs")
    expect(page.get_by_role("heading", name="Background jobs")).to_be_visible()
    expect(page.locator(".job-row")).to_have_count(2)  # the manager's forecast job isn't hers
    assert_fits_the_screen(page)
    shot(page, "08-jobs")

    sign_out(page)
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    page.goto(f"{live_server.url}/catalog/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/catalog/$"))


def test_manager_sees_every_product_and_filters_by_maker(page, live_server, studio):
    sign_in(page, live_server, "mara")
    expect(page.get_by_role("link", name=re.compile("4 drafts waiting")).first).to_be_attached()
    assert_fits_the_screen(page)
    shot(page, "09-dashboard-manager")

    go_to(page, "Catalogue")
    expect(page.locator(".product-card")).to_have_count(10)
    page.get_by_label("Maker").select_option(label="Tomás Reyes")
    page.get_by_role("button", name="Show products").click()
    expect(page.locator(".product-card")).to_have_count(4)
    expect(page.get_by_text("Celadon breakfast mug")).to_have_count(0)
    expect(page.get_by_label("Maker")).to_have_value(str(studio["people"]["tomas"].pk))
    assert_fits_the_screen(page)
    shot(page, "10-catalogue-manager")

    page.get_by_role("link", name="Hand-loomed linen runner").click()
    expect(page.get_by_role("link", name="Edit in admin")).to_be_visible()
    assert_fits_the_screen(page)


def test_a_running_job_updates_its_progress_bar_without_a_reload(page, live_server, studio):
    from studio.services import job_advance

    job = studio["jobs"]["running"]
    job.refresh_from_db()
    sign_in(page, live_server, "ines")
    page.goto(f"{live_server.url}/jobs/{job.pk}/")
    bar = page.locator("progress.progress-bar")
    expect(bar).to_have_attribute("value", str(job.percent))
    expect(page.locator(".progress [data-progress-field=status_display]")).to_have_text("Running")
    assert_fits_the_screen(page)
    shot(page, "11-job-running")

    with page.expect_response(re.compile(r"/progress\.json$")):
        pass  # the page polls by itself
    job_advance(job_id=job.pk, done=2, failed=1, error="Photo 7 is blurred; skipped it")
    expect(page.locator(".progress [data-progress-field=status_display]")).to_have_text(
        "Done with errors", timeout=8000
    )
    expect(page.locator(".progress [data-progress-field=percent]")).to_have_text("100%")
    expect(page.locator("[data-progress-errors]")).to_contain_text("Photo 7 is blurred")
    expect(page.locator(".progress")).not_to_have_attribute("data-progress-live", "")
    details = page.get_by_role("region", name="Details")  # rendered by the server again once the job ends
    expect(details).to_contain_text("Finished")
    expect(details).to_contain_text("Took")
    expect(details).not_to_contain_text("Not yet")
    shot(page, "12-job-finished")


def test_error_pages_look_like_the_app(page, live_server, studio):
    sign_in(page, live_server, "ines")
    other = studio["products"]["Hand-loomed linen runner"]
    response = page.goto(f"{live_server.url}/catalog/products/{other.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="We couldn't find that page")).to_be_visible()
    expect(page.get_by_text("linen runner")).to_have_count(0)
    assert_fits_the_screen(page)
    shot(page, "13-not-found")
