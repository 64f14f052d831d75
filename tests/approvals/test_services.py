"""The review queue's one rule: only the exact version a person approved is ever published.

The draft here is a catalog.Product seen through a test draft kind (title + story),
so these tests exercise approvals alone, whatever real kinds the apps register.
"""

import dataclasses
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from approvals import registry
from approvals.models import ReviewEvent, ReviewItem, ReviewState
from approvals.selectors import approved_content, approved_item, pending_count_for, review_items_for
from approvals.services import (
    ConcernsUnconfirmed,
    DraftChanged,
    ReviewError,
    review_decide,
    review_decide_many,
    review_submit,
    snapshot_hash,
)
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db
Action = ReviewEvent.Action


@pytest.fixture
def draft(own_product, product_kind):
    own_product.title = "Celadon mug"
    own_product.story = "Thrown on a kick wheel."
    own_product.save()
    return own_product


def rewrite(product, **fields):
    for name, value in fields.items():
        setattr(product, name, value)
    product.save()
    return product


def actions(item):
    return list(item.events.values_list("action", flat=True))


# --- Submitting --------------------------------------------------------------------------


def test_submitting_queues_version_1_with_an_audit_event(draft, artisan):
    item = review_submit(draft=draft, submitted_by=artisan)
    assert (item.version, item.state, item.kind) == (1, ReviewState.PENDING, "test_product_copy")
    assert item.snapshot == {"title": "Celadon mug", "story": "Thrown on a kick wheel."}
    assert item.snapshot_hash == snapshot_hash(item.snapshot)
    assert (item.owner, item.subject, item.subject_key) == (artisan, "Celadon mug", f"product:{draft.pk}")
    assert item.approved_snapshot is None
    [event] = item.events.all()
    assert (event.action, event.actor, event.version, event.snapshot_hash) == (
        Action.SUBMITTED,
        artisan,
        1,
        item.snapshot_hash,
    )
    assert list(review_items_for(artisan)) == [item]
    assert approved_content(draft=draft) is None


def test_submitting_the_same_content_twice_adds_nothing(draft):
    first = review_submit(draft=draft)
    again = review_submit(draft=draft)
    assert again.pk == first.pk
    assert ReviewItem.objects.count() == 1
    assert ReviewEvent.objects.count() == 1


def test_new_content_is_version_2_and_supersedes_the_pending_version_1(draft, artisan):
    v1 = review_submit(draft=draft)
    v2 = review_submit(draft=rewrite(draft, story="Thrown and trimmed by hand."), submitted_by=artisan)
    v1.refresh_from_db()
    assert (v2.version, v2.state) == (2, ReviewState.PENDING)
    assert v1.state == ReviewState.SUPERSEDED
    assert actions(v1) == [Action.SUBMITTED, Action.SUPERSEDED]
    assert list(review_items_for(artisan)) == [v2]
    assert pending_count_for(artisan) == 1


def test_the_snapshot_is_frozen_whatever_happens_to_the_live_row(draft):
    item = review_submit(draft=draft)
    rewrite(draft, title="Something else")
    item.refresh_from_db()
    assert item.snapshot["title"] == "Celadon mug"


# --- Deciding ----------------------------------------------------------------------------


def test_approving_the_version_seen_approves_exactly_that_snapshot(draft, artisan):
    item = review_submit(draft=draft)
    decided = review_decide(item_id=item.pk, user=artisan, approve=True, seen_hash=item.snapshot_hash)
    item.refresh_from_db()
    assert item.state == ReviewState.APPROVED == decided.state
    assert item.approved_snapshot == item.snapshot
    assert item.approved_hash == item.snapshot_hash
    assert (item.decided_by, item.decided_at is not None) == (artisan, True)
    event = item.events.last()
    assert (event.action, event.actor, event.snapshot_hash, event.result_hash) == (
        Action.APPROVED,
        artisan,
        item.snapshot_hash,
        "",
    )
    assert approved_content(draft=draft) == {"title": "Celadon mug", "story": "Thrown on a kick wheel."}


def test_a_stale_hash_is_refused_and_nothing_changes(draft, artisan):
    v1 = review_submit(draft=draft)
    v2 = review_submit(draft=rewrite(draft, title="Celadon mug, large"))
    with pytest.raises(DraftChanged, match="changed since you opened it"):
        review_decide(item_id=v2.pk, user=artisan, approve=True, seen_hash=v1.snapshot_hash)
    v2.refresh_from_db()
    assert v2.state == ReviewState.PENDING
    assert actions(v2) == [Action.SUBMITTED]
    assert approved_content(draft=draft) is None


