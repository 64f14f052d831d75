"""Draft kinds: what approvals knows about drafts, and all it knows.

approvals never imports catalog or forecasting. Each app registers its draft
kinds here (in its AppConfig.ready) with small functions that snapshot a draft
into plain JSON, name its owner and subject, and apply an approved snapshot
back, and with how its drafts are shown: its own review template, the one-line
summary of the queue, the short names of its checks. The review queue renders,
hashes and stores only snapshots, so a new kind touches only the app that owns it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models

GENERIC_TEMPLATE = "approvals/kinds/generic.html"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")  # fits ReviewItem.kind


def no_picture(snapshot: dict[str, Any]) -> str:
    """The default thumbnail of a kind: none (its drafts are words, not pictures)."""
    return ""


@dataclass(frozen=True)
class DraftKind:
    name: str
    label: str
    model: type[models.Model]
    snapshot: Callable[[models.Model], dict[str, Any]]
    owner: Callable[[models.Model], Any]
    subject: Callable[[models.Model], str]
    subject_key: Callable[[models.Model], str] = lambda draft: ""
    # Fields a reviewer may edit before approving, with an optional length limit.
    editable_fields: dict[str, int | None] = field(default_factory=dict)
    # Editable fields holding HTML, edited as formatted text: {field: the tags the kind's clean() keeps}.
    rich_text: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # Editable fields with a form of their own (`edit_template`, context: `snapshot`), e.g. a plan's
    # quantities: {field: read(posted data, current value) -> new value}; read raises ValidationError.
    edit_readers: Mapping[str, Callable[[Mapping[str, Any], Any], Any]] = field(default_factory=dict)
    edit_template: str = ""
    # Normalises an edited snapshot (sanitise, re-run checks); raises ValidationError.
    clean: Callable[[models.Model, dict[str, Any]], dict[str, Any]] | None = None
    # Reasons a snapshot can't be approved as it stands (e.g. over a channel limit).
    blockers: Callable[[dict[str, Any]], list[str]] = lambda snapshot: []
    # Doubts a reviewer must confirm before approving ("approve anyway"): a plain approval, one key or a
    # bulk approval is refused while there are any; the confirmation is kept in the audit trail.
    concerns: Callable[[dict[str, Any]], list[str]] = lambda snapshot: []
    # Called inside the approving transaction as on_approved(draft, snapshot, user=, options=), with
    # the approved snapshot and the reviewer's choices among `approve_options` (e.g. add to the gallery).
    on_approved: Callable[..., None] | None = None
    # Choices offered beside "Approve", each on unless the reviewer turns it off: {name: label}.
    approve_options: Mapping[str, str] = field(default_factory=dict)
    # "Try again with this note": enqueue a new version of the draft; returns a job id or None.
    retry: Callable[..., Any] | None = None
    # Which notes the retry can follow, shown beside the note box before the reviewer sends it.
    retry_help: Callable[[], str] | None = None
    # A note as the retry will take it, in sentences shown to the reviewer as they type (before sending it).
    retry_reading: Callable[[str], list[str]] | None = None
    # The kind's own page for a snapshot (context: `snapshot`); the generic one lists every field.
    template: str = GENERIC_TEMPLATE
    # One line the queue shows under the subject, so a reviewer can triage without opening it.
    summary: Callable[[dict[str, Any]], str] = lambda snapshot: ""
    # Short names of the kind's check codes (snapshot["checks"][i]["code"]) for the queue's rows.
    check_labels: Mapping[str, str] = field(default_factory=dict)
    # The storage name of a small picture of the snapshot ("" for none): the queue's rows and its grid show it.
    thumbnail: Callable[[dict[str, Any]], str] = no_picture
    # A question the reviewer confirms before approving (a whole production plan): "" for none.
    confirm_approval: str = ""
    # The kind of background job (studio.Job.kind) whose runs make drafts of this kind: a finished job's page
    # lists the drafts it made, and only those ("" when no job makes them).
    made_by_job: str = ""
    # The prefix of that job's units when they name drafts of this kind by id ("staged" for "staged:40");
    # "" when the units name products ("product:12") and the drafts are found by subject.
    job_unit: str = ""
    # Snapshot fields that are bookkeeping, not content: never shown as a change between versions.
    diff_ignored: frozenset[str] = frozenset()

    @property
    def pictured(self) -> bool:
        """Its drafts are pictures: the review grid shows them."""
        return self.thumbnail is not no_picture


_kinds: dict[str, DraftKind] = {}


class UnknownDraftKind(LookupError):
    pass


def register(kind: DraftKind) -> DraftKind:
    """Add a kind; a mistake in one fails at start-up, not on the page a reviewer opens."""
    if not isinstance(kind.name, str) or not _NAME.match(kind.name):
        raise ValueError(f"Draft kind name {kind.name!r} must be lower-case letters, digits and _, at most 40.")
    if not isinstance(kind.template, str) or not kind.template:
        raise TypeError(f"Draft kind {kind.name!r}: template must be a template name, not {kind.template!r}.")
    if not callable(kind.summary):
        raise TypeError(f"Draft kind {kind.name!r}: summary must be a function of a snapshot.")
    if not isinstance(kind.check_labels, Mapping) or not all(
        isinstance(code, str) and isinstance(label, str) for code, label in kind.check_labels.items()
    ):
        raise TypeError(f"Draft kind {kind.name!r}: check_labels must map check codes to labels.")
    existing = _kinds.get(kind.name)
    if existing is not None and existing != kind:  # the same kind twice is harmless (ready() run again)
        raise ValueError(f"Draft kind {kind.name!r} is already registered (for {existing.model.__name__}).")
    _kinds[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    _kinds.pop(name, None)


def get(name: str) -> DraftKind:
    try:
        return _kinds[name]
    except KeyError:
        raise UnknownDraftKind(f"No draft kind named {name!r} is registered.") from None


def find(name: str) -> DraftKind | None:
    """The kind, or None for one no longer registered (its items stay readable)."""
    return _kinds.get(name)


def kind_for(draft: models.Model) -> DraftKind:
    for kind in _kinds.values():
        if isinstance(draft, kind.model):
            return kind
    raise UnknownDraftKind(f"{type(draft).__name__} is not a registered draft kind.")


def all_kinds() -> list[DraftKind]:
    return sorted(_kinds.values(), key=lambda kind: kind.label)
