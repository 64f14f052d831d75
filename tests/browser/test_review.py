"""The review queue in real Chromium: deciding drafts at a desk (1280×800) and on a phone (390×844).

Drafts are real listing copy written by the offline copywriter (listing_write), so
the pages show what an artisan would see. Every flow checks the page *and* the database.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, shot, shot_path
from tests.browser.test_flows import assert_fits_the_screen

pytestmark = pytest.mark.browser

DESKTOP_ONLY = pytest.mark.parametrize("viewport", ["desktop"], indirect=True)
PHONE_ONLY = pytest.mark.parametrize("viewport", ["phone"], indirect=True)

# Newest first, as the queue shows them; "minutes ago" sets the order.
DRAFTS = [
    ("Ink-blue bud vase", 10),
    ("Speckled stoneware bowl", 20),
    ("Oatmeal serving platter", 30),
    ("Celadon breakfast mug", 40),
]
FACTS = {
    "materials": ["stoneware clay", "food-safe glaze"],
    "techniques": ["wheel-thrown", "reduction fired"],
    "dimensions": "9 cm tall, 8 cm across",
    "care": "Dishwasher safe on a gentle cycle.",
    "story": "Thrown on the kick wheel in the back room, then fired for eleven hours.",
}


@pytest.fixture
def review_studio(transactional_db):
    """An artisan with four listing-copy drafts waiting, and another artisan with one."""
    from django.utils import timezone

    from approvals.models import ReviewItem
    from catalog.listings.services import listing_write
    from studio.services import studio_profile_get
    from tests.factories import ProductFactory, UserFactory

    profile = studio_profile_get()
    profile.name = "Kiln & Loom"
    profile.save()
    ines = UserFactory(username="ines", first_name="Inès", last_name="Laurent", role="artisan")
    tomas = UserFactory(username="tomas", first_name="Tomás", last_name="Reyes", role="artisan")

    def draft(title, maker, minutes_ago):
        product = ProductFactory(title=title, maker=maker, **FACTS)
        listing_write(product_id=product.pk)
        item = ReviewItem.objects.get(subject_key=f"product:{product.pk}")
        ReviewItem.objects.filter(pk=item.pk).update(submitted_at=timezone.now() - dt.timedelta(minutes=minutes_ago))
        return item

    items = {title: draft(title, ines, minutes) for title, minutes in DRAFTS}
    items["runner"] = draft("Hand-loomed linen runner", tomas, 5)
    return {"ines": ines, "tomas": tomas, "items": items}


def sign_in(page, live_server, user) -> None:
    """A signed-in session without the login form (the login flow has its own test)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


def item(review_studio, title):
    found = review_studio["items"][title]
    found.refresh_from_db()
    return found


def url_of(live_server, review_item) -> str:
    return f"{live_server.url}/review/{review_item.pk}/"


def pending_titles():
    from approvals.models import ReviewItem, ReviewState

    return set(ReviewItem.objects.filter(state=ReviewState.PENDING).values_list("subject", flat=True))


def mark_the_window(page) -> None:
    """A variable that lives only as long as this document: a full reload would lose it."""
    page.evaluate("() => { window.__sameDocument = true; }")


def still_the_same_document(page) -> bool:
    return page.evaluate("() => window.__sameDocument === true")


def success(page):
    return page.locator(".messages .alert--success")


# --- (a) Approve from the detail page, without a reload ----------------------------------------------


@DESKTOP_ONLY
def test_approving_moves_to_the_next_draft_without_a_reload(page, live_server, review_studio):
    vase, bowl = item(review_studio, "Ink-blue bud vase"), item(review_studio, "Speckled stoneware bowl")
    sign_in(page, live_server, review_studio["ines"])
    page.goto(url_of(live_server, vase))
    expect(page.get_by_role("heading", name="Ink-blue bud vase", level=1)).to_be_visible()
    expect(page.locator(".nav-desktop .count-badge")).to_have_text("4")
    assert_fits_the_screen(page)
    shot(page, "review-02-detail")
    mark_the_window(page)

    page.get_by_role("button", name="Approve version 1").click()

    expect(page).to_have_url(url_of(live_server, bowl))
    expect(page.get_by_role("heading", name="Speckled stoneware bowl", level=1)).to_be_visible()
    expect(success(page)).to_have_text("Approved “Ink-blue bud vase” (version 1).")
    expect(page.locator(".nav-desktop .count-badge")).to_have_text("3")
    assert still_the_same_document(page)
    assert item(review_studio, "Ink-blue bud vase").state == "approved"
    assert "Speckled stoneware bowl" in pending_titles()

    # Back goes to the draft just decided, which now says so.
    page.go_back()
    expect(page.get_by_role("heading", name="Ink-blue bud vase", level=1)).to_be_visible()
    expect(page.locator(".review-head .badge")).to_have_text("Approved")
    expect(page.get_by_role("button", name="Approve version 1")).to_have_count(0)


