"""The review queue's pages through Django's test client, over real listing-copy drafts.

Drafts are written by catalog.listings.services.listing_write (the offline template
copywriter unless a test swaps in one of the copywriters below), so what the pages
show is what an artisan would see in the studio.
"""

import datetime as dt
import html
import json
import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from approvals import registry
from approvals.forms import DecisionForm
from approvals.models import ReviewEvent, ReviewItem, ReviewState
from approvals.selectors import approved_content
from approvals.services import review_decide, review_submit
from catalog.copywriting.base import Copywriter, ListingBrief, ListingCopy
from catalog.listings.services import listing_write
from catalog.models import ListingDraft
from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"


class FlawedCopywriter(Copywriter):
    """Copy with one thing to fix (a character Etsy refuses) and one to look at (an unbacked claim)."""

    def write(self, *, brief: ListingBrief) -> ListingCopy:
        return ListingCopy(
            title=f"Recycled {brief.title} $25",
            description="<p>Recycled clay, thrown by hand.</p>",
            tags=["stoneware mug", "recycled"],
            seo_title=brief.title,
            seo_description="A stoneware mug, thrown by hand.",
        )


class HostileCopywriter(Copywriter):
    """A copywriter (or a prompt injection) that writes markup into every field."""

    def write(self, *, brief: ListingBrief) -> ListingCopy:
        return ListingCopy(
            title=f"{SCRIPT} {brief.title} {IMG}",
            description=f"<p>Thrown by hand. {SCRIPT}</p>{IMG}<p>&lt;script&gt;alert(2)&lt;/script&gt;</p>",
            tags=["<script>alert(1)", "<img onerror=x>", "stoneware"],
            seo_title=f"{SCRIPT} mug",
            seo_description=f"A mug {IMG}",
            notes=[f"Ignored {SCRIPT}"],
        )


def use_copywriter(settings, cls) -> None:
    settings.ATELIER_BACKENDS = {
        **settings.ATELIER_BACKENDS,
        "copywriter": {"BACKEND": f"{__name__}.{cls.__name__}", "OPTIONS": {}},
    }


def write(product, *, minutes_ago: int | None = None, **kwargs) -> ReviewItem:
    """Write the product's listing copy; returns its newest review item."""
    listing_write(product_id=product.pk, **kwargs)
    item = ReviewItem.objects.filter(subject_key=f"product:{product.pk}").order_by("-version").first()
    if minutes_ago is not None:
        ReviewItem.objects.filter(pk=item.pk).update(submitted_at=timezone.now() - dt.timedelta(minutes=minutes_ago))
        item.refresh_from_db()
    return item


def body(response) -> str:
    return response.content.decode()


def text(response) -> str:
    """The page as a person reads it: tags gone, entities decoded, whitespace collapsed."""
    plain = re.sub(r"<script\b.*?</script>|<[^>]+>", " ", body(response), flags=re.S)
    return " ".join(html.unescape(plain).split())


def shown(response) -> str:
    """text() of a page that rendered (200), for tests that also check what a page leaves out."""
    assert response.status_code == 200, response.status_code
    return text(response)


def detail_url(item, query: str = "") -> str:
    return reverse("review-detail", args=[item.pk]) + (f"?{query}" if query else "")


def decide_url(item) -> str:
    return reverse("review-decide", args=[item.pk])


def post_data(item, decision: str, **fields) -> dict:
    """What the detail page's form posts: every edit box as it was filled in, plus the decision."""
    form = DecisionForm(kind=registry.get(item.kind), snapshot=item.snapshot)
    data = {name: field.initial for name, field in form.fields.items() if name.startswith("edit_")}
    data.update(decision=decision, seen_hash=item.snapshot_hash, **fields)
    return data


def refreshed(item) -> ReviewItem:
    item.refresh_from_db()
    return item


@pytest.fixture
def products(artisan, other_artisan):
    textiles = CategoryFactory(name="Textiles", slug="textiles")
    return {
        "mug": ProductFactory(maker=artisan, title="Celadon breakfast mug"),
        "bowl": ProductFactory(maker=artisan, title="Speckled stoneware bowl"),
        "vase": ProductFactory(maker=artisan, title="Ink-blue bud vase"),
        "runner": ProductFactory(
            maker=other_artisan,
            title="Hand-loomed linen runner",
            category=textiles,
            materials=["Irish linen"],
            techniques=["hand-loomed"],
        ),
    }


@pytest.fixture
def queue(products):
    """Pending listing copy, newest first: vase, bowl, mug (the artisan's), runner (another artisan's) oldest."""
    return {
        "mug": write(products["mug"], minutes_ago=30),
        "bowl": write(products["bowl"], minutes_ago=20),
        "vase": write(products["vase"], minutes_ago=10),
        "runner": write(products["runner"], minutes_ago=40),
    }


# --- Who sees the queue ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, url_name, with_item",
    [
        ("get", "review-list", False),
        ("get", "review-detail", True),
        ("post", "review-decide", True),
        ("post", "review-bulk", False),
    ],
)
def test_anonymous_visitors_are_sent_to_login(client, queue, method, url_name, with_item):
    item = queue["mug"]
    url = reverse(url_name, args=[item.pk] if with_item else [])
    response = getattr(client, method)(url, post_data(item, "approve") if method == "post" else None)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")
    assert refreshed(item).state == ReviewState.PENDING


