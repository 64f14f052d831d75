"""Writes to the review queue: submit a draft version, decide on it.

Every state change happens here, inside a transaction, with the item row locked,
and leaves an audit event. A decision names the snapshot hash the reviewer saw;
if the item moved on since, the decision is refused and nothing changes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from approvals import registry
from approvals.models import ReviewEvent, ReviewItem, ReviewState
from studio import events
from studio.permissions import DECIDE


class ReviewError(Exception):
    """A decision that can't be made, with a message for the reviewer."""


class ConcernsUnconfirmed(ReviewError):
    """The draft has doubts the reviewer hasn't confirmed (the kind's `concerns`): approve it anyway, or don't."""

    def __init__(self, concerns: list[str]):
        self.concerns = concerns
        super().__init__(
            "This draft was flagged: " + " ".join(concerns) + " Look at it, then choose “Approve anyway” to approve it."
        )


class DraftChanged(ReviewError):
    def __init__(self, item: ReviewItem):
        self.item = item
        super().__init__(
            "This draft changed since you opened it "
            f"(it is now {item.get_state_display().lower()}, version {item.version}). "
            "Nothing was saved; look at the current version and decide again."
        )


def canonical_json(data: Any) -> Any:
    """Plain-JSON copy of a snapshot (dates, decimals become strings)."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def snapshot_hash(snapshot: Any) -> str:
    encoded = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def review_submit(*, draft: models.Model, submitted_by=None) -> ReviewItem:
    """Put the draft's current content in the queue as its next version.

    A pending older version is superseded. Submitting content identical to the
    latest version, pending or approved, returns that version, so a task that
    runs twice adds nothing and nobody reviews what they already approved.
    """
    kind = registry.kind_for(draft)
    snapshot = canonical_json(kind.snapshot(draft))
    digest = snapshot_hash(snapshot)
    draft_type = ContentType.objects.get_for_model(draft)

    with transaction.atomic():
        history = list(
            ReviewItem.objects.select_for_update().filter(draft_type=draft_type, draft_id=draft.pk).order_by("-version")
        )
        latest = history[0] if history else None
        if (
            latest is not None
            and latest.snapshot_hash == digest
            and latest.state
            in (
                ReviewState.PENDING,
                ReviewState.APPROVED,
            )
        ):
            return latest
        for older in history:
            if older.state == ReviewState.PENDING:
                _close(older, ReviewState.SUPERSEDED, ReviewEvent.Action.SUPERSEDED, actor=submitted_by)
        item = ReviewItem.objects.create(
            kind=kind.name,
            draft_type=draft_type,
            draft_id=draft.pk,
            version=(latest.version + 1) if latest else 1,
            owner=kind.owner(draft),
            subject=kind.subject(draft)[:200],
            subject_key=kind.subject_key(draft),
            snapshot=snapshot,
            snapshot_hash=digest,
            submitted_by=submitted_by,
        )
        ReviewEvent.objects.create(
            item=item,
            action=ReviewEvent.Action.SUBMITTED,
            actor=submitted_by,
            version=item.version,
            snapshot_hash=digest,
        )
        events.emit(events.DraftSubmitted(**_event_fields(item, draft, by=submitted_by)))
    return item


def review_decide(
    *,
    item_id: int,
    user,
    approve: bool,
    seen_hash: str,
    note: str = "",
    edits: dict[str, Any] | None = None,
    retry: bool = False,
    options: dict[str, bool] | None = None,
    anyway: bool = False,
) -> ReviewItem:
    """Approve (optionally with edits) or reject the version the reviewer saw.

    With retry=True a rejection asks the draft's kind for a new version that
    follows the note (after the transaction commits). `options` are the reviewer's
    choices among the kind's approve_options; one not given is on. A draft with concerns (the
    kind's doubts about it) is approved only with anyway=True, and the note records what was overridden.

    Raises ReviewItem.DoesNotExist when the user may not decide this item (the
    view answers 404), DraftChanged when it is no longer the version they saw,
    ReviewError for an edit that breaks the kind's rules.
    """
    with transaction.atomic():
        item = ReviewItem.objects.select_for_update().restrict(user, DECIDE).get(pk=item_id)
        if item.state != ReviewState.PENDING or item.snapshot_hash != seen_hash:
            raise DraftChanged(item)
        kind = registry.get(item.kind)
        if not approve:
            if not note.strip():
                raise ReviewError("Say why you are rejecting this draft, so the next version can be better.")
            _close(item, ReviewState.REJECTED, ReviewEvent.Action.REJECTED, actor=user, note=note)
            events.emit(events.DraftRejected(**_event_fields(item, item.draft, by=user), note=note))
            if retry and kind.retry is not None and item.draft is not None:
                draft = item.draft
                transaction.on_commit(lambda: kind.retry(draft=draft, note=note, user=user))
            return item

        approved, changes = _apply_edits(kind, item.snapshot, edits or {})
        if kind.clean is not None and changes:
            try:
                approved = canonical_json(kind.clean(item.draft, approved))
            except ValidationError as exc:
                raise ReviewError(" ".join(exc.messages)) from None
        blockers = kind.blockers(approved)
        if blockers:
            raise ReviewError("Fix this before approving: " + " ".join(blockers))
        concerns = kind.concerns(approved)
        if concerns and not anyway:
            raise ConcernsUnconfirmed(concerns)
        if concerns:
            overridden = "Approved anyway, despite: " + " ".join(concerns)
            note = f"{note.strip()}\n{overridden}".strip() if note.strip() else overridden
        for previous in ReviewItem.objects.select_for_update().filter(
            draft_type=item.draft_type_id, draft_id=item.draft_id, state=ReviewState.APPROVED
        ):
            _close(previous, ReviewState.SUPERSEDED, ReviewEvent.Action.SUPERSEDED, actor=user, keep_decision=True)
        item.approved_snapshot = approved
        item.approved_hash = snapshot_hash(approved)
        _close(
            item,
            ReviewState.APPROVED,
            ReviewEvent.Action.EDITED if changes else ReviewEvent.Action.APPROVED,
            actor=user,
            note=note,
            changes=changes,
        )
        draft = item.draft
        if kind.on_approved is not None and draft is not None:
            chosen = {name: bool((options or {}).get(name, True)) for name in kind.approve_options}
            kind.on_approved(draft, approved, user=user, options=chosen)
        events.emit(events.DraftApproved(**_event_fields(item, draft, by=user), snapshot=approved))
    return item


def _event_fields(item: ReviewItem, draft: models.Model | None, *, by) -> dict[str, Any]:
    return {
        "kind": item.kind,
        "draft": draft,
        "draft_id": item.draft_id,
        "item_id": item.pk,
        "version": item.version,
        "subject": item.subject,
        "owner_id": item.owner_id,
        "by_id": getattr(by, "pk", None),
    }


@dataclass
class BulkResult:
    item_id: int
    ok: bool
    message: str = ""


def review_decide_many(*, user, decisions: list[tuple[int, str]], approve: bool, note: str = "") -> list[BulkResult]:
    """Decide a selection, each item on its own: one that changed doesn't stop the rest."""
    results = []
    for item_id, seen_hash in decisions:
        try:
            review_decide(item_id=item_id, user=user, approve=approve, seen_hash=seen_hash, note=note)
        except ReviewItem.DoesNotExist:
            results.append(BulkResult(item_id, False, "Not found."))
        except ReviewError as exc:
            results.append(BulkResult(item_id, False, str(exc)))
        else:
            results.append(BulkResult(item_id, True))
    return results


