"""Names in job rows and titles: a few products by name, many as "and N more"."""

from __future__ import annotations

import pytest

from studio.wording import job_label, names_phrase


@pytest.mark.parametrize(
    "names, phrase",
    [
        ([], ""),
        (["Everyday Mug"], "Everyday Mug"),
        (["Everyday Mug", "Big Latte Mug"], "Everyday Mug and Big Latte Mug"),
        (["Everyday Mug", "Big Latte Mug", "Bud vase"], "Everyday Mug, Big Latte Mug and Bud vase"),
        (["Everyday Mug", "Big Latte Mug", "A", "B", "C"], "Everyday Mug, Big Latte Mug and 3 more"),
        (["Everyday Mug", "", "Everyday Mug", "Bud vase"], "Everyday Mug and Bud vase"),
    ],
)
def test_names_phrase(names, phrase):
    assert names_phrase(names) == phrase


def test_a_long_label_is_cut_to_fit_its_column():
    label = job_label("Write listing copy for " + "x" * 300)
    assert len(label) == 200 and label.endswith("…")
    assert job_label("Short") == "Short"
