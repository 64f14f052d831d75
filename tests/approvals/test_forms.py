"""The review queue's forms: they parse what a reviewer posted and nothing more."""

import pytest

from approvals.forms import APPROVE, EDIT, REJECT, BulkDecisionForm, DecisionForm
from catalog.listings.kind import LISTING_COPY

HASH = "ab" * 32
SNAPSHOT = {
    "title": "Celadon breakfast mug – wheel-thrown stoneware",
    "description": "<p>A generous mug for slow mornings.</p>\n<p>Thrown on the wheel.</p>",
    "tags": ["stoneware mug", "celadon", "handmade"],
    "seo_title": "Celadon stoneware mug",
    "seo_description": "Wheel-thrown stoneware mug in a celadon glaze.",
    "checks": [],
}


def posted(decision=EDIT, **fields):
    """What the browser posts: every edit field with what is in its box."""
    unbound = DecisionForm(kind=LISTING_COPY, snapshot=SNAPSHOT)
    data = {name: unbound.fields[name].initial for name in unbound.fields if name.startswith("edit_")}
    data.update(decision=decision, seen_hash=HASH, **fields)
    return data


def bound(data):
    form = DecisionForm(data, kind=LISTING_COPY, snapshot=SNAPSHOT)
    assert form.is_valid(), form.errors
    return form


def test_edit_fields_start_with_the_snapshot_and_carry_the_channel_limits():
    form = DecisionForm(kind=LISTING_COPY, snapshot=SNAPSHOT)
    assert [field.name for field in form.edit_fields()] == [
        "edit_title",
        "edit_description",
        "edit_tags",
        "edit_seo_title",
        "edit_seo_description",
    ]
    title = form["edit_title"]
    assert title.label == "Title" and title.value() == SNAPSHOT["title"]
    assert 'data-limit="140"' in str(title) and "<input" in str(title)
    assert form["edit_seo_title"].label == "SEO title" and 'data-limit="70"' in str(form["edit_seo_title"])
    assert 'data-limit="160"' in str(form["edit_seo_description"]) and "<input" in str(form["edit_seo_description"])
    description = str(form["edit_description"])
    assert "<textarea" in description and "data-limit" not in description
    assert 'data-rich-text="br,em,li,ol,p,strong,ul"' in description  # edited as formatted text
    assert form["edit_tags"].value() == "stoneware mug, celadon, handmade"
    assert form["edit_tags"].help_text == "Comma-separated."


def test_untouched_fields_are_not_edits():
    assert bound(posted()).edits(SNAPSHOT) == {}


def test_only_changed_fields_are_edits_and_tags_are_split_on_commas():
    form = bound(posted(edit_title="Celadon mug", edit_tags=" stoneware mug, celadon ,, tea lover "))
    assert form.edits(SNAPSHOT) == {"title": "Celadon mug", "tags": ["stoneware mug", "celadon", "tea lover"]}


def test_a_browsers_line_endings_are_not_an_edit():
    """Browsers post textarea text with CRLF; the description the reviewer didn't touch stays as it was."""
    data = posted(edit_description=SNAPSHOT["description"].replace("\n", "\r\n") + "\r\n")
    assert bound(data).edits(SNAPSHOT) == {}


def test_a_field_left_out_of_the_post_is_kept_not_emptied():
    form = bound({"decision": EDIT, "seen_hash": HASH, "edit_title": "Celadon mug"})
    assert form.edits(SNAPSHOT) == {"title": "Celadon mug"}


def test_emptying_a_field_on_purpose_is_an_edit():
    assert bound(posted(edit_seo_title="")).edits(SNAPSHOT) == {"seo_title": ""}


@pytest.mark.parametrize("seen_hash", ["", "abc", "AB" * 32, "zz" * 32])
def test_a_decision_needs_the_hash_of_the_version_on_screen(seen_hash):
    form = DecisionForm({"decision": APPROVE, "seen_hash": seen_hash}, kind=LISTING_COPY, snapshot=SNAPSHOT)
    assert not form.is_valid()
    assert "seen_hash" in form.errors


def test_an_unknown_decision_is_refused():
    form = DecisionForm({"decision": "publish", "seen_hash": HASH}, kind=LISTING_COPY, snapshot=SNAPSHOT)
    assert not form.is_valid() and "decision" in form.errors


def test_reject_with_retry_parses_the_checkbox():
    form = bound({"decision": REJECT, "seen_hash": HASH, "note": "Warmer, please.", "retry": "on"})
    assert form.cleaned_data["retry"] is True and form.cleaned_data["note"] == "Warmer, please."


def test_a_bulk_selection_binds_each_item_to_the_hash_on_screen():
    form = BulkDecisionForm({"decision": APPROVE, "selected": [f"12:{HASH}", f"7:{'cd' * 32}"]})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["selected"] == [(12, HASH), (7, "cd" * 32)]


@pytest.mark.parametrize("value", ["12", f"x:{HASH}", "12:abc", f"12:{HASH.upper()}", f"-1:{HASH}"])
def test_a_malformed_selection_is_refused(value):
    form = BulkDecisionForm({"decision": APPROVE, "selected": [value]})
    assert not form.is_valid() and "selected" in form.errors


def test_an_empty_selection_says_what_to_do():
    form = BulkDecisionForm({"decision": APPROVE})
    assert not form.is_valid()
    assert form.errors["selected"] == ["Select at least one draft first."]