def test_an_artisan_sees_only_their_own_pending_drafts_newest_first(artisan_client, queue):
    page = shown(artisan_client.get(reverse("review-list")))
    assert "3 drafts · waiting for review" in page
    positions = [
        page.index(title) for title in ("Ink-blue bud vase", "Speckled stoneware bowl", "Celadon breakfast mug")
    ]
    assert positions == sorted(positions)
    assert "linen runner" not in page
    assert "All makers" not in page  # no maker filter for an artisan
    # The copy's own title is previewed in the row.
    assert queue["mug"].snapshot["title"] in page


def test_the_navigation_badge_counts_the_users_pending_drafts(artisan_client, manager_client, queue, artisan):
    page = body(artisan_client.get(reverse("dashboard")))
    assert '<span class="count-badge" aria-hidden="true">3</span>' in page
    assert "(3 drafts waiting)" in page
    assert '<span class="count-badge" aria-hidden="true">4</span>' in body(manager_client.get(reverse("review-list")))

    mug = queue["mug"]
    review_decide(item_id=mug.pk, user=artisan, approve=True, seen_hash=mug.snapshot_hash)
    page = body(artisan_client.get(reverse("review-list")))
    assert '<span class="count-badge" aria-hidden="true">2</span>' in page


def test_the_unfiltered_queue_counts_the_pending_drafts_once(artisan_client, queue):
    """The page's total and the navigation badge are the same number: one COUNT, not two."""
    with CaptureQueriesContext(connection) as captured:
        response = artisan_client.get(reverse("review-list"))
    counts = [query["sql"] for query in captured if query["sql"].startswith("SELECT COUNT(*)")]
    assert len(counts) == 1, counts
    assert '<span class="count-badge" aria-hidden="true">3</span>' in body(response)
    assert "3 drafts · waiting for review" in shown(response)


def test_a_filtered_queue_still_badges_every_pending_draft(artisan_client, queue, products):
    response = artisan_client.get(reverse("review-list"), {"product": products["mug"].pk})
    assert '<span class="count-badge" aria-hidden="true">3</span>' in body(response)
    assert "1 draft · waiting for review" in shown(response)


def test_a_manager_sees_every_makers_drafts_and_filters_by_maker(manager_client, queue, other_artisan):
    page = text(manager_client.get(reverse("review-list")))
    assert "4 drafts" in page and "Hand-loomed linen runner" in page and "Celadon breakfast mug" in page

    response = manager_client.get(reverse("review-list"), {"maker": other_artisan.pk})
    page = shown(response)
    assert "1 draft · waiting for review" in page
    assert "Hand-loomed linen runner" in page
    assert "Celadon breakfast mug" not in page
    assert f'<option value="{other_artisan.pk}" selected>Tomás' in body(response)


def test_the_queue_filters_by_kind(artisan_client, queue, products, product_kind, artisan):
    other_kind = review_submit(draft=ProductFactory(maker=artisan, title="Tenmoku teapot"))
    assert other_kind.kind == "test_product_copy"

    everything = text(artisan_client.get(reverse("review-list")))
    assert "4 drafts" in everything and "Tenmoku teapot" in everything

    listings = artisan_client.get(reverse("review-list"), {"kind": "listing_copy"})
    assert "3 drafts" in shown(listings) and "Tenmoku teapot" not in text(listings)
    assert '<option value="listing_copy" selected>Listing copy</option>' in body(listings)

    others = shown(artisan_client.get(reverse("review-list"), {"kind": "test_product_copy"}))
    assert "1 draft" in others and "Tenmoku teapot" in others and "Celadon breakfast mug" not in others


def test_the_queue_filters_by_product(artisan_client, queue, products):
    page = shown(artisan_client.get(reverse("review-list"), {"product": products["bowl"].pk}))
    assert "1 draft" in page
    assert "Speckled stoneware bowl" in page and "Celadon breakfast mug" not in page
    assert "For one product only" in page
    # Another artisan's product filters to nothing rather than showing it.
    page = shown(artisan_client.get(reverse("review-list"), {"product": products["runner"].pk}))
    assert "Nothing waiting for review" in page and "linen runner" not in page


def test_the_queue_sorts_waiting_longest_first(artisan_client, queue):
    response = artisan_client.get(reverse("review-list"), {"sort": "oldest"})
    page = text(response)
    positions = [
        page.index(title) for title in ("Celadon breakfast mug", "Speckled stoneware bowl", "Ink-blue bud vase")
    ]
    assert positions == sorted(positions)
    assert '<option value="oldest" selected>' in body(response)
    # Rows link to the detail page keeping the order, so next/previous follow it.
    assert f'href="{detail_url(queue["mug"], "sort=oldest")}"' in body(response)


def test_decided_drafts_are_listed_by_state(artisan_client, queue, artisan):
    mug = queue["mug"]
    review_decide(item_id=mug.pk, user=artisan, approve=True, seen_hash=mug.snapshot_hash)
    page = shown(artisan_client.get(reverse("review-list"), {"state": "approved"}))
    assert "1 draft · approved" in page and "Celadon breakfast mug" in page and "Ink-blue bud vase" not in page
    assert "Approve selected" not in page