def test_deciding_a_superseded_version_is_refused(draft, artisan):
    v1 = review_submit(draft=draft)
    review_submit(draft=rewrite(draft, title="Celadon mug, large"))
    with pytest.raises(DraftChanged):
        review_decide(item_id=v1.pk, user=artisan, approve=True, seen_hash=v1.snapshot_hash)
    assert approved_content(draft=draft) is None


def test_deciding_an_item_twice_is_refused(draft, artisan, manager):
    item = review_submit(draft=draft)
    review_decide(item_id=item.pk, user=artisan, approve=True, seen_hash=item.snapshot_hash)
    with pytest.raises(DraftChanged, match="approved"):
        review_decide(item_id=item.pk, user=manager, approve=False, seen_hash=item.snapshot_hash, note="no")
    item.refresh_from_db()
    assert item.state == ReviewState.APPROVED
    assert item.decided_by == artisan
    assert actions(item) == [Action.SUBMITTED, Action.APPROVED]


def test_rejecting_needs_a_note(draft, artisan):
    item = review_submit(draft=draft)
    with pytest.raises(ReviewError, match="Say why"):
        review_decide(item_id=item.pk, user=artisan, approve=False, seen_hash=item.snapshot_hash, note="  ")
    item.refresh_from_db()
    assert item.state == ReviewState.PENDING
    assert actions(item) == [Action.SUBMITTED]


def test_rejecting_with_a_note_records_it(draft, artisan):
    item = review_submit(draft=draft)
    review_decide(item_id=item.pk, user=artisan, approve=False, seen_hash=item.snapshot_hash, note="Too plain.")
    item.refresh_from_db()
    assert (item.state, item.note, item.decided_by) == (ReviewState.REJECTED, "Too plain.", artisan)
    event = item.events.last()
    assert (event.action, event.note) == (Action.REJECTED, "Too plain.")
    assert approved_content(draft=draft) is None


def test_edit_then_approve_keeps_the_frozen_snapshot_and_records_the_changes(draft, artisan):
    item = review_submit(draft=draft)
    review_decide(
        item_id=item.pk,
        user=artisan,
        approve=True,
        seen_hash=item.snapshot_hash,
        edits={"title": "Celadon mug — hand-thrown", "story": "Thrown on a kick wheel."},
    )
    item.refresh_from_db()
    assert item.snapshot == {"title": "Celadon mug", "story": "Thrown on a kick wheel."}
    assert item.approved_snapshot == {"title": "Celadon mug — hand-thrown", "story": "Thrown on a kick wheel."}
    assert item.approved_hash == snapshot_hash(item.approved_snapshot) != item.snapshot_hash
    event = item.events.last()
    assert event.action == Action.EDITED
    assert event.changes == {"title": ["Celadon mug", "Celadon mug — hand-thrown"]}  # the unchanged story isn't listed
    assert event.result_hash == item.approved_hash
    assert approved_content(draft=draft)["title"] == "Celadon mug — hand-thrown"


def test_an_edit_that_changes_nothing_is_a_plain_approval(draft, artisan):
    item = review_submit(draft=draft)
    review_decide(
        item_id=item.pk, user=artisan, approve=True, seen_hash=item.snapshot_hash, edits={"title": "Celadon mug"}
    )
    assert item.events.last().action == Action.APPROVED
    assert item.events.last().changes == {}


def test_an_edit_over_the_length_limit_is_refused_and_nothing_is_saved(draft, artisan):
    item = review_submit(draft=draft)
    with pytest.raises(ReviewError, match="Title is 141 characters; the limit is 140"):
        review_decide(
            item_id=item.pk, user=artisan, approve=True, seen_hash=item.snapshot_hash, edits={"title": "x" * 141}
        )
    item.refresh_from_db()
    assert (item.state, item.approved_snapshot) == (ReviewState.PENDING, None)
    assert actions(item) == [Action.SUBMITTED]


def test_an_edit_to_a_field_that_is_not_editable_is_refused(draft, artisan):
    item = review_submit(draft=draft)
    with pytest.raises(ReviewError, match="can't be edited here: price"):
        review_decide(item_id=item.pk, user=artisan, approve=True, seen_hash=item.snapshot_hash, edits={"price": "1"})
    item.refresh_from_db()
    assert item.state == ReviewState.PENDING