# --- (b) Edit, then approve, with live counters ----------------------------------------------------------


def test_edit_then_approve_with_live_character_counters(page, live_server, review_studio):
    mug = item(review_studio, "Celadon breakfast mug")
    sign_in(page, live_server, review_studio["ines"])
    page.goto(url_of(live_server, mug))
    if page.viewport_name == "phone":
        page.locator("[data-action-bar]").get_by_role("link", name="Edit").click()
    else:
        page.locator("details#edit > summary").click()
    panel = page.locator("details#edit")
    expect(panel).to_have_attribute("open", "")
    if page.viewport_name == "phone":
        # The panel scrolls up to just below the sticky header.
        page.wait_for_function("""() => {
            const header = document.querySelector(".site-header").getBoundingClientRect().bottom;
            const top = document.querySelector("details#edit > summary").getBoundingClientRect().top;
            return top >= header - 1 && top < header + 40;
        }""")
    title = panel.get_by_label("Title", exact=True)
    counter = panel.locator('[data-counter-for="id_edit_title"]')
    expect(counter).to_have_text(f"{len(mug.snapshot['title'])} / 140 characters")
    expect(panel.locator('[data-counter-for="id_edit_tags"]')).to_have_text(f"{len(mug.snapshot['tags'])} / 13 tags")

    title.fill("Celadon breakfast mug for slow mornings, 9 cm")
    expect(counter).to_have_text("45 / 140 characters")
    expect(counter).not_to_have_class(re.compile("is-over"))
    if page.viewport_name == "phone":
        assert_fits_the_screen(page)
        expect(title).to_be_in_viewport()
        expect(counter).to_be_in_viewport()  # not under the action bar
        page.screenshot(path=str(shot_path(page, "review-04-edit-panel")))

    title.fill("Celadon breakfast mug " + "x" * 128)
    expect(counter).to_have_text("150 / 140 characters")
    expect(counter).to_have_class(re.compile("is-over"))
    expect(title).to_have_attribute("aria-invalid", "true")
    assert counter.evaluate("(el) => getComputedStyle(el).color") == "rgb(168, 50, 30)"  # --danger

    title.fill("Celadon breakfast mug for slow mornings, 9 cm")
    expect(counter).not_to_have_class(re.compile("is-over"))
    if page.viewport_name == "phone":
        # The Approve under the thumb now approves the edits; it never drops them.
        approve = page.locator("[data-action-bar]").get_by_role("button", name="Approve edits")
        box = approve.bounding_box()
        assert box["x"] + box["width"] <= page.viewport_size["width"] and box["height"] <= 60, (
            box
        )  # one line, on screen
        approve.click()
    else:
        expect(page.get_by_role("button", name="Approve version 1 with your edits")).to_be_visible()
        panel.get_by_role("button", name="Save edits and approve").click()

    expect(success(page)).to_have_text("Approved “Celadon breakfast mug” (version 1).")
    mug = item(review_studio, "Celadon breakfast mug")
    assert mug.state == "approved"
    assert mug.approved_snapshot["title"] == "Celadon breakfast mug for slow mornings, 9 cm"
    assert mug.approved_snapshot["description"] == mug.snapshot["description"]
    assert mug.events.last().changes == {
        "title": [mug.snapshot["title"], "Celadon breakfast mug for slow mornings, 9 cm"]
    }


# --- (c) Reject with a note, and try again --------------------------------------------------------------


