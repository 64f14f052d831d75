"""Short phrases the pages build from data, said the same way everywhere."""

from __future__ import annotations

from collections.abc import Iterable


def and_list(items: Iterable[str]) -> str:
    """ "a", "a and b", "a, b and c": a list as a sentence says it."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def names_phrase(names: Iterable[str], *, shown: int = 2) -> str:
    """ "Everyday Mug", "Everyday Mug and Big Latte Mug", "Everyday Mug, Big Latte Mug and 3 more".

    Names repeat in order of first mention once each; a job row stays one line, however many products.
    """
    unique = list(dict.fromkeys(name for name in names if name))
    if len(unique) <= shown + 1:  # "A, B and C" reads better than "A, B and 1 more"
        return and_list(unique)
    return ", ".join(unique[:shown]) + f" and {len(unique) - shown} more"


def job_label(text: str) -> str:
    """A job's label fits its column (Job.label holds 200 characters)."""
    return text if len(text) <= 200 else text[:199].rstrip() + "…"