def test_the_kinds_clean_and_blockers_can_stop_an_approval(draft, artisan, product_kind):
    def clean(product, snapshot):
        if "!" in snapshot["title"]:
            raise ValidationError("No exclamation marks in titles.")
        return {**snapshot, "title": snapshot["title"].strip()}

    registry.unregister(product_kind.name)
    registry.register(
        dataclasses.replace(
            product_kind,
            clean=clean,
            blockers=lambda snapshot: ["Story is empty."] if not snapshot["story"] else [],
        )
    )
    item = review_submit(draft=draft)
    with pytest.raises(ReviewError, match="No exclamation marks"):
        review_decide(
            item_id=item.pk, user=artisan, approve=True, seen_hash=item.snapshot_hash, edits={"title": "Mug!"}
        )
    with pytest.raises(ReviewError, match="Fix this before approving: Story is empty."):
        review_decide(item_id=item.pk, user=artisan, approve=True, seen_hash=item.snapshot_hash, edits={"story": ""})
    item.refresh_from_db()
    assert item.state == ReviewState.PENDING
    review_decide(item_id=item.pk, user=artisan, approve=True, seen_hash=item.snapshot_hash, edits={"title": "  Mug  "})
    assert approved_content(draft=draft)["title"] == "Mug"


def test_a_draft_with_concerns_is_approved_only_anyway_and_the_trail_says_so(draft, artisan, product_kind):
    registry.unregister(product_kind.name)
    registry.register(
        dataclasses.replace(product_kind, concerns=lambda snapshot: ["The label was cut away."] if snapshot else [])
    )
    item = review_submit(draft=draft)

    with pytest.raises(ConcernsUnconfirmed, match="The label was cut away.") as refused:
        review_decide(item_id=item.pk, user=artisan, approve=True, seen_hash=item.snapshot_hash)
    assert refused.value.concerns == ["The label was cut away."]
    item.refresh_from_db()
    assert item.state == ReviewState.PENDING and approved_content(draft=draft) is None
    [result] = review_decide_many(user=artisan, decisions=[(item.pk, item.snapshot_hash)], approve=True)
    assert not result.ok and "Approve anyway" in result.message

    review_decide(item_id=item.pk, user=artisan, approve=True, seen_hash=item.snapshot_hash, note="Fine.", anyway=True)

    item.refresh_from_db()
    assert item.state == ReviewState.APPROVED
    assert item.note == "Fine.\nApproved anyway, despite: The label was cut away."
    assert item.events.get(action=Action.APPROVED).note == item.note


def test_concerns_never_stop_a_rejection(draft, artisan, product_kind):
    registry.unregister(product_kind.name)
    registry.register(dataclasses.replace(product_kind, concerns=lambda snapshot: ["Odd."]))
    item = review_submit(draft=draft)

    review_decide(item_id=item.pk, user=artisan, approve=False, seen_hash=item.snapshot_hash, note="Broken.")

    assert ReviewItem.objects.get(pk=item.pk).state == ReviewState.REJECTED


def test_reject_with_retry_asks_the_kind_for_a_new_version_after_commit(
    draft, artisan, product_kind, django_capture_on_commit_callbacks
):
    calls = []
    registry.unregister(product_kind.name)
    registry.register(dataclasses.replace(product_kind, retry=lambda **kwargs: calls.append(kwargs)))
    item = review_submit(draft=draft)
    with django_capture_on_commit_callbacks(execute=True):
        review_decide(
            item_id=item.pk,
            user=artisan,
            approve=False,
            seen_hash=item.snapshot_hash,
            note="Mention the glaze.",
            retry=True,
        )
    assert calls == [{"draft": draft, "note": "Mention the glaze.", "user": artisan}]


# --- Who may decide ----------------------------------------------------------------------


def test_an_artisan_cannot_decide_another_artisans_draft(draft, other_artisan):
    item = review_submit(draft=draft)
    with pytest.raises(ReviewItem.DoesNotExist):
        review_decide(item_id=item.pk, user=other_artisan, approve=True, seen_hash=item.snapshot_hash)
    item.refresh_from_db()
    assert item.state == ReviewState.PENDING
    assert list(review_items_for(other_artisan)) == []


def test_an_outsider_cannot_decide_anything(draft, outsider):
    item = review_submit(draft=draft)
    with pytest.raises(ReviewItem.DoesNotExist):
        review_decide(item_id=item.pk, user=outsider, approve=False, seen_hash=item.snapshot_hash, note="no")
    assert ReviewItem.objects.get(pk=item.pk).state == ReviewState.PENDING


def test_a_manager_may_decide_any_artisans_draft(draft, manager):
    item = review_submit(draft=draft)
    review_decide(item_id=item.pk, user=manager, approve=True, seen_hash=item.snapshot_hash)
    assert ReviewItem.objects.get(pk=item.pk).decided_by == manager