def test_reject_with_a_note_and_try_again_writes_a_new_version(page, live_server, review_studio):
    platter = item(review_studio, "Oatmeal serving platter")
    sign_in(page, live_server, review_studio["ines"])
    page.goto(url_of(live_server, platter))
    if page.viewport_name == "phone":
        page.locator("[data-action-bar]").get_by_role("link", name="Reject").click()
    else:
        page.locator("details#reject > summary").click()
    panel = page.locator("details#reject")
    expect(panel).to_have_attribute("open", "")
    note = panel.get_by_label("Why? What should change?")
    if page.viewport_name == "phone":
        expect(note).to_be_focused()  # the action bar takes the thumb straight to the note
    expect(note).to_have_accessible_description("Why? The note is kept in the audit trail.")
    note.fill("Make it shorter.")
    expect(panel.get_by_label("Try again with this note (writes a new version)")).to_be_checked()
    panel.get_by_role("button", name="Reject version 1").click()

    expect(success(page)).to_contain_text(
        "Rejected “Oatmeal serving platter”; a new version that follows your note is on its way."
    )
    platter = item(review_studio, "Oatmeal serving platter")
    assert (platter.state, platter.note) == ("rejected", "Make it shorter.")
    from approvals.models import ReviewItem

    newer = ReviewItem.objects.get(subject_key=platter.subject_key, state="pending")
    assert newer.version == 2

    # The new version is in the queue; the rejected one shows the way to it.
    page.goto(url_of(live_server, platter))
    expect(page.locator(".review-alert")).to_contain_text(
        "There is a newer version of this draft: version 2 (waiting for review)."
    )
    page.locator(".review-alert").get_by_role("link", name="version 2").click()
    expect(page.locator(".eyebrow")).to_have_text("Listing copy · version 2")


def test_the_reject_note_is_read_back_before_it_is_sent(page, live_server, review_studio):
    """The reviewer sees which parts of their own note the offline writer will follow, and what goes to the maker."""
    mug = item(review_studio, "Celadon breakfast mug")
    sign_in(page, live_server, review_studio["ines"])
    page.goto(url_of(live_server, mug))
    if page.viewport_name == "phone":
        page.locator("[data-action-bar]").get_by_role("link", name="Reject").click()
    else:
        page.locator("details#reject > summary").click()
    panel = page.locator("details#reject")
    expect(panel.locator("#retry-help")).to_contain_text("The offline writer can follow a note asking for: ")
    expect(panel.locator("#retry-help")).to_contain_text("no gift tags")
    reading = panel.locator(".note-reading")
    expect(reading).to_be_hidden()

    panel.get_by_label("Why? What should change?").fill("Shorter please, and mention the gift box")
    expect(reading).to_contain_text("The writer will follow: shorter copy.")
    expect(reading).to_contain_text(
        "It can't act on “mention the gift box”: that stays in your note for the maker to change by hand."
    )
    assert_fits_the_screen(page)
    shot(page, "review-note-reading")

    panel.get_by_label("Why? What should change?").fill("Mention the gift box")
    expect(reading).to_contain_text("The writer can't act on “Mention the gift box”, so a new version would not")
    expect(reading).not_to_contain_text("will follow")

    # Not trying again: the whole note goes to the maker, so there is nothing to read back.
    panel.get_by_label("Try again with this note (writes a new version)").uncheck()
    expect(reading).to_be_hidden()
    panel.get_by_label("Try again with this note (writes a new version)").check()
    expect(reading).to_be_visible()
    panel.get_by_label("Why? What should change?").fill("Shorter, no gift tags, and mention the gift box")
    expect(reading).to_contain_text("The writer will follow: shorter copy, no gift tags.")
    panel.get_by_role("button", name="Reject version 1").click()
    expect(success(page)).to_contain_text("a new version that follows your note is on its way")

    from approvals.models import ReviewItem

    assert ReviewItem.objects.get(subject_key=mug.subject_key, state="pending").version == 2


# --- (d) Bulk approve on the queue --------------------------------------------------------------------


def test_bulk_approve_a_selection_from_the_queue(page, live_server, review_studio):
    sign_in(page, live_server, review_studio["ines"])
    page.goto(f"{live_server.url}/review/")
    rows = page.locator("[data-queue-item]")
    expect(rows).to_have_count(4)
    expect(page.get_by_text("linen runner")).to_have_count(0)
    assert_fits_the_screen(page)
    shot(page, "review-01-queue")

    page.get_by_label("Select Speckled stoneware bowl").check()
    page.get_by_label("Select Celadon breakfast mug").check()
    expect(page.locator("[data-selected-count]")).to_have_text("2 selected")
    bar = page.locator("[data-bulk-bar]")
    expect(bar).to_have_class(re.compile("is-active"))
    bar.get_by_role("button", name="Approve selected").click()

    expect(success(page)).to_have_text("Approved 2 drafts.")
    expect(rows).to_have_count(2)
    expect(page.locator("[data-queue]")).not_to_contain_text("Speckled stoneware bowl")
    expect(page.locator(".result-line")).to_contain_text("2 drafts · waiting for review")
    assert pending_titles() == {"Ink-blue bud vase", "Oatmeal serving platter", "Hand-loomed linen runner"}
    assert_fits_the_screen(page)


