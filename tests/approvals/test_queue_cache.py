"""The review queue's pages cached under the queue's generation (approvals/cache.py).

A reload with nothing changed reads neither the items nor their count again; every change a
person could see (a decision, a new version, a maker renamed or given a role) shows on the very
next request, for every scope, and a manager's cached page never reaches an artisan.
"""

import json

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from approvals import cache as queue_cache
from approvals.models import QueueGeneration, ReviewItem, ReviewState
from approvals.services import review_decide
from catalog.listings.services import listing_write
from studio.permissions import ARTISANS
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

ITEMS_SQL = 'FROM "approvals_reviewitem"'


def write(product) -> ReviewItem:
    listing_write(product_id=product.pk)
    return ReviewItem.objects.filter(subject_key=f"product:{product.pk}").order_by("-version").first()


@pytest.fixture
def queue(artisan, other_artisan):
    return {
        "mug": write(ProductFactory(maker=artisan, title="Celadon breakfast mug")),
        "bowl": write(ProductFactory(maker=artisan, title="Speckled stoneware bowl")),
        "runner": write(ProductFactory(maker=other_artisan, title="Hand-loomed linen runner")),
    }


def page(client, url=None, **params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url or reverse("review-list"), params)
    assert response.status_code == 200, response.status_code
    items_read = sum(ITEMS_SQL in query["sql"] for query in captured)
    return response.content.decode(), items_read


def test_a_reload_with_nothing_changed_reads_no_items(manager_client, queue):
    first, items_read = page(manager_client)
    assert items_read == 2  # the count and the page's rows
    again, items_read = page(manager_client)
    assert items_read == 0
    assert "3 drafts" in again and "Celadon breakfast mug" in again
    # The same markup but for the form's CSRF token, which is each response's own.
    assert first.count("queue-row") == again.count("queue-row") == 3


def test_a_decision_shows_on_the_next_request(manager_client, artisan_client, artisan, queue):
    page(manager_client), page(artisan_client)
    mug = queue["mug"]
    review_decide(item_id=mug.pk, user=artisan, approve=True, seen_hash=mug.snapshot_hash)
    html, items_read = page(manager_client)
    assert items_read == 2 and "2 drafts" in html and "Celadon breakfast mug" not in html
    html, _ = page(artisan_client)
    assert "1 draft" in html and "Celadon breakfast mug" not in html
    approved, _ = page(manager_client, state=ReviewState.APPROVED)
    assert "Celadon breakfast mug" in approved


def test_a_decision_through_the_page_updates_the_navigation_everywhere(artisan_client, queue):
    dashboard = artisan_client.get(reverse("dashboard")).content.decode()
    assert '<span class="count-badge" aria-hidden="true">2</span>' in dashboard
    mug = queue["mug"]
    response = artisan_client.post(
        reverse("review-decide", args=[mug.pk]), {"decision": "reject", "seen_hash": mug.snapshot_hash, "note": "No."}
    )
    assert response.status_code == 302
    dashboard = artisan_client.get(reverse("dashboard")).content.decode()
    assert '<span class="count-badge" aria-hidden="true">1</span>' in dashboard


def test_a_new_version_shows_on_the_next_request(manager_client, artisan, queue):
    page(manager_client)
    write(ProductFactory(maker=artisan, title="Ink-blue bud vase"))
    html, items_read = page(manager_client)
    assert items_read == 2 and "4 drafts" in html and "Ink-blue bud vase" in html


def test_each_scope_has_its_own_pages(manager_client, artisan_client, client, other_artisan, queue):
    manager_html, _ = page(manager_client)
    assert "Hand-loomed linen runner" in manager_html
    artisan_html, items_read = page(artisan_client)  # after the manager's page was cached
    assert items_read == 2
    assert "Hand-loomed linen runner" not in artisan_html and "2 drafts" in artisan_html
    client.force_login(other_artisan)
    other_html, items_read = page(client)
    assert items_read == 2
    assert "Hand-loomed linen runner" in other_html and "Celadon breakfast mug" not in other_html


def test_filters_and_pages_are_cached_apart(manager_client, artisan, queue):
    page(manager_client)
    mine, items_read = page(manager_client, maker=str(artisan.pk))
    assert items_read == 2 and "Hand-loomed linen runner" not in mine and "2 drafts" in mine
    oldest, items_read = page(manager_client, sort="oldest")
    assert items_read == 1  # its rows; the count of all pending drafts is the one counted already
    assert oldest.index("Celadon breakfast mug") < oldest.index("Hand-loomed linen runner")