def test_deciding_many_reports_each_item_on_its_own(draft, others_product, artisan, product_kind):
    mine = review_submit(draft=draft)
    theirs = review_submit(draft=others_product)
    other_mine = review_submit(draft=ProductFactory(maker=artisan, title="Bowl"))
    results = review_decide_many(
        user=artisan,
        decisions=[(mine.pk, mine.snapshot_hash), (theirs.pk, theirs.snapshot_hash), (other_mine.pk, "0" * 64)],
        approve=True,
    )
    assert [(r.item_id, r.ok) for r in results] == [(mine.pk, True), (theirs.pk, False), (other_mine.pk, False)]
    assert results[1].message == "Not found."
    assert "changed since you opened it" in results[2].message
    assert ReviewItem.objects.get(pk=theirs.pk).state == ReviewState.PENDING


# --- What gets published -------------------------------------------------------------------


def test_approved_content_is_the_approved_snapshot_not_the_live_row(draft, artisan):
    item = review_submit(draft=draft)
    review_decide(item_id=item.pk, user=artisan, approve=True, seen_hash=item.snapshot_hash)
    rewrite(draft, title="Renamed after approval")
    assert approved_content(draft=draft) == {"title": "Celadon mug", "story": "Thrown on a kick wheel."}


def test_a_newer_approval_supersedes_the_older_and_a_pending_version_changes_nothing(draft, artisan, manager):
    v1 = review_submit(draft=draft)
    review_decide(item_id=v1.pk, user=artisan, approve=True, seen_hash=v1.snapshot_hash)
    v2 = review_submit(draft=rewrite(draft, title="Celadon mug v2"))
    assert approved_content(draft=draft)["title"] == "Celadon mug"  # v2 still pending
    review_decide(item_id=v2.pk, user=manager, approve=True, seen_hash=v2.snapshot_hash)
    v1.refresh_from_db()
    assert v1.state == ReviewState.SUPERSEDED
    assert v1.decided_by == artisan  # the original decision stays on record
    assert actions(v1) == [Action.SUBMITTED, Action.APPROVED, Action.SUPERSEDED]
    assert approved_content(draft=draft)["title"] == "Celadon mug v2"
    assert approved_item(draft=draft) == v2

    review_submit(draft=rewrite(draft, title="Celadon mug v3"))
    assert approved_content(draft=draft)["title"] == "Celadon mug v2"
    assert ReviewItem.objects.filter(draft_id=draft.pk, state=ReviewState.APPROVED).count() == 1


def test_a_rejected_newer_version_leaves_the_approved_one_published(draft, artisan):
    v1 = review_submit(draft=draft)
    review_decide(item_id=v1.pk, user=artisan, approve=True, seen_hash=v1.snapshot_hash)
    v2 = review_submit(draft=rewrite(draft, title="Worse title"))
    review_decide(item_id=v2.pk, user=artisan, approve=False, seen_hash=v2.snapshot_hash, note="Worse.")
    assert approved_content(draft=draft)["title"] == "Celadon mug"


def test_approved_content_of_one_draft_ignores_other_drafts(draft, others_product, other_artisan):
    theirs = review_submit(draft=others_product)
    review_decide(item_id=theirs.pk, user=other_artisan, approve=True, seen_hash=theirs.snapshot_hash)
    assert approved_content(draft=draft) is None


# --- The audit trail is append-only ------------------------------------------------------------


def test_audit_events_cannot_be_changed_or_deleted(draft, artisan):
    item = review_submit(draft=draft)
    review_decide(item_id=item.pk, user=artisan, approve=True, seen_hash=item.snapshot_hash)
    event = item.events.last()
    event.note = "rewritten history"
    with pytest.raises(TypeError, match="append-only"):
        event.save()
    with pytest.raises(TypeError, match="append-only"):
        event.delete()
    with pytest.raises(TypeError, match="append-only"):
        ReviewEvent.objects.filter(pk=event.pk).update(note="rewritten")
    with pytest.raises(TypeError, match="append-only"):
        ReviewEvent.objects.all().delete()
    with pytest.raises(TypeError, match="append-only"):
        item.events.update(note="rewritten")
    with pytest.raises(TypeError, match="append-only"), transaction.atomic():
        ReviewEvent.objects.bulk_update([event], ["note"])
    assert ReviewEvent.objects.restrict(artisan).count() == 2
    assert list(ReviewEvent.objects.values_list("note", flat=True)) == ["", ""]