@DESKTOP_ONLY
def test_bulk_reject_without_a_note_is_refused_in_the_page(page, live_server, review_studio):
    sign_in(page, live_server, review_studio["ines"])
    page.goto(f"{live_server.url}/review/")
    page.get_by_label("Select Ink-blue bud vase").check()
    page.get_by_role("button", name="Reject selected").click()
    expect(page.locator(".messages .alert--error")).to_have_text(
        "Say why you are rejecting these drafts, so the next versions can be better."
    )
    expect(page.locator("[data-queue-item]")).to_have_count(4)
    assert "Ink-blue bud vase" in pending_titles()


# --- (e) Keyboard shortcuts at a desk ------------------------------------------------------------------


@DESKTOP_ONLY
def test_keyboard_shortcuts(page, live_server, review_studio):
    sign_in(page, live_server, review_studio["ines"])
    page.goto(f"{live_server.url}/review/")
    rows = page.locator("[data-queue-item]")
    expect(rows).to_have_count(4)
    expect(page.get_by_role("button", name="Keyboard shortcuts")).to_be_visible()

    page.keyboard.press("j")
    expect(rows.nth(0)).to_have_class(re.compile("is-current"))
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(re.compile("is-current"))
    expect(rows.nth(1)).to_contain_text("Speckled stoneware bowl")
    page.keyboard.press("a")
    expect(success(page)).to_have_text("Approved “Speckled stoneware bowl” (version 1).")
    expect(rows).to_have_count(3)
    assert item(review_studio, "Speckled stoneware bowl").state == "approved"
    assert item(review_studio, "Ink-blue bud vase").state == "pending"
    # The cursor stays where it was, on the draft that moved up.
    expect(rows.nth(1)).to_have_class(re.compile("is-current"))
    expect(page.locator(".nav-desktop .count-badge")).to_have_text("3")

    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_dialog).to_be_visible()
    expect(help_dialog).to_contain_text("Approve")
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()

    # On the detail page: e edits, r rejects, Esc leaves a field, j goes to the next draft.
    vase, platter = item(review_studio, "Ink-blue bud vase"), item(review_studio, "Oatmeal serving platter")
    page.goto(url_of(live_server, vase))
    mark_the_window(page)
    page.keyboard.press("e")
    expect(page.locator("details#edit")).to_have_attribute("open", "")
    expect(page.get_by_label("Title", exact=True)).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("r")
    expect(page.locator("details#reject")).to_have_attribute("open", "")
    expect(page.get_by_label("Why? What should change?")).to_be_focused()
    page.keyboard.type("r")  # typing in the note is typing, not a shortcut
    expect(page.get_by_label("Why? What should change?")).to_have_value("r")
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    expect(page).to_have_url(url_of(live_server, platter))
    expect(page.get_by_role("heading", name="Oatmeal serving platter", level=1)).to_be_visible()
    assert still_the_same_document(page)
    page.keyboard.press("k")
    expect(page).to_have_url(url_of(live_server, vase))
    assert item(review_studio, "Ink-blue bud vase").state == "pending"  # nothing was decided by moving
    page.keyboard.press("a")
    expect(success(page)).to_have_text("Approved “Ink-blue bud vase” (version 1).")
    expect(page).to_have_url(url_of(live_server, platter))
    assert item(review_studio, "Ink-blue bud vase").state == "approved"


# --- (f) On a phone: the action bar within thumb reach ---------------------------------------------------