# --- The detail page --------------------------------------------------------------------------


def test_the_detail_page_shows_the_copy_its_checks_and_the_decision_form(artisan_client, queue):
    mug = queue["mug"]
    response = artisan_client.get(detail_url(mug))
    assert response.status_code == 200
    page = text(response)
    assert "Listing copy · version 1" in page
    assert mug.snapshot["title"] in page
    for tag in mug.snapshot["tags"]:
        assert f'<li class="chip">{tag}</li>' in body(response)
    assert "13 / 13" in page  # tag count against Etsy's limit
    assert "Checks · 2 to look at" in page
    assert "Look The facts don't give care, so the copy says nothing about it: add it to the product's facts" in page
    assert reverse("product-facts-edit", args=[int(mug.subject_key.split(":")[1])]) in body(response)
    assert "No photos yet, so no alt text." in page
    assert "8 checks passed" in page
    assert "Approve version 1" in page and "Edit, then approve" in page and "Reject with a note" in page
    assert '<input type="checkbox" name="retry" id="id_retry" checked aria-describedby="retry-help">' in body(response)
    assert "Try again with this note (writes a new version)" in page
    assert f'name="seen_hash" value="{mug.snapshot_hash}"' in body(response)
    assert "What it replaces" not in page  # nothing approved yet


def test_checks_to_fix_and_to_look_at_are_highlighted(settings, artisan_client, products):
    use_copywriter(settings, FlawedCopywriter)
    item = write(products["mug"])
    response = artisan_client.get(detail_url(item))
    page = text(response)
    assert "Checks · 1 to fix before approving · 2 to look at" in page
    assert "Fix Etsy titles can't contain $." in page
    assert "Look The copy says things the maker's facts don't: recycled." in page
    assert '<li class="check-item check-item--fail">' in body(response)
    assert "<mark>$</mark>" in body(response)
    assert "<mark>recycled</mark>" in body(response)
    # The queue row says so too, naming the checks by the listing kind's labels.
    row = artisan_client.get(reverse("review-list"))
    assert "1 to fix" in text(row)
    assert '<span class="row-check row-check--fail">Characters in the title</span>' in body(row)
    assert '<span class="row-check row-check--warn">Claims the facts don&#x27;t back</span>' in body(row)


def test_checks_that_all_passed_say_so_and_stay_folded_away():
    from django.template.loader import render_to_string

    snapshot = {
        "title": "Mug",
        "tags": [],
        "checks": [
            {"level": "pass", "message": "Title: 3 of 140 characters."},
            {"level": "ok", "message": "A level this page doesn't know is no problem."},
        ],
    }
    page = " ".join(
        html.unescape(
            re.sub(r"<[^>]+>", " ", render_to_string("approvals/_checks.html", {"snapshot": snapshot}))
        ).split()
    )
    assert "Checks · all passed" in page
    assert "2 checks passed OK Title: 3 of 140 characters. OK A level this page doesn't know is no problem." in page
    assert "Look" not in page and "Fix" not in page


def test_the_detail_page_shows_what_the_new_version_replaces(artisan_client, products, artisan):
    first = write(products["mug"])
    review_decide(item_id=first.pk, user=artisan, approve=True, seen_hash=first.snapshot_hash)
    second = write(products["mug"], instructions="Make it shorter.")
    assert second.version == 2 and second.state == ReviewState.PENDING

    response = artisan_client.get(detail_url(second))
    page = shown(response)
    assert "What it replaces" in page
    assert f'href="{detail_url(first)}">Approved version 1</a>' in body(response)
    # "Make it shorter." dropped a closing sentence: it shows as deleted, word for word.
    dropped = re.findall(r"<p>([^<]+)</p>", first.snapshot["description"])[-1]
    assert dropped not in second.snapshot["description"]
    deleted = [html.unescape(d).strip() for d in re.findall(r"<del>(.*?)</del>", body(response), flags=re.S)]
    assert html.unescape(dropped) in deleted, deleted
    assert "<dt>Title</dt>" not in body(response)  # unchanged fields aren't listed

    # The approved version itself has nothing to compare with.
    page = shown(artisan_client.get(detail_url(first)))
    assert "Listing copy · version 1" in page and "Approved v1 · Inès" in page
    assert "What it replaces" not in page


def test_which_copywriter_wrote_a_version_is_no_change_to_review(settings, artisan_client, products, artisan):
    first = write(products["mug"])
    review_decide(item_id=first.pk, user=artisan, approve=True, seen_hash=first.snapshot_hash)
    use_copywriter(settings, FlawedCopywriter)
    second = write(products["mug"])
    assert first.snapshot["writer"] != second.snapshot["writer"]

    response = artisan_client.get(detail_url(second))
    assert response.status_code == 200
    page = body(response)
    assert "What it replaces" in page and "<dt>Title</dt>" in page
    assert "<dt>Writer</dt>" not in page  # the listing kind calls it bookkeeping


