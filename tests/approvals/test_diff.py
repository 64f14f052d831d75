"""What the reviewer is told changed between the approved version and the one under review."""

from approvals.diff import snapshot_diff, text_segments


def changed(old, new):
    return {diff.name: diff for diff in snapshot_diff(old, new)}


def test_nothing_approved_yet_means_no_diff():
    assert snapshot_diff(None, {"title": "Celadon mug", "tags": ["mug"]}) == []


def test_identical_snapshots_have_no_diff():
    snapshot = {"title": "Celadon mug", "tags": ["mug", "celadon"], "description": "<p>Hi</p>"}
    assert snapshot_diff(snapshot, dict(snapshot)) == []


def test_text_is_compared_word_by_word():
    [diff] = snapshot_diff({"title": "Celadon breakfast mug, wheel-thrown"}, {"title": "Celadon tea mug, wheel-thrown"})
    assert diff.name == "title" and diff.label == "Title"
    assert diff.segments == [
        ("equal", "Celadon "),
        ("delete", "breakfast"),
        ("insert", "tea"),
        ("equal", " mug, wheel-thrown"),
    ]
    assert diff.changed


def test_segments_rebuild_both_texts():
    old, new = "A generous mug for slow mornings.", "A small mug for slow, quiet mornings. Dishwasher safe."
    segments = text_segments(old, new)
    assert "".join(text for op, text in segments if op != "insert") == old
    assert "".join(text for op, text in segments if op != "delete") == new
    assert ("insert", "Dishwasher safe.") in [(op, text.strip()) for op, text in segments]


def test_a_rewritten_phrase_reads_as_one_change_not_interleaved_words():
    segments = text_segments("Celadon mug for slow mornings", "Celadon Stoneware Breakfast Mug – Wheel-Thrown, 9 cm")
    assert segments == [
        ("equal", "Celadon "),
        ("delete", "mug for slow mornings"),
        ("insert", "Stoneware Breakfast Mug – Wheel-Thrown, 9 cm"),
    ]


def test_a_change_of_whitespace_alone_is_not_a_change():
    assert text_segments("Thrown on the wheel.\nGlazed in celadon.", "Thrown on the wheel. Glazed in celadon.") == [
        ("equal", "Thrown on the wheel. Glazed in celadon."),
    ]
    [diff] = snapshot_diff(
        {"description": "<p>Thrown on the wheel.</p><p>Glazed in celadon.</p><p>A gift.</p>"},
        {"description": "<p>Thrown on the wheel. Glazed in celadon.</p>"},
    )
    assert [op for op, _ in diff.segments] == ["equal", "delete"]
    assert diff.segments[1] == ("delete", "\nA gift.")


def test_lists_of_words_show_what_was_added_and_removed():
    diff = changed(
        {"tags": ["mug", "celadon", "gift for her"]}, {"tags": ["mug", "celadon", "tea lover", "stoneware"]}
    )["tags"]
    assert diff.added == ["tea lover", "stoneware"]
    assert diff.removed == ["gift for her"]
    assert diff.segments == []


def test_reordering_a_list_is_not_a_change():
    assert snapshot_diff({"tags": ["mug", "celadon"]}, {"tags": ["celadon", "mug"]}) == []


def test_an_html_field_is_compared_as_the_text_a_reader_sees():
    old = {"description": "<p>Thrown on the wheel.</p><p>Glazed in celadon.</p>"}
    # Only the markup changed: a reader sees the same words.
    assert (
        snapshot_diff(old, {"description": "<p>Thrown on the <strong>wheel</strong>.</p>\n<p>Glazed in celadon.</p>"})
        == []
    )

    [diff] = snapshot_diff(
        old, {"description": "<p>Thrown on the wheel.</p><ul><li>Glazed in tenmoku &amp; ash.</li></ul>"}
    )
    words = "".join(text for _, text in diff.segments)
    assert "<" not in words and "&amp;" not in words
    assert ("delete", "celadon.") in diff.segments
    assert ("insert", "tenmoku & ash.") in diff.segments


def test_markup_in_a_plain_text_field_is_shown_not_swallowed():
    """A title is plain text: a <script> in it is something the reviewer must see in the diff."""
    [diff] = snapshot_diff({"title": "Celadon mug"}, {"title": "Celadon mug <script>alert(1)</script>"})
    inserted = "".join(text for op, text in diff.segments if op == "insert")
    assert "<script>alert(1)</script>" in inserted


def test_checks_and_the_kinds_bookkeeping_fields_are_not_the_reviewers_business():
    old = {"title": "Mug", "checks": [{"level": "pass"}], "writer": "template"}
    new = {"title": "Mug", "checks": [{"level": "fail"}], "writer": "anthropic"}
    assert snapshot_diff(old, new, ignore=frozenset({"writer"})) == []
    # Only the kind says what is bookkeeping: without its word, a field is content.
    [writer] = snapshot_diff(old, new)
    assert writer.name == "writer" and writer.segments == [("delete", "template"), ("insert", "anthropic")]


def test_fields_come_in_the_new_snapshots_order_and_removed_fields_show():
    old = {"story": "Thrown by hand.", "title": "Mug", "care": "Hand wash."}
    new = {"title": "Celadon mug", "story": "Thrown by hand in Leith."}
    diffs = snapshot_diff(old, new)
    assert [d.name for d in diffs] == ["title", "story", "care"]
    care = diffs[2]
    assert care.segments == [("delete", "Hand wash.")]


def test_values_that_are_not_text_are_compared_as_text():
    [diff] = snapshot_diff(
        {"weight_grams": 340, "alt_texts": [{"photo": 1, "text": "Mug"}]},
        {"weight_grams": 360, "alt_texts": [{"photo": 1, "text": "Mug"}]},
    )
    assert diff.name == "weight_grams" and diff.label == "Weight grams"
    assert diff.segments == [("delete", "340"), ("insert", "360")]
