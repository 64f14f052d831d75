"""A maker makes an API token on their profile, on a phone and at a desk, uses it, and revokes it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shot
from tests.browser.test_flows import assert_fits_the_screen, sign_in
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def maker(transactional_db):
    user = UserFactory(username="ines", first_name="Inès", role="artisan")
    ProductFactory(maker=user, title="Celadon mug")
    ProductFactory(title="Someone else's runner")
    return user


def api_get(url: str, secret: str) -> tuple[int, dict, dict]:
    """A plain HTTP client outside the browser (no cookies): status, headers and JSON body."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {secret}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def open_profile(page) -> None:
    menu = page.locator("details.nav-mobile" if page.viewport_name == "phone" else "details.user-menu")
    menu.locator("summary").click()
    menu.get_by_role("link", name="Profile and API tokens").click()


def test_a_maker_makes_uses_and_revokes_a_token(page, live_server, maker):
    sign_in(page, live_server, "ines")
    open_profile(page)
    expect(page.get_by_role("heading", name="API tokens")).to_be_visible()
    page.get_by_label("Name").fill("Zapier stock alerts")
    page.get_by_label("Write (create, edit, start work)").check()
    page.get_by_label("Expires after").select_option("30")
    page.get_by_role("button", name="Make token").click()

    secret_box = page.locator("[data-token-secret]")
    expect(secret_box).to_be_visible()
    secret = secret_box.input_value()
    assert secret.startswith("atl_")
    assert_fits_the_screen(page)
    shot(page, "api-token-made")

    # The token works from outside the browser, as the maker: only her product.
    status, _headers, body = api_get(f"{live_server.url}/api/products/", secret)
    assert status == 200
    assert [product["title"] for product in body["results"]] == ["Celadon mug"]

    page.reload()  # the secret is gone for good, and reloading made no second token
    expect(page.locator("[data-token-row]")).to_have_count(1)
    expect(page.locator("[data-token-secret]")).to_have_count(0)
    row = page.locator("[data-token-row]").filter(has_text="Zapier stock alerts")
    expect(row).to_contain_text("read, write")
    expect(row).to_contain_text("last used")
    assert_fits_the_screen(page)
    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("requests with it now get 401")).to_be_visible()
    shot(page, "api-token-revoked")

    status, headers, body = api_get(f"{live_server.url}/api/products/", secret)
    assert (status, headers["Content-Type"]) == (401, "application/problem+json")
    assert body["detail"] == "This token was revoked."