def _apply_edits(kind: registry.DraftKind, snapshot: dict, edits: dict[str, Any]) -> tuple[dict, dict]:
    unknown = set(edits) - set(kind.editable_fields)
    if unknown:
        raise ReviewError(f"These fields can't be edited here: {', '.join(sorted(unknown))}.")
    approved = dict(snapshot)
    changes: dict[str, list] = {}
    for name, value in edits.items():
        value = canonical_json(value)
        limit = kind.editable_fields[name]
        if limit is not None and isinstance(value, str) and len(value) > limit:
            raise ReviewError(
                f"{name.replace('_', ' ').capitalize()} is {len(value)} characters; the limit is {limit}."
            )
        if snapshot.get(name) != value:
            changes[name] = [snapshot.get(name), value]
            approved[name] = value
    return approved, changes


def _close(
    item: ReviewItem,
    state: str,
    action: str,
    *,
    actor,
    note: str = "",
    changes: dict | None = None,
    keep_decision: bool = False,
) -> None:
    item.state = state
    if not keep_decision:
        item.decided_by = actor
        item.decided_at = timezone.now()
        item.note = note
    item.save()
    ReviewEvent.objects.create(
        item=item,
        action=action,
        actor=actor,
        version=item.version,
        snapshot_hash=item.snapshot_hash,
        result_hash=item.approved_hash if item.approved_hash != item.snapshot_hash else "",
        note=note,
        changes=changes or {},
    )
