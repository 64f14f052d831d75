"""Layout, measured in real Chromium at a desk (1280×800) and on a phone (390×844).

Each test measures what a person would see: the bulk-action bar only once something is
ticked, buttons inside their panel, a badge not hidden under a checkbox, the studio's
whole name in the header, hours on one line and a plan's reasons that read left to right.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shot, shot_path
from tests.browser.test_flows import assert_fits_the_screen
from tests.browser.test_review import review_studio, sign_in, url_of  # noqa: F401  (review_studio is a fixture)

pytestmark = pytest.mark.browser


def box(locator) -> dict:
    found = locator.bounding_box()
    assert found is not None, f"{locator} is not on the page"
    return found


def assert_inside(inner: dict, outer: dict, what: str) -> None:
    overflow = {
        "left": outer["x"] - inner["x"],
        "right": (inner["x"] + inner["width"]) - (outer["x"] + outer["width"]),
        "top": outer["y"] - inner["y"],
        "bottom": (inner["y"] + inner["height"]) - (outer["y"] + outer["height"]),
    }
    sticking_out = {side: round(px, 1) for side, px in overflow.items() if px > 0.5}
    assert not sticking_out, f"{what} sticks out of its panel by {sticking_out} px"


def overlap(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


LINES_OF = """(el) => {
  const range = document.createRange();
  range.selectNodeContents(el);
  const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
  return tops.size;
}"""


def test_catalogue_bulk_bar_shows_only_with_a_selection(page, live_server, studio):
    sign_in(page, live_server, studio["people"]["mara"])
    page.goto(f"{live_server.url}/catalog/")
    bar = page.locator("#bulk-form")
    expect(page.locator(".product-card")).to_have_count(10)
    expect(bar).to_be_hidden()
    assert_fits_the_screen(page)
    shot(page, "layout-01-catalogue")

    page.get_by_label("Select Celadon breakfast mug").check()
    expect(bar).to_be_visible()
    expect(bar.get_by_role("button", name="Go")).to_be_in_viewport()
    height = page.viewport_size["height"]
    bar_box = box(bar)
    assert bar_box["y"] + bar_box["height"] <= height + 1
    page.screenshot(path=str(shot_path(page, "layout-02-catalogue-selected")))
    looks = bar.get_by_role("group", name="Looks to stage into")
    expect(looks).to_be_visible()  # staging is the first action, and it asks which looks
    bar.get_by_label("With the ticked products:").select_option(label="Write listing copy")
    expect(looks).to_be_hidden()  # the other actions don't: the bar shrinks

    page.get_by_label("Select Celadon breakfast mug").uncheck()
    expect(bar).to_be_hidden()


def test_review_queue_bulk_bar_shows_only_with_a_selection(page, live_server, review_studio):  # noqa: F811
    sign_in(page, live_server, review_studio["ines"])
    page.goto(f"{live_server.url}/review/")
    bar = page.locator("[data-bulk-bar]")
    expect(page.locator("[data-queue-item]")).to_have_count(4)
    expect(bar).to_be_hidden()
    shot(page, "layout-03-queue")

    page.get_by_label("Select Speckled stoneware bowl").check()
    expect(bar).to_be_visible()
    expect(bar.get_by_role("button", name="Approve selected")).to_be_in_viewport()
    page.get_by_label("Select Speckled stoneware bowl").uncheck()
    expect(bar).to_be_hidden()
    page.get_by_label("Select all on this page").check()
    expect(bar).to_be_visible()


def test_decision_buttons_stay_inside_their_panels(page, live_server, review_studio):  # noqa: F811
    vase = review_studio["items"]["Ink-blue bud vase"]
    sign_in(page, live_server, review_studio["ines"])
    page.goto(url_of(live_server, vase))
    page.evaluate("() => document.querySelectorAll('details.decision-panel').forEach((d) => { d.open = true; })")
    for name, panel_id in (("Save edits and approve", "edit"), (f"Reject version {vase.version}", "reject")):
        panel = page.locator(f"details#{panel_id}")
        button = panel.get_by_role("button", name=name)
        button.scroll_into_view_if_needed()
        expect(button).to_be_visible()
        assert_inside(box(button), box(panel), f"“{name}”")
        assert box(button)["width"] > 0.85 * box(panel)["width"], f"“{name}” no longer spans its panel"
        assert_inside(box(button), box(page.locator("#decide")), f"“{name}”")
    assert_fits_the_screen(page)
    shot(page, "layout-04-decision-panels")


def test_catalogue_checkbox_never_covers_a_badge(page, live_server, studio):
    sign_in(page, live_server, studio["people"]["mara"])
    page.goto(f"{live_server.url}/catalog/")
    cards = page.locator(".product-card", has=page.locator(".product-badges .badge"))
    # Low stock: the ring dish; made to order: the teapot and the ring.
    expect(cards).to_have_count(3)
    for n in range(cards.count()):
        card = cards.nth(n)
        card.scroll_into_view_if_needed()
        pick, badge = box(card.locator(".product-pick")), box(card.locator(".product-badges .badge"))
        assert not overlap(pick, badge), f"the checkbox covers “{card.locator('.badge').inner_text()}”"
        assert_inside(badge, box(card), "the badge")
    shot(page, "layout-07-badges")


def test_header_shows_the_studio_name_whole(page, live_server, studio):
    from studio.services import studio_profile_get

    profile = studio_profile_get()
    profile.name = "Kiln & Loom Studio"  # the demo studio's name
    profile.save()
    for person in ("ines", "mara"):
        page.context.clear_cookies()
        sign_in(page, live_server, studio["people"][person])
        page.goto(f"{live_server.url}/")
        name = page.locator(".brand-name")
        expect(name).to_have_text("Kiln & Loom Studio")
        scroll_width, client_width = name.evaluate("(el) => [el.scrollWidth, el.clientWidth]")
        assert scroll_width <= client_width, f"the studio name is cut for {person}: {scroll_width} > {client_width} px"
        assert name.evaluate(LINES_OF) == 1
        assert_fits_the_screen(page)
    page.screenshot(path=str(shot_path(page, "layout-05-header")))


@pytest.fixture
def plan_item(transactional_db):
    """A maker's production plan in the queue, with 13.3-hour batches (16 pieces at 50 minutes)."""
    from django.utils import timezone

    from approvals.models import ReviewItem
    from forecasting.demand import production_plans_build, week_start
    from forecasting.models import Forecast
    from studio.models import MakerProfile
    from studio.services import studio_profile_get
    from tests.factories import ProductFactory, UserFactory, VariantFactory

    profile = studio_profile_get()
    profile.name = "Kiln & Loom"
    profile.save()
    ines = UserFactory(username="ines", first_name="Inès", last_name="Laurent", role="artisan")
    MakerProfile.objects.create(user=ines, weekly_hours=Decimal("30"))
    today = timezone.localdate()
    first = week_start(today)
    dates = [(first + dt.timedelta(weeks=n)).isoformat() for n in range(12)]
    for n, title in enumerate(["Celadon breakfast mug", "Speckled stoneware bowl"]):
        product = ProductFactory(
            maker=ines, title=title, minutes_per_unit=50, batch_size=16, lead_time_days=7, price=Decimal("30")
        )
        variant = VariantFactory(product=product, sku=f"KL-{n}", stock_on_hand=0)
        Forecast.objects.create(
            variant=variant,
            method="TSB",
            demand_class="intermittent",
            values={"dates": dates, "mean": [9] * 12, "p10": [5] * 12, "p50": [9] * 12, "p90": [13] * 12},
            validation_error=0.8,
            fitted_at=timezone.now(),
        )
    production_plans_build(today=today)
    return ines, ReviewItem.objects.get(kind="production_plan")