def test_next_and_previous_follow_the_queue_order(artisan_client, queue):
    bowl = queue["bowl"]
    page = body(artisan_client.get(detail_url(bowl)))
    assert f'rel="prev" data-prev href="{detail_url(queue["vase"])}"' in page
    assert f'rel="next" data-next href="{detail_url(queue["mug"])}"' in page

    page = body(artisan_client.get(detail_url(bowl, "sort=oldest")))
    assert f'rel="prev" data-prev href="{detail_url(queue["mug"], "sort=oldest")}"' in page
    assert f'rel="next" data-next href="{detail_url(queue["vase"], "sort=oldest")}"' in page

    response = artisan_client.get(detail_url(queue["vase"]))
    assert response.status_code == 200
    newest = body(response)
    assert 'rel="prev"' not in newest and 'rel="next"' in newest


def test_another_artisans_draft_is_404(artisan_client, queue):
    response = artisan_client.get(detail_url(queue["runner"]))
    assert response.status_code == 404
    assert "We couldn't find that page" in body(response)
    assert "linen runner" not in body(response)


# --- Deciding with a plain form post --------------------------------------------------------------


def test_approving_goes_to_the_next_draft_with_a_message(artisan_client, queue, artisan):
    bowl = queue["bowl"]
    response = artisan_client.post(decide_url(bowl), post_data(bowl, "approve"))
    assert response.status_code == 302
    assert response["Location"] == detail_url(queue["mug"])

    bowl = refreshed(bowl)
    assert (bowl.state, bowl.decided_by) == (ReviewState.APPROVED, artisan)
    assert bowl.approved_snapshot == bowl.snapshot
    assert approved_content(draft=ListingDraft.objects.get(product__title="Speckled stoneware bowl")) == bowl.snapshot
    event = bowl.events.last()
    assert (event.action, event.actor, event.version, event.snapshot_hash) == (
        ReviewEvent.Action.APPROVED,
        artisan,
        1,
        bowl.snapshot_hash,
    )

    next_page = text(artisan_client.get(response["Location"]))
    assert "Approved “Speckled stoneware bowl” (version 1)." in next_page
    assert "Celadon breakfast mug" in next_page

    # The approved draft's page shows the decision in its audit trail.
    page = shown(artisan_client.get(detail_url(bowl)))
    assert "Approved v1 · Inès" in page and "Your decision" not in page


def test_approving_the_last_draft_returns_to_the_queue(artisan_client, queue):
    mug = queue["mug"]  # the oldest, last in the newest-first queue
    response = artisan_client.post(decide_url(mug), post_data(mug, "approve"))
    assert response["Location"] == reverse("review-list")


def test_the_queue_order_is_kept_after_a_decision(artisan_client, queue):
    bowl = queue["bowl"]
    response = artisan_client.post(decide_url(bowl), post_data(bowl, "approve", sort="oldest"))
    assert response["Location"] == detail_url(queue["vase"], "sort=oldest")


def test_edit_then_approve_records_what_changed(artisan_client, queue, artisan):
    mug = queue["mug"]
    old_title = mug.snapshot["title"]
    assert old_title == "Celadon Stoneware Breakfast Mug – Wheel-Thrown, 9 cm"
    response = artisan_client.post(decide_url(mug), post_data(mug, "edit", edit_title="Celadon mug for slow mornings"))
    assert response.status_code == 302

    mug = refreshed(mug)
    assert mug.state == ReviewState.APPROVED
    assert mug.approved_snapshot["title"] == "Celadon mug for slow mornings"
    assert mug.approved_snapshot["description"] == mug.snapshot["description"]  # untouched fields stay
    assert mug.snapshot["title"] == old_title  # the version under review is never rewritten
    event = mug.events.last()
    assert event.action == ReviewEvent.Action.EDITED
    assert event.changes == {"title": [old_title, "Celadon mug for slow mornings"]}

    page = artisan_client.get(detail_url(mug))
    assert "Edited and approved" in text(page)
    assert "What was approved, after edits" in text(page)
    changes = re.search(r'<ul class="changes" aria-label="Changes">(.*?)</ul>', body(page), flags=re.S).group(1)
    assert "<strong>Title:</strong>" in changes
    assert (
        '<del><span class="visually-hidden">removed </span>Stoneware Breakfast Mug – Wheel-Thrown, 9 cm</del>'
        in changes
    )
    assert '<ins><span class="visually-hidden">added </span>mug for slow mornings</ins>' in changes


def test_the_audit_trail_shows_edited_tags_as_added_and_removed(artisan_client, queue):
    mug = queue["mug"]
    tags = mug.snapshot["tags"]
    edited = ", ".join(tags[1:] + ["tea lover"])
    assert artisan_client.post(decide_url(mug), post_data(mug, "edit", edit_tags=edited)).status_code == 302
    assert refreshed(mug).events.last().changes == {"tags": [tags, tags[1:] + ["tea lover"]]}
    changes = re.search(
        r'<ul class="changes" aria-label="Changes">(.*?)</ul>\s*</li>',
        body(artisan_client.get(detail_url(mug))),
        flags=re.S,
    ).group(1)
    assert '<li class="chip chip--added"><span class="visually-hidden">added </span>+ tea lover</li>' in changes
    assert f'<li class="chip chip--removed"><span class="visually-hidden">removed </span>− {tags[0]}</li>' in changes
    assert "[" not in changes  # no Python list shown to people


