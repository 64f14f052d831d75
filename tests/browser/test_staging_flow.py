"""The studio-in-a-box flow in real Chromium: three phone photos of a mug → QC and cut-outs → two looks → six drafts."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser import photos
from tests.browser.conftest import shot
from tests.browser.test_flows import assert_fits_the_screen, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def small_looks(studio):
    """The starter looks, rendered small so the flow stays quick (the pipeline is the same)."""
    from catalog.models import Look
    from catalog.staging.services import look_update, looks_ensure_starters

    looks_ensure_starters()
    for look in Look.objects.select_related("current"):
        spec = dict(look.current.spec)
        spec["output"] = {**spec.get("output", {}), "size": 1024}
        look_update(look=look, spec=spec)
    return list(Look.objects.order_by("position", "name"))


def test_a_maker_uploads_three_photos_stages_them_into_two_looks_and_finds_six_drafts(
    page, live_server, studio, small_looks, tmp_path
):
    files = []
    for n, glaze in enumerate(["#8fb3a0", "#c46a3c", "#2f4a73"]):
        path = tmp_path / f"IMG_20{n}1.jpg"
        path.write_bytes(photos.mug(glaze, seed=10 + n))
        files.append(str(path))

    sign_in(page, live_server, "ines")
    page.goto(f"{live_server.url}/catalog/")
    page.get_by_role("link", name="Oatmeal serving platter").click()
    expect(page.get_by_role("heading", name="Oatmeal serving platter", level=1)).to_be_visible()

    page.get_by_label("Add photos").set_input_files(files)
    # The tests' queue is synchronous: this request also runs the three checks and cut-outs, which
    # takes far longer than a click on a loaded machine (a hang would still be caught).
    page.get_by_role("button", name="Upload photos").click(timeout=120_000)
    expect(page.get_by_text("3 of 3 photos kept.")).to_be_visible()
    photos_section = page.get_by_role("region", name="Photos and quality checks")
    expect(photos_section.locator(".qc-photo")).to_have_count(3)
    expect(photos_section.locator(".qc-title .badge").first).to_contain_text("Quality")
    photos_section.get_by_text("Show cut-out").first.click()
    expect(photos_section.locator(".cutout-view").first).to_be_visible()
    assert_fits_the_screen(page)
    shot(page, "20-photos-qc-cutouts")

    staging = page.get_by_role("region", name="Staged images")
    checked = staging.locator("input[name=looks]:checked")
    expect(checked).to_have_count(2)  # the first two looks are offered ticked
    staging.get_by_role("button", name="Stage photos").click(timeout=120_000)  # six renders, in the request

    expect(page.get_by_role("heading", level=1)).to_have_text("Stage 6 images for Oatmeal serving platter")
    expect(page.locator(".progress").first).to_contain_text(re.compile("6 of 6|Done"))

    page.goto(f"{live_server.url}/catalog/")
    page.get_by_role("link", name="Oatmeal serving platter").click()
    cards = page.get_by_role("region", name="Staged images").locator(".staged-card")
    expect(cards).to_have_count(6)
    expect(cards.filter(has_text="Waiting for review")).to_have_count(6)
    for index in range(6):  # lazy images load as they scroll into view
        cards.nth(index).scroll_into_view_if_needed()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.staged-thumb img')].every((i) => i.complete && i.naturalWidth > 0)"
    )
    assert_fits_the_screen(page)
    shot(page, "21-staged-images")

    page.goto(f"{live_server.url}/review/")
    rows = page.locator(".rows .row", has_text="Oatmeal serving platter")
    expect(rows.filter(has_text="Gallery")).to_have_count(1)  # the photos also proposed a gallery version
    rows = rows.filter(has_text="Staged image")
    expect(rows).to_have_count(6)
    rows.first.click()
    expect(page.get_by_text("The original photo", exact=True)).to_be_visible()
    expect(page.get_by_text("Product outline", exact=True)).to_be_visible()  # the check's measures
    assert_fits_the_screen(page)
    shot(page, "22-staged-review")


def test_a_maker_clears_staged_images_from_the_grid_with_undo(page, live_server, studio, small_looks):
    from catalog.models import Product
    from catalog.services import photo_add
    from catalog.staging.services import staging_start

    product = Product.objects.get(title="Oatmeal serving platter")
    for n, glaze in enumerate(["#8fb3a0", "#c46a3c"]):
        photo_add(product=product, content=photos.mug(glaze, seed=20 + n), filename=f"m{n}.jpg")
    staging_start(products=[product], looks=small_looks[:2], requested_by=product.maker)

    sign_in(page, live_server, "ines")
    page.goto(f"{live_server.url}/review/")
    expect(page.locator(".row-thumb--picture img").first).to_be_visible()  # thumbnails in the queue's rows
    page.get_by_role("link", name="Pictures as a grid").click()
    tiles = page.locator("[data-tile]", has_text="Oatmeal serving platter")
    expect(tiles).to_have_count(4)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.pic-frame img')].every((i) => i.complete && i.naturalWidth > 0)"
    )
    passed = tiles.filter(has_text="Check passed")
    expect(passed).to_have_count(4)
    shot(page, "23-review-grid")

    passed.nth(0).locator("label").click()
    passed.nth(1).locator("label").click()
    expect(page.locator("[data-grid-count]")).to_have_text("2 selected")
    assert_fits_the_screen(page)
    shot(page, "24-review-grid-selected")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("[data-grid-undo]")).to_contain_text("Approving 2 pictures")
    page.get_by_role("button", name="Undo").click()
    expect(page.locator("[data-grid-undo]")).to_contain_text("Undone")

    page.keyboard.press("a")  # the same two, still selected, by key this time
    expect(tiles.filter(has_text="Approved")).to_have_count(2, timeout=20_000)
    from approvals.models import ReviewItem

    ours = ReviewItem.objects.filter(kind="staged_image", subject__startswith="Oatmeal serving platter")
    assert ours.filter(state="approved").count() == 2 and ours.filter(state="pending").count() == 2
    shot(page, "25-review-grid-approved")
