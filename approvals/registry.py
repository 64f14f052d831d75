"""Draft kinds: what approvals knows about drafts, and all it knows.

approvals never imports catalog or forecasting models. Each app registers its
draft kinds here (in its AppConfig.ready) with small functions that snapshot a
draft into plain JSON, name its owner and subject, and apply an approved
snapshot back. The review queue renders, hashes and stores only snapshots.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models


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
    # Normalises an edited snapshot (sanitise, re-run checks); raises ValidationError.
    clean: Callable[[models.Model, dict[str, Any]], dict[str, Any]] | None = None
    # Reasons a snapshot can't be approved as it stands (e.g. over a channel limit).
    blockers: Callable[[dict[str, Any]], list[str]] = lambda snapshot: []
    # Called after approval with the approved snapshot (e.g. to copy it onto the draft row).
    on_approved: Callable[[models.Model, dict[str, Any]], None] | None = None
    # "Try again with this note": enqueue a new version of the draft; returns a job id or None.
    retry: Callable[..., Any] | None = None
    template: str = "approvals/kinds/generic.html"


_kinds: dict[str, DraftKind] = {}


class UnknownDraftKind(LookupError):
    pass


def register(kind: DraftKind) -> DraftKind:
    existing = _kinds.get(kind.name)
    if existing is not None and existing.model is not kind.model:
        raise ValueError(f"Draft kind {kind.name!r} is already registered for {existing.model.__name__}.")
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
