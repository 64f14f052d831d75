"""The webhooks pages in real Chromium, at a desk and on a phone: a shop manager adds an endpoint, copies the
secret shown once, a listing is approved, and the receiver's signed delivery shows up with its attempt."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from standardwebhooks.webhooks import Webhook

from approvals.models import ReviewItem
from approvals.services import review_decide
from automation.models import Endpoint
from catalog.listings.services import listing_write
from tests.browser.conftest import browser, page, shot, viewport  # noqa: F401  (fixtures)
from tests.browser.test_flows import assert_fits_the_screen
from tests.browser.test_review import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_adds_an_endpoint_and_sees_the_signed_delivery(
    page,  # noqa: F811
    live_server,
    manager,
    own_product,
    receiver,
    loopback_allowed,
):
    sign_in(page, live_server, manager)
    page.goto(f"{live_server.url}/automation/webhooks/")
    assert_fits_the_screen(page)
    page.get_by_label("URL", exact=True).fill(receiver.url)
    page.get_by_label("Name", exact=True).fill("Make: Slack #studio")
    page.get_by_label("draft.approved").check()
    page.get_by_label("Static header name").fill("X-Atelier-Key")
    page.get_by_label("Static header value").fill("make-header-value-123")
    shot(page, "webhooks-add")
    page.get_by_role("button", name="Add endpoint").click()

    endpoint = Endpoint.objects.get()
    expect(page.locator("#signing-secret")).to_have_text(endpoint.secret)
    assert_fits_the_screen(page)
    shot(page, "webhooks-secret")
    page.get_by_role("link", name="I have copied it").click()
    expect(page.locator("body")).not_to_contain_text(endpoint.secret)
    expect(page.locator("body")).not_to_contain_text("make-header-value-123")

    draft = listing_write(product_id=own_product.pk, requested_by_id=manager.pk)
    item = ReviewItem.objects.get(draft_id=draft.pk, kind="listing_copy")
    review_decide(item_id=item.pk, user=manager, approve=True, seen_hash=item.snapshot_hash)
    (got,) = receiver.requests
    assert Webhook(endpoint.secret).verify(got.body, got.headers)["type"] == "draft.approved"
    assert got.headers["x-atelier-key"] == "make-header-value-123"

    page.reload()
    expect(page.locator("body")).to_contain_text(got.headers["webhook-id"])
    expect(page.get_by_role("button", name="Send again")).to_be_visible()
    assert_fits_the_screen(page)
    shot(page, "webhooks-detail")

    page.get_by_label("Why (optional)").fill("Slack channel archived")
    page.get_by_role("button", name="Switch off").click()
    expect(page.locator(".page-head")).to_contain_text("Slack channel archived")
    expect(page.get_by_role("button", name="Switch on")).to_be_visible()
