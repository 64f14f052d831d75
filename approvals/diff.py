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
CHECKS = "checks"  # every kind's checks are re-run on each version: their result is no change of content
# Block markup a rich-text field (a description) is made of. A plain-text field
# that merely contains "<script>" is not HTML: the reviewer must see those characters.
_HTML = re.compile(r"<(?:p|br|ul|ol|li|h[1-6]|div|blockquote)(?:\s[^<>]*)?/?>", re.IGNORECASE)
_BLOCK_END = re.compile(r"</(?:p|li|ul|ol|h[1-6]|div|blockquote)>|<br\s*/?>", re.IGNORECASE)


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


def field_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return ", ".join(field_text(v) for v in (value.values() if isinstance(value, dict) else value))
    text = str(value)
    if _HTML.search(text):  # an HTML field: compare what a reader sees, block by block
        text = html.unescape(nh3.clean(_BLOCK_END.sub("\n", text), tags=set()))
        lines = (" ".join(line.split()) for line in text.splitlines())
        text = "\n".join(line for line in lines if line)
    return text


def text_segments(old: str, new: str) -> list[tuple[str, str]]:
    """Word-level segments. A rewritten phrase reads as one phrase (changes joined
    across single spaces), and a change of whitespace alone is layout, not words."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    blocks: list[list] = []  # [changed, old text, new text]
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        block = [op != "equal", "".join(a[i1:i2]), "".join(b[j1:j2])]
        if block[0] and len(blocks) >= 2 and blocks[-2][0] and not blocks[-1][0] and not blocks[-1][2].strip():
            space = blocks.pop()
            blocks[-1][1] += space[1] + block[1]
            blocks[-1][2] += space[2] + block[2]
        elif block[0] and blocks and blocks[-1][0]:
            blocks[-1][1] += block[1]
            blocks[-1][2] += block[2]
        else:
            blocks.append(block)
    segments: list[tuple[str, str]] = []

    def add(op: str, text: str) -> None:
        if not text:
            return
        if segments and segments[-1][0] == op:
            segments[-1] = (op, segments[-1][1] + text)
        else:
            segments.append((op, text))

    for changed, before, after in blocks:
        if not changed or (not before.strip() and not after.strip()):
            add("equal", after)
            continue
        add("delete", before)
        add("insert", after)
    return segments


def snapshot_diff(
    old: dict[str, Any] | None, new: dict[str, Any], *, ignore: frozenset[str] = frozenset()
) -> list[FieldDiff]:
    """Changed fields only, in the new snapshot's order. `old` None means nothing approved yet;
    `ignore` names the kind's bookkeeping fields (DraftKind.diff_ignored)."""
    if old is None:
        return []
    diffs = []
    for name in list(new) + [key for key in old if key not in new]:
        if name == CHECKS or name in ignore:
            continue
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        diff = FieldDiff(name=name, label=name.replace("_", " ").capitalize())
        if isinstance(before, list) and isinstance(after, list) and all(isinstance(v, str) for v in before + after):
            diff.added = [v for v in after if v not in before]
            diff.removed = [v for v in before if v not in after]
        else:
            diff.segments = text_segments(field_text(before), field_text(after))
        if diff.changed:
            diffs.append(diff)
    return diffs