def test_a_review_item_with_history_cannot_be_deleted(draft):
    from django.db.models import ProtectedError

    item = review_submit(draft=draft)
    with pytest.raises(ProtectedError):
        item.delete()


# --- Property: approved_content is always the last approved snapshot ------------------------------

OPS = st.one_of(
    st.tuples(
        st.just("rewrite"), st.sampled_from(["Mug", "Bowl", "Vase", "Jug"]), st.sampled_from(["", "Glazed.", "Raw."])
    ),
    st.tuples(st.just("submit")),
    st.tuples(st.just("approve")),
    st.tuples(st.just("approve_stale")),
    st.tuples(st.just("reject")),
    st.tuples(st.just("edit_approve"), st.text(alphabet="abcdef ", min_size=1, max_size=12)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(OPS, max_size=14))
def test_approved_content_always_matches_a_model_of_the_queue(artisan, product_kind, ops):
    product = ProductFactory(maker=artisan, title="Mug", story="")
    expected = None  # the model: what a person approved last

    def latest():
        return ReviewItem.objects.filter(draft_id=product.pk, kind=product_kind.name).order_by("-version").first()

    for op in ops:
        item = latest()
        pending = item if item is not None and item.state == ReviewState.PENDING else None
        if op[0] == "rewrite":
            rewrite(product, title=op[1], story=op[2])
        elif op[0] == "submit":
            review_submit(draft=product)
        elif op[0] == "approve":
            if pending is None:
                if item is not None:
                    with pytest.raises(DraftChanged):
                        review_decide(item_id=item.pk, user=artisan, approve=True, seen_hash=item.snapshot_hash)
                continue
            review_decide(item_id=pending.pk, user=artisan, approve=True, seen_hash=pending.snapshot_hash)
            expected = pending.snapshot
        elif op[0] == "approve_stale":
            if pending is None:
                continue
            older = [i.snapshot_hash for i in ReviewItem.objects.filter(draft_id=product.pk, kind=product_kind.name)]
            stale = next((h for h in older if h != pending.snapshot_hash), "0" * 64)
            with pytest.raises(DraftChanged):
                review_decide(item_id=pending.pk, user=artisan, approve=True, seen_hash=stale)
        elif op[0] == "reject":
            if pending is None:
                continue
            review_decide(item_id=pending.pk, user=artisan, approve=False, seen_hash=pending.snapshot_hash, note="No.")
        elif op[0] == "edit_approve":
            if pending is None:
                continue
            review_decide(
                item_id=pending.pk, user=artisan, approve=True, seen_hash=pending.snapshot_hash, edits={"title": op[1]}
            )
            expected = {**pending.snapshot, "title": op[1]}
        assert approved_content(draft=product) == expected
        approved = ReviewItem.objects.filter(draft_id=product.pk, kind=product_kind.name, state=ReviewState.APPROVED)
        assert approved.count() == (0 if expected is None else 1)
        assert (
            ReviewItem.objects.filter(draft_id=product.pk, kind=product_kind.name, state=ReviewState.PENDING).count()
            <= 1
        )


# --- Two reviewers at the same moment (PostgreSQL row locks) ----------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_deciding_at_once_only_one_wins(artisan, manager, own_product, product_kind):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    item = review_submit(draft=own_product)
    barrier = threading.Barrier(2)
    outcomes = {}

    def decide(name, user, approve):
        try:
            barrier.wait()
            review_decide(
                item_id=item.pk, user=user, approve=approve, seen_hash=item.snapshot_hash, note="Not this one."
            )
            outcomes[name] = "ok"
        except DraftChanged:
            outcomes[name] = "changed"
        except Exception as exc:  # anything else is a failure, reported below
            outcomes[name] = repr(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=("artisan", artisan, True)),
        threading.Thread(target=decide, args=("manager", manager, False)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes.values()) == ["changed", "ok"], outcomes
    decisions = ReviewEvent.objects.filter(item=item, action__in=[Action.APPROVED, Action.REJECTED])
    assert decisions.count() == 1
    item.refresh_from_db()
    winner = "artisan" if outcomes["artisan"] == "ok" else "manager"
    assert item.state == (ReviewState.APPROVED if winner == "artisan" else ReviewState.REJECTED)


def test_resubmitting_the_approved_content_returns_the_approved_version(draft, manager):
    item = review_submit(draft=draft)
    review_decide(item_id=item.pk, user=manager, approve=True, seen_hash=item.snapshot_hash)
    again = review_submit(draft=draft)
    assert again.pk == item.pk
    assert again.state == ReviewState.APPROVED
    assert ReviewItem.objects.count() == 1