def test_plan_hours_stay_on_one_line_and_reasons_read_left_to_right(page, live_server, plan_item):
    ines, item = plan_item
    sign_in(page, live_server, ines)
    page.goto(url_of(live_server, item))
    times = page.locator(".plan-table td[data-label='Time']")
    expect(times.first).to_contain_text(" h")
    assert "13.3 h" in [text.replace("\u00a0", " ") for text in times.all_inner_texts()]
    for n in range(times.count()):
        assert times.nth(n).evaluate(LINES_OF) == 1, f"“{times.nth(n).inner_text()}” wraps"
    heads = page.locator(".plan-week-head span")
    for n in range(heads.count()):
        assert heads.nth(n).evaluate(LINES_OF) == 1, f"“{heads.nth(n).inner_text()}” wraps"
    reasons = page.locator(".plan-table td[data-label='Why']")
    expect(reasons.first).to_be_visible()
    for n in range(reasons.count()):
        align = reasons.nth(n).evaluate("(el) => getComputedStyle(el).textAlign")
        assert align in ("left", "start"), f"the reason is aligned {align}"
        reason_box, row_box = box(reasons.nth(n)), box(reasons.nth(n).locator("xpath=.."))
        assert_inside(reason_box, row_box, "the reason")
    assert_fits_the_screen(page)
    shot(page, "layout-06-plan")


CLIPPED_TEXT = """(meta) => {
  // .row-meta hides each line's first "·" in a strip as wide as the separator (clip-path): no text may fall in it.
  const rem = parseFloat(getComputedStyle(document.documentElement).fontSize);
  const visibleFrom = meta.getBoundingClientRect().left + 1.1 * rem;
  let worst = 0;
  for (const item of meta.children) {
    const range = document.createRange();
    range.selectNodeContents(item);
    for (const line of range.getClientRects()) {
      if (line.width > 0) worst = Math.max(worst, visibleFrom - line.left);
    }
  }
  return worst;
}"""


def test_row_details_that_wrap_stay_readable(page, live_server, plan_item):
    """A plan's "stock for 95% of likely weeks" wraps on a phone; its second line must not start under the clip."""
    ines, _ = plan_item
    sign_in(page, live_server, ines)
    page.goto(f"{live_server.url}/sales/forecasts/")
    metas = page.locator(".row-meta")
    expect(metas.first).to_be_visible()
    for n in range(metas.count()):
        hidden = metas.nth(n).evaluate(CLIPPED_TEXT)
        assert hidden <= 0.5, f"“{metas.nth(n).inner_text()}” loses {hidden:.1f} px of text on its left"
    shot(page, "layout-07-row-details")
