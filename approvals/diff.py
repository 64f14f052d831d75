"""What changed between two snapshots, for the reviewer: field by field, word by word.

The result is plain data (segments tagged equal/insert/delete); templates escape
every segment, so no draft text is ever rendered as HTML.
"""
from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass, field
from typing import Any

import nh3

_TOKEN = re.compile(r"\s+|[^\s]+")
IGNORED = {"checks", "writer"}


@dataclass
class FieldDiff:
    name: str
    label: str
    segments: list[tuple[str, str]] = field(default_factory=list)  # (op, text) for text fields
    added: list[str] = field(default_factory=list)  # for list fields
    removed: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or any(op != "equal" for op, _ in self.segments))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return ", ".join(_text(v) for v in (value.values() if isinstance(value, dict) else value))
    text = str(value)
    if "<" in text and ">" in text:  # an HTML field: compare what a reader sees
        text = html.unescape(nh3.clean(re.sub(r"</(p|li|ul|ol)>|<br\s*/?>", "\n", text), tags=set()))
    return text


def text_segments(old: str, new: str) -> list[tuple[str, str]]:
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    segments: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append(("equal", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            segments.append(("delete", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            segments.append(("insert", "".join(b[j1:j2])))
    return segments


def snapshot_diff(old: dict[str, Any] | None, new: dict[str, Any]) -> list[FieldDiff]:
    """Changed fields only, in the new snapshot's order. `old` None means nothing approved yet."""
    if old is None:
        return []
    diffs = []
    for name in list(new) + [key for key in old if key not in new]:
        if name in IGNORED:
            continue
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        diff = FieldDiff(name=name, label=name.replace("_", " ").capitalize())
        if isinstance(before, list) and isinstance(after, list) and all(
            isinstance(v, str) for v in before + after
        ):
            diff.added = [v for v in after if v not in before]
            diff.removed = [v for v in before if v not in after]
        else:
            diff.segments = text_segments(_text(before), _text(after))
        if diff.changed:
            diffs.append(diff)
    return diffs