def test_a_maker_renamed_or_given_a_role_shows_at_once(manager_client, artisan, queue):
    html, _ = page(manager_client)
    assert "Inès" in html
    artisan.first_name = "Agnès"
    artisan.save()
    html, items_read = page(manager_client)
    assert items_read == 2 and "Agnès" in html and "Inès" not in html

    newcomer = UserFactory(username="wren", first_name="Wren")
    html, _ = page(manager_client)
    assert ">Wren</option>" not in html  # no role yet: not a maker
    newcomer.groups.add(Group.objects.get(name=ARTISANS))
    html, _ = page(manager_client)
    assert ">Wren</option>" in html


def test_signing_in_does_not_empty_the_cache(manager, client, queue):
    client.force_login(manager)
    page(client)
    before = queue_cache.queue_generation()
    client.logout()
    client.force_login(manager)  # saves last_login only
    assert queue_cache.queue_generation() == before
    _, items_read = page(client)
    assert items_read == 0


def test_a_change_rolled_back_never_serves_its_pages_later(manager_client, artisan, queue):
    """The generation is a new random number each time, so one a rolled-back transaction
    reached (and maybe cached a page under) is not reached again by a later change."""
    seen = set()
    for _ in range(3):
        with transaction.atomic():
            write(ProductFactory(maker=artisan, title="Rolled-back vase"))
            seen.add(queue_cache.queue_generation())
            transaction.set_rollback(True)
    after = queue_cache.queue_generation()
    write(ProductFactory(maker=artisan, title="Kept vase"))
    assert queue_cache.queue_generation() not in seen | {after}
    html, _ = page(manager_client)
    assert "Kept vase" in html and "Rolled-back vase" not in html


def test_without_a_generation_row_nothing_is_cached(manager_client, queue):
    QueueGeneration.objects.all().delete()
    _, items_read = page(manager_client)
    again, items_read_again = page(manager_client)
    assert items_read == items_read_again == 2 and "3 drafts" in again
    write(ProductFactory(title="Back again"))  # a change makes the row again
    assert QueueGeneration.objects.filter(pk=1).exists()


def test_the_api_list_is_cached_as_json_until_a_change(manager_client, artisan, queue):
    url = "/api/reviews/"
    with CaptureQueriesContext(connection) as captured:
        first = manager_client.get(url, {"state": "pending"}, HTTP_ACCEPT="application/json")
    assert any(ITEMS_SQL in query["sql"] for query in captured)
    with CaptureQueriesContext(connection) as captured:
        again = manager_client.get(url, {"state": "pending"}, HTTP_ACCEPT="application/json")
    assert not any(ITEMS_SQL in query["sql"] or "approvals_reviewevent" in query["sql"] for query in captured)
    assert again.content == first.content and again["Content-Type"] == "application/json"
    assert json.loads(again.content)["count"] == 3

    mug = queue["mug"]
    review_decide(item_id=mug.pk, user=artisan, approve=True, seen_hash=mug.snapshot_hash)
    pending = json.loads(manager_client.get(url, {"state": "pending"}, HTTP_ACCEPT="application/json").content)
    assert pending["count"] == 2 and mug.pk not in [item["id"] for item in pending["results"]]
    everything = json.loads(manager_client.get(url, HTTP_ACCEPT="application/json").content)
    trail = next(item for item in everything["results"] if item["id"] == mug.pk)["events"]
    assert [event["action"] for event in trail] == ["submitted", "approved"]


def test_the_api_list_keeps_each_scope_apart(manager_client, artisan_client, queue):
    url = "/api/reviews/"
    assert json.loads(manager_client.get(url, HTTP_ACCEPT="application/json").content)["count"] == 3
    mine = json.loads(artisan_client.get(url, HTTP_ACCEPT="application/json").content)
    assert mine["count"] == 2 and {item["owner"] for item in mine["results"]} == {"ines"}


def test_the_browsable_api_is_rendered_each_time(manager_client, queue):
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            response = manager_client.get("/api/reviews/", HTTP_ACCEPT="text/html")
        assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
        assert any(ITEMS_SQL in query["sql"] for query in captured)  # read again: not served from the cache


def test_a_cached_page_carries_each_responses_own_csrf_token(manager, other_artisan, queue):
    """The bulk form's token is filled in per response: a cached page's form still posts."""
    import re

    from django.test import Client

    tokens = []
    for user in (manager, manager):
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(user)
        page(browser)  # fills the cache (the second manager reads it)
        html, items_read = page(browser)
        assert items_read == 0
        bulk_form = html[html.index('id="bulk-form"') :]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', bulk_form).group(1)
        assert "csrf-slot" not in html
        tokens.append(token)
        runner = queue["runner"]
        response = browser.post(
            reverse("review-bulk"),
            {
                "selected": f"{runner.pk}:{runner.snapshot_hash}",
                "decision": "reject",
                "note": "Not yet.",
                "csrfmiddlewaretoken": token,
            },
        )
        assert response.status_code == 302
    assert tokens[0] != tokens[1]
    runner.refresh_from_db()
    assert runner.state == ReviewState.REJECTED