def test_an_edit_over_the_channel_limit_is_refused_and_the_text_kept(artisan_client, queue):
    mug = queue["mug"]
    too_long = "Celadon mug " + "x" * 138
    assert len(too_long) == 150
    response = artisan_client.post(decide_url(mug), post_data(mug, "edit", edit_title=too_long))
    assert response.status_code == 400
    page = body(response)
    assert "Title is 150 characters; the limit is 140." in text(response)
    assert f'value="{too_long}"' in page
    assert "data-decision-form data-edited" in page  # the Approve buttons keep approving the edit
    assert re.search(r'<details class="decision-panel" id="edit" data-panel="edit" open>', page)
    assert refreshed(mug).state == ReviewState.PENDING
    assert not mug.events.exclude(action=ReviewEvent.Action.SUBMITTED).exists()


def test_a_draft_with_something_to_fix_is_approved_only_once_fixed(settings, artisan_client, products):
    use_copywriter(settings, FlawedCopywriter)
    item = write(products["mug"])
    response = artisan_client.post(decide_url(item), post_data(item, "approve"))
    assert response.status_code == 400
    assert "Fix this before approving: Etsy titles can't contain $." in text(response)
    assert refreshed(item).state == ReviewState.PENDING

    fixed = item.snapshot["title"].replace(" $25", "")
    response = artisan_client.post(decide_url(item), post_data(item, "edit", edit_title=fixed))
    assert response.status_code == 302
    item = refreshed(item)
    assert item.state == ReviewState.APPROVED and item.approved_snapshot["title"] == fixed
    assert not [c for c in item.approved_snapshot["checks"] if c["level"] == "fail"]


def test_rejecting_needs_a_note(artisan_client, queue):
    mug = queue["mug"]
    response = artisan_client.post(decide_url(mug), post_data(mug, "reject", note="  "))
    assert response.status_code == 400
    assert "Say why you are rejecting this draft, so the next version can be better." in text(response)
    assert '<details class="decision-panel" id="reject" data-panel="reject" open>' in body(response)
    assert refreshed(mug).state == ReviewState.PENDING


def test_reject_with_try_again_writes_a_new_version(artisan_client, queue, artisan, django_capture_on_commit_callbacks):
    mug = queue["mug"]
    with django_capture_on_commit_callbacks(execute=True):
        response = artisan_client.post(decide_url(mug), post_data(mug, "reject", note="Make it shorter.", retry="on"))
    assert response.status_code == 302

    mug = refreshed(mug)
    assert (mug.state, mug.note, mug.decided_by) == (ReviewState.REJECTED, "Make it shorter.", artisan)
    newer = ReviewItem.objects.get(subject_key=mug.subject_key, state=ReviewState.PENDING)
    assert newer.version == 2 and newer.submitted_by == artisan
    assert ListingDraft.objects.get(pk=mug.draft_id).instructions == "Make it shorter."
    assert "a new version that follows your note is on its way" in text(artisan_client.get(response["Location"]))

    page = text(artisan_client.get(detail_url(mug)))
    assert "Rejected v1 · Inès" in page and "Make it shorter." in page


