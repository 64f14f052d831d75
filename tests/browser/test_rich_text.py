"""The listing description is edited as formatted text, at a desk and on a phone.

The editor (static/js/rich-text.js) writes the HTML the server's sanitiser keeps, into the
form's hidden textarea; the live counter follows it and the approved copy has the formatting.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shot
from tests.browser.test_flows import assert_fits_the_screen
from tests.browser.test_review import item, review_studio, sign_in, url_of  # noqa: F401  (review_studio is a fixture)

pytestmark = pytest.mark.browser

HOSTILE = [
    '<div onclick="steal()">Thrown <b>by hand</b></div><script>alert(1)</script>',
    '<p style="color:red">Glaze <i>pools</i></p><img src="x" onerror="alert(1)"><a href="https://x.example">link</a>',
    "<h2>Care</h2><ul><li>Dishwasher <span>safe</span></li><li></li></ul><p><br></p>",
    "loose text<br><strong>bold</strong><ol><li>one</li></ol>tail",
    "<table><tr><td>cell</td></tr></table><p>&lt;p&gt; is text &amp; stays</p>",
]


def test_description_is_edited_as_formatted_text_and_approved_as_sanitised_html(page, live_server, review_studio):  # noqa: F811
    from catalog.listings.checks import sanitise_description

    mug = review_studio["items"]["Celadon breakfast mug"]
    sign_in(page, live_server, review_studio["ines"])
    page.goto(url_of(live_server, mug) + "#edit")
    panel = page.locator("details#edit")
    expect(panel).to_have_attribute("open", "")

    editor = panel.get_by_role("textbox", name="Description", exact=True)
    expect(editor).to_be_visible()
    expect(panel.locator("textarea[name=edit_description]")).to_be_hidden()
    expect(editor).not_to_contain_text("<p>")  # formatted text, not markup
    expect(editor.locator("p").first).to_be_visible()
    toolbar = panel.get_by_role("toolbar", name="Formatting")
    for name in ("Bold", "Italic", "Bulleted list", "Numbered list"):
        expect(toolbar.get_by_role("button", name=name)).to_be_visible()
    assert_fits_the_screen(page)

    # What the editor writes is exactly what the server's sanitiser keeps.
    for hostile in HOSTILE:
        written = page.evaluate(
            "(html) => window.AtelierRichText.clean(html, {p:1,br:1,strong:1,em:1,ul:1,ol:1,li:1})", hostile
        )
        assert sanitise_description(written) == written, (hostile, written)
        assert "<script" not in written and "onclick" not in written and "style=" not in written

    counter = panel.locator("[data-counter-for=id_edit_description]")
    before = counter.inner_text()
    assert re.fullmatch(r"[\d,]+ characters", before), before

    editor.locator("p").first.click()
    editor.locator("p").first.evaluate(
        "(p) => { const range = document.createRange(); range.selectNodeContents(p); range.collapse(false);"
        " const selection = getSelection(); selection.removeAllRanges(); selection.addRange(range); }"
    )
    page.keyboard.press("Enter")
    toolbar.get_by_role("button", name="Bold").click()
    page.keyboard.type("Signed on the base.")
    toolbar.get_by_role("button", name="Bold").click()
    expect(counter).not_to_have_text(before)
    hidden = panel.locator("textarea[name=edit_description]").input_value()
    assert "<p><strong>Signed on the base.</strong></p>" in hidden, hidden
    if page.viewport_name == "phone":
        expect(page.locator("[data-action-bar]").get_by_role("button", name="Approve edits")).to_be_visible()
    shot(page, "review-07-description-editor")

    panel.get_by_role("button", name="Save edits and approve").click()
    expect(page.locator(".messages .alert--success")).to_contain_text("Approved “Celadon breakfast mug”")
    mug = item(review_studio, "Celadon breakfast mug")
    assert mug.state == "approved"
    approved = mug.approved_snapshot["description"]
    assert "<p><strong>Signed on the base.</strong></p>" in approved
    assert approved == sanitise_description(approved)
    assert approved.replace("<p><strong>Signed on the base.</strong></p>", "") == mug.snapshot["description"]
