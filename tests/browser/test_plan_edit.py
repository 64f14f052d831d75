"""A maker changes a production plan's pieces at a desk and on a phone, sees the week's hours follow,
is told when a week no longer fits their hours, and approves the plan with their numbers (issue 15)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shot
from tests.browser.test_flows import assert_fits_the_screen
from tests.browser.test_layout import plan_item  # noqa: F401  (a fixture)
from tests.browser.test_review import sign_in, url_of

pytestmark = pytest.mark.browser


def test_a_maker_edits_a_plans_pieces_and_approves_it(page, live_server, plan_item):  # noqa: F811
    ines, item = plan_item
    week = item.snapshot["plan"]["makers"][0]["weeks"][0]
    line = week["lines"][0]
    quantity = line["quantity"]
    assert quantity > 8 and line["minutes"] == 50 * quantity  # batches of 16 pieces at 50 minutes
    sign_in(page, live_server, ines)
    page.goto(url_of(live_server, item) + "#edit")

    panel = page.locator("details#edit")
    pieces = panel.get_by_label(line["product_title"]).first
    expect(pieces).to_have_value(str(quantity))
    first_week = panel.locator(f"[data-plan-week='{week['week_start']}']")
    used = first_week.locator("[data-plan-used]")
    before_minutes = week["minutes_used"]
    expect(used).to_have_text(f"{before_minutes / 60:.1f} h".replace(".0 h", " h"))
    assert_fits_the_screen(page)

    pieces.fill("8")
    saved = (quantity - 8) * 50
    expect(used).to_have_text(f"{(before_minutes - saved) / 60:.1f} h".replace(".0 h", " h"))
    over = first_week.locator("[data-plan-over]")
    expect(over).to_be_hidden()

    pieces.fill("60")  # 50 h of work in a 30-hour week
    expect(over).to_be_visible()
    expect(over).to_contain_text("Over by")
    shot(page, "plan-edit-01-over")

    pieces.fill("8")
    expect(over).to_be_hidden()
    shot(page, "plan-edit-02-fits")
    asked: list[str] = []  # approving a whole plan asks first (the kind's confirm_approval)

    def answer(dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", answer)
    if page.viewport_name == "phone":
        page.locator("[data-action-bar]").get_by_role("button", name="Approve edits").click()
    else:
        panel.get_by_role("button", name="Save edits and approve").click()

    expect(page.locator(".messages .alert--success")).to_contain_text("Approved")
    assert asked and "production plan" in asked[0]
    item.refresh_from_db()
    assert item.state == "approved"
    approved_week = item.approved_snapshot["plan"]["makers"][0]["weeks"][0]
    approved_line = next(entry for entry in approved_week["lines"] if entry["variant_id"] == line["variant_id"])
    assert approved_line["quantity"] == 8 and approved_line["minutes"] == 400
    assert approved_week["minutes_used"] == before_minutes - saved