@PHONE_ONLY
def test_phone_action_bar_is_within_thumb_reach_and_approves(page, live_server, review_studio):
    vase, bowl = item(review_studio, "Ink-blue bud vase"), item(review_studio, "Speckled stoneware bowl")
    sign_in(page, live_server, review_studio["ines"])
    page.goto(f"{live_server.url}/review/")
    assert_fits_the_screen(page)
    page.goto(url_of(live_server, vase))
    assert_fits_the_screen(page)
    shot(page, "review-02-detail")
    page.screenshot(path=str(shot_path(page, "review-03-detail-first-screen")))

    expect(page.get_by_role("link", name="Next draft")).to_be_visible()
    bar = page.locator("[data-action-bar]")
    expect(bar).to_be_visible()
    box = bar.bounding_box()
    height = page.viewport_size["height"]
    assert box["y"] + box["height"] == pytest.approx(height, abs=1)  # sits on the bottom edge
    assert box["y"] > height * 0.8  # in the thumb's half of the screen
    for name in ("Approve", "Edit", "Reject"):
        button = bar.get_by_role("button" if name == "Approve" else "link", name=name)
        expect(button).to_be_visible()
        button_box = button.bounding_box()
        assert button_box["height"] >= 44 and button_box["width"] >= 44, (name, button_box)
        assert button_box["y"] + button_box["height"] <= height
    # The desktop approve button gives way to the bar; the last of the page isn't hidden under it.
    expect(page.get_by_role("button", name="Approve version 1")).to_be_hidden()
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    footer = page.locator(".site-footer").bounding_box()
    assert footer["y"] + footer["height"] <= bar.bounding_box()["y"] + 1
    mark_the_window(page)

    bar.get_by_role("button", name="Approve").click()
    expect(page).to_have_url(url_of(live_server, bowl))
    expect(success(page)).to_have_text("Approved “Ink-blue bud vase” (version 1).")
    expect(page.locator("[data-action-bar]")).to_be_visible()
    assert still_the_same_document(page)
    assert item(review_studio, "Ink-blue bud vase").state == "approved"
    assert_fits_the_screen(page)

    # A swipe left is the next draft, a swipe right the previous one.
    platter = item(review_studio, "Oatmeal serving platter")
    swipe(page, -150)
    expect(page).to_have_url(url_of(live_server, platter))
    expect(page.get_by_role("heading", name="Oatmeal serving platter", level=1)).to_be_visible()
    swipe(page, 150)
    expect(page).to_have_url(url_of(live_server, bowl))
    swipe(page, 30)  # a small drag is scrolling, not a swipe
    page.wait_for_timeout(200)
    expect(page).to_have_url(url_of(live_server, bowl))
    assert still_the_same_document(page)


def swipe(page, dx: int) -> None:
    page.evaluate(
        """(dx) => {
        const target = document.querySelector("main h1");
        const touch = (x) => new Touch({identifier: 1, target, clientX: x, clientY: 400});
        target.dispatchEvent(new TouchEvent("touchstart", {touches: [touch(200)], changedTouches: [touch(200)], bubbles: true}));
        target.dispatchEvent(new TouchEvent("touchend", {touches: [], changedTouches: [touch(200 + dx)], bubbles: true}));
    }""",
        dx,
    )


# --- (g) Without JavaScript, plain forms -------------------------------------------------------------------


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_without_javascript_a_plain_form_approves_and_lands_on_the_next_draft(
    browser, live_server, review_studio, size
):
    context = browser.new_context(
        viewport=DESKTOP if size == "desktop" else PHONE,
        java_script_enabled=False,
        is_mobile=size == "phone",
        locale="en-GB",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        vase, bowl = item(review_studio, "Ink-blue bud vase"), item(review_studio, "Speckled stoneware bowl")
        sign_in(page, live_server, review_studio["ines"])
        page.goto(url_of(live_server, vase))
        if size == "phone":
            page.locator("[data-action-bar]").get_by_role("button", name="Approve").click()
        else:
            page.get_by_role("button", name="Approve version 1").click()
        expect(page).to_have_url(url_of(live_server, bowl))
        expect(page.get_by_role("heading", name="Speckled stoneware bowl", level=1)).to_be_visible()
        expect(success(page)).to_have_text("Approved “Ink-blue bud vase” (version 1).")
        assert item(review_studio, "Ink-blue bud vase").state == "approved"

        # Rejecting without a note answers in the page, with the panel open.
        if size == "desktop":
            page.locator("details#reject > summary").click()
            page.get_by_role("button", name="Reject version 1").click()
            expect(page.get_by_role("alert")).to_contain_text("Say why you are rejecting this draft")
            expect(page.locator("details#reject")).to_have_attribute("open", "")
            assert item(review_studio, "Speckled stoneware bowl").state == "pending"
    finally:
        context.close()