def test_reject_without_try_again_writes_nothing_new(artisan_client, queue, django_capture_on_commit_callbacks):
    mug = queue["mug"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        artisan_client.post(decide_url(mug), post_data(mug, "reject", note="Not this one."))
    assert callbacks == []
    assert refreshed(mug).state == ReviewState.REJECTED
    assert ReviewItem.objects.filter(subject_key=mug.subject_key).count() == 1


def test_a_decision_on_a_version_that_changed_is_refused_and_the_note_kept(artisan_client, queue, products):
    mug = queue["mug"]
    seen = post_data(mug, "reject", note="The glaze is tenmoku, not celadon.")
    newer = write(products["mug"], instructions="Make it shorter.")  # supersedes what the reviewer saw
    assert refreshed(mug).state == ReviewState.SUPERSEDED

    response = artisan_client.post(decide_url(mug), seen)
    assert response.status_code == 409
    page = text(response)
    assert "This draft changed since you opened it (it is now superseded, version 1)." in page
    assert "Your note, kept for you: The glaze is tenmoku, not celadon." in page
    assert f'href="{detail_url(newer)}"' in body(response)  # a way to the version to decide now
    assert refreshed(mug).state == ReviewState.SUPERSEDED and refreshed(newer).state == ReviewState.PENDING


def test_a_decision_someone_else_made_first_is_refused(artisan_client, manager, queue):
    mug = queue["mug"]
    review_decide(item_id=mug.pk, user=manager, approve=True, seen_hash=mug.snapshot_hash)
    response = artisan_client.post(decide_url(mug), post_data(mug, "reject", note="Too long."))
    assert response.status_code == 409
    assert "it is now approved, version 1" in text(response)
    assert "Too long." in text(response)
    assert refreshed(mug).decided_by == manager


def test_another_artisan_cannot_decide_and_nothing_changes(client, other_artisan, queue):
    client.force_login(other_artisan)
    mug = queue["mug"]
    for decision, extra in [("approve", {}), ("reject", {"note": "no"}), ("edit", {"edit_title": "Mine now"})]:
        response = client.post(decide_url(mug), post_data(mug, decision, **extra))
        assert response.status_code == 404
    mug = refreshed(mug)
    assert mug.state == ReviewState.PENDING and mug.approved_snapshot is None
    assert list(mug.events.values_list("action", flat=True)) == [ReviewEvent.Action.SUBMITTED]


def test_csrf_is_enforced_on_decisions(artisan, queue):
    client = Client(enforce_csrf_checks=True)
    client.force_login(artisan)
    mug = queue["mug"]
    assert client.post(decide_url(mug), post_data(mug, "approve")).status_code == 403
    bulk = {"decision": "approve", "selected": [f"{mug.pk}:{mug.snapshot_hash}"]}
    assert client.post(reverse("review-bulk"), bulk).status_code == 403
    assert refreshed(mug).state == ReviewState.PENDING

    # The page's own form carries a token that works.
    page = body(client.get(detail_url(mug)))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(decide_url(mug), {**post_data(mug, "approve"), "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert refreshed(mug).state == ReviewState.APPROVED


# --- The same decisions for review.js (JSON) -------------------------------------------------------


def post_json(client, url, data):
    return client.post(url, data, HTTP_ACCEPT="application/json")


def test_a_json_decision_answers_where_to_go_next(artisan_client, queue):
    bowl = queue["bowl"]
    response = post_json(artisan_client, decide_url(bowl), post_data(bowl, "approve"))
    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "state": "approved",
        "item": bowl.pk,
        "message": "Approved “Speckled stoneware bowl” (version 1).",
        "next_url": detail_url(queue["mug"]),
    }
    assert refreshed(bowl).state == ReviewState.APPROVED
    # No flash message is left behind for the next page: the script shows it.
    page = shown(artisan_client.get(detail_url(queue["mug"])))
    assert "Celadon breakfast mug" in page and "Approve version 1" in page
    assert "Approved “Speckled stoneware bowl”" not in page


def test_a_json_decision_on_a_changed_draft_is_409(artisan_client, queue, products):
    mug = queue["mug"]
    seen = post_data(mug, "approve")
    newer = write(products["mug"], instructions="Make it shorter.")
    response = post_json(artisan_client, decide_url(mug), seen)
    assert response.status_code == 409
    data = response.json()
    assert data["ok"] is False and data["changed"] is True
    assert "This draft changed since you opened it" in data["errors"][0]
    assert data["current_url"] == detail_url(newer)
    assert refreshed(mug).state == ReviewState.SUPERSEDED and refreshed(newer).state == ReviewState.PENDING


def test_a_json_decision_that_breaks_a_rule_is_400_with_the_reason(artisan_client, queue):
    mug = queue["mug"]
    response = post_json(artisan_client, decide_url(mug), post_data(mug, "reject"))
    assert response.status_code == 400
    assert response.json() == {
        "ok": False,
        "changed": False,
        "errors": ["Say why you are rejecting this draft, so the next version can be better."],
    }
    response = post_json(artisan_client, decide_url(mug), {"decision": "approve", "seen_hash": "nope"})
    assert response.status_code == 400 and response.json()["errors"]


# --- Bulk decisions -----------------------------------------------------------------------------------


def selected(*items, hashes=None):
    return [f"{item.pk}:{(hashes or {}).get(item.pk, item.snapshot_hash)}" for item in items]


def test_bulk_approve_decides_the_selection(artisan_client, queue, artisan):
    response = artisan_client.post(
        reverse("review-bulk"),
        {
            "decision": "approve",
            "selected": selected(queue["mug"], queue["vase"]),
            "state": "pending",
            "sort": "oldest",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("review-list") + "?sort=oldest"
    assert refreshed(queue["mug"]).state == refreshed(queue["vase"]).state == ReviewState.APPROVED
    assert refreshed(queue["bowl"]).state == ReviewState.PENDING
    page = text(artisan_client.get(response["Location"]))
    assert "Approved 2 drafts." in page and "1 draft · waiting for review" in page


def test_bulk_approve_refuses_a_draft_that_changed_and_names_it(artisan_client, queue, products):
    mug, bowl = queue["mug"], queue["bowl"]
    seen = selected(mug, bowl)
    write(products["mug"], instructions="Make it shorter.")
    response = artisan_client.post(reverse("review-bulk"), {"decision": "approve", "selected": seen})
    assert refreshed(mug).state == ReviewState.SUPERSEDED
    assert refreshed(bowl).state == ReviewState.APPROVED
    page = text(artisan_client.get(response["Location"]))
    assert "Approved 1 draft." in page
    assert re.search(r"“Celadon breakfast mug” \(version 1\): This draft changed since you opened it", page), page


def test_bulk_reject_needs_a_note_and_changes_nothing_without_one(artisan_client, queue):
    response = artisan_client.post(
        reverse("review-bulk"), {"decision": "reject", "selected": selected(queue["mug"], queue["bowl"]), "note": ""}
    )
    assert "Say why you are rejecting these drafts" in text(artisan_client.get(response["Location"]))
    assert refreshed(queue["mug"]).state == refreshed(queue["bowl"]).state == ReviewState.PENDING

    response = artisan_client.post(
        reverse("review-bulk"), {"decision": "reject", "selected": selected(queue["mug"]), "note": "Too long."}
    )
    mug = refreshed(queue["mug"])
    assert (mug.state, mug.note) == (ReviewState.REJECTED, "Too long.")


def test_bulk_without_a_selection_says_so(artisan_client, queue):
    response = artisan_client.post(reverse("review-bulk"), {"decision": "approve"})
    assert "Select at least one draft first." in text(artisan_client.get(response["Location"]))


def test_bulk_cannot_reach_another_artisans_draft(artisan_client, queue):
    runner, mug = queue["runner"], queue["mug"]
    response = artisan_client.post(reverse("review-bulk"), {"decision": "approve", "selected": selected(runner, mug)})
    assert refreshed(runner).state == ReviewState.PENDING
    assert refreshed(mug).state == ReviewState.APPROVED
    page = shown(artisan_client.get(response["Location"]))
    assert f"Draft #{runner.pk}: Not found." in page
    assert "linen runner" not in page


def test_bulk_json_reports_each_item(artisan_client, queue, products):
    mug, bowl = queue["mug"], queue["bowl"]
    seen = selected(mug, bowl)
    write(products["mug"], instructions="Make it shorter.")
    response = post_json(artisan_client, reverse("review-bulk"), {"decision": "approve", "selected": seen})
    data = response.json()
    assert data["ok"] is False and data["message"] == "Approved 1 draft."
    assert [(r["id"], r["ok"]) for r in data["results"]] == [(mug.pk, False), (bowl.pk, True)]
    assert "Celadon breakfast mug" in data["results"][0]["message"]


# --- Draft text is shown as text ---------------------------------------------------------------------


class LiveMarkup(HTMLParser):
    """Collects what a browser would run: inline scripts and event-handler attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.handlers: list[tuple[str, str]] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.handlers += [(tag, name) for name, _ in attrs if name.startswith("on")]
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.scripts.append(data)


def assert_inert(response) -> str:
    page = body(response)
    assert response.status_code in (200, 400, 409), response.status_code
    assert "&lt;script&gt;alert(" in page  # the hostile text is on the page, as text …
    assert "<script>alert" not in page  # … and never as markup
    parser = LiveMarkup()
    parser.feed(page)
    assert parser.handlers == [] and parser.scripts == [], (parser.handlers, parser.scripts)
    return page


def test_markup_in_a_draft_is_shown_as_text_everywhere(settings, artisan_client, artisan, client):
    use_copywriter(settings, HostileCopywriter)
    product = ProductFactory(maker=artisan, title=f"Mug {SCRIPT}")
    first = write(product)
    # The hostile title made it into the draft: the pages must cope with it.
    assert SCRIPT in first.snapshot["title"] and IMG in first.snapshot["title"]
    assert "<script>alert(1)" in first.snapshot["tags"]

    page = assert_inert(artisan_client.get(detail_url(first)))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    # The tag chip, its < and > marked as characters Etsy refuses.
    assert "&lt;script&gt;alert(1)</li>" in page.replace("<mark>", "").replace("</mark>", "")
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page  # escaped text in the description stays escaped
    assert_inert(artisan_client.get(reverse("review-list")))

    # Markup outside the description blocks approval, an edit with markup included.
    response = artisan_client.post(decide_url(first), post_data(first, "approve"))
    assert response.status_code == 400 and "Markup in the title" in text(response)
    assert_inert(response)
    response = artisan_client.post(decide_url(first), post_data(first, "edit", edit_title=f"Better {IMG}", note=SCRIPT))
    assert response.status_code == 400 and "Markup in the title" in text(response)
    assert_inert(response)
    # Edited to plain text, with a note with markup, and a newer version to diff against.
    plain = {
        "edit_title": "Better mug",
        "edit_tags": "stoneware",
        "edit_seo_title": "Mug",
        "edit_seo_description": "A mug.",
    }
    response = artisan_client.post(decide_url(first), post_data(first, "edit", note=SCRIPT, **plain))
    assert response.status_code == 302
    message_page = assert_inert(artisan_client.get(response["Location"]))
    assert "Approved “Mug &lt;script&gt;alert(1)&lt;/script&gt;”" in message_page
    assert_inert(artisan_client.get(detail_url(first)))
    product.story = "Now with a story."
    product.save()
    settings.ATELIER_BACKENDS = {
        **settings.ATELIER_BACKENDS,
        "copywriter": {"BACKEND": "catalog.copywriting.template.TemplateCopywriter", "OPTIONS": {}},
    }
    second = write(product)
    page = assert_inert(artisan_client.get(detail_url(second)))
    assert "What it replaces" in page and "&lt;script&gt;" in page

    # Long tags (over Etsy's limit) that a writer slipped past the tidy-up, shown in a failed check.
    draft = ListingDraft.objects.get(product=product)
    draft.tags = [f"{SCRIPT} and far too long", IMG]
    draft.save()
    third = review_submit(draft=draft)
    assert_inert(artisan_client.get(detail_url(third)))
    assert_inert(artisan_client.get(reverse("review-list"), {"state": "approved"}))

    # The refusal pages too.
    response = artisan_client.post(decide_url(third), post_data(third, "edit", edit_title=SCRIPT * 10, note=IMG))
    assert response.status_code == 400
    assert_inert(response)
    response = artisan_client.post(decide_url(first), post_data(first, "reject", note=SCRIPT + IMG))
    assert response.status_code == 409
    assert "Your note, kept for you: " + SCRIPT + IMG in text(response)
    assert_inert(response)


# --- Query counts ---------------------------------------------------------------------------------


def queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


def add_drafts(maker, count: int) -> None:
    for _ in range(count):
        write(ProductFactory(maker=maker))


@pytest.mark.parametrize("who", ["artisan", "manager"])
def test_the_queue_and_the_api_list_cost_the_same_queries_for_3_or_30_drafts(request, who, artisan, other_artisan):
    client = request.getfixturevalue(f"{who}_client")
    add_drafts(artisan, 2)
    add_drafts(other_artisan, 1)
    first = write(ProductFactory(maker=artisan))
    review_decide(item_id=first.pk, user=artisan, approve=True, seen_hash=first.snapshot_hash, note="Good.")
    pages = [
        (reverse("review-list"), {}),
        (reverse("review-list"), {"state": "approved"}),
        ("/api/reviews/", {}),
        ("/api/reviews/", {"state": "pending"}),
    ]
    few = [queries(client, url, **params) for url, params in pages]

    add_drafts(artisan, 18)
    add_drafts(other_artisan, 9)
    for _ in range(3):
        item = write(ProductFactory(maker=artisan))
        review_decide(item_id=item.pk, user=artisan, approve=True, seen_hash=item.snapshot_hash)
    assert ReviewItem.objects.filter(state=ReviewState.PENDING).count() == 30
    many = [queries(client, url, **params) for url, params in pages]
    assert many == few


def test_the_detail_page_costs_a_fixed_number_of_queries(artisan_client, artisan, products):
    item = write(products["mug"])
    review_decide(item_id=item.pk, user=artisan, approve=True, seen_hash=item.snapshot_hash)
    newer = write(products["mug"], instructions="Make it shorter.")
    few = queries(artisan_client, detail_url(newer))
    for _ in range(10):
        write(ProductFactory(maker=artisan))
    assert queries(artisan_client, detail_url(newer)) == few


def test_the_api_lists_the_same_drafts_as_the_queue(artisan_client, queue):
    data = artisan_client.get("/api/reviews/", {"state": "pending"}).json()
    assert {row["id"] for row in data["results"]} == {queue[name].pk for name in ("mug", "bowl", "vase")}
    row = next(r for r in data["results"] if r["id"] == queue["mug"].pk)
    assert row["snapshot"]["title"] == queue["mug"].snapshot["title"]
    assert [event["action"] for event in row["events"]] == ["submitted"]
    assert json.dumps(row)  # plain JSON all the way down


# --- The queue's rows (built in approvals.views, not by the template engine) ----------------------


@pytest.mark.parametrize(
    "summary",
    [
        "Short – and not cut",
        "x" * 110,
        "x" * 111,
        "Cafe\u0301 " * 30,  # decomposed accents: Truncator normalises (NFC) and counts them as one
        "e\u0301" * 110,
        "Plain words and then some more " * 5,
    ],
)
def test_a_row_previews_the_summary_as_truncator_does(summary):
    from django.utils.text import Truncator

    from approvals.views import _truncated

    assert _truncated(summary, 110) == Truncator(summary).chars(110)


def test_a_row_escapes_what_the_draft_says_and_keeps_safe_markup(artisan):
    from django.utils.safestring import mark_safe

    from approvals.views import _e, _queue_row
    from catalog.listings.kind import LISTING_COPY

    hostile = "<script>alert(\"x\")</script> & 'quoted'"
    item = ReviewItem(
        pk=7,
        kind=LISTING_COPY.name,
        version=2,
        state=ReviewState.PENDING,
        owner=artisan,
        subject=hostile,
        snapshot={"title": hostile, "story": ""},
        snapshot_hash="a" * 64,
        submitted_at=timezone.now(),
    )
    row = _queue_row(
        item,
        querystring="kind=a&b=<c>",
        selectable=True,
        urls={
            "review-detail": lambda pk: f"/review/{pk}/",
            "review-decide": lambda pk: f"/review/{pk}/decide/",
        },
    )
    assert "<script>" not in row and "alert(&quot;x&quot;)" in row
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quoted&#x27;"
    assert row.count(escaped) == 3  # the title, the preview (the copy's title) and the checkbox's label
    assert 'href="/review/7/?kind=a&amp;b=&lt;c&gt;"' in row
    assert 'value="7:' + "a" * 64 + '"' in row
    assert _e(mark_safe("<b>kept</b>")) == "<b>kept</b>"
    assert _e(3) == "3" and _e("<>&\"'") == "&lt;&gt;&amp;&quot;&#x27;"
