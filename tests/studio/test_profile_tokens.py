"""The profile page's API tokens: made with a name, scopes and expiry, shown once, revoked; managers see all in the admin."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client

from studio.api.services import api_token_create, token_digest
from studio.models import ApiToken

pytestmark = pytest.mark.django_db

URL = "/accounts/profile/"


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_the_user_menu_links_to_the_profile(artisan_client):
    assert f'href="{URL}"' in artisan_client.get("/").content.decode()


def test_anonymous_visitors_are_sent_to_log_in():
    response = Client().get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_making_a_token_shows_the_secret_once(artisan, artisan_client, own_product):
    made = artisan_client.post(URL, {"name": "Zapier stock alerts", "scopes": ["read", "write"], "days": "30"})
    assert made.status_code == 302 and made["Location"] == URL  # a reload makes no second token
    response = artisan_client.get(URL)
    assert "no-store" in response["Cache-Control"]
    [secret] = re.findall(r'value="(atl_[^"]+)"', response.content.decode())
    token = ApiToken.objects.get(user=artisan)
    assert (token.name, token.scopes, token.digest) == ("Zapier stock alerts", ["read", "write"], token_digest(secret))
    assert "only time it is shown" in text(response)
    # It works, as the artisan; and the page never shows it again.
    api = Client().get("/api/products/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.status_code == 200 and [p["id"] for p in api.json()["results"]] == [own_product.pk]
    again = text(artisan_client.get(URL))
    assert secret not in again
    assert token.prefix in again and "read, write" in again and "last used" in again


@pytest.mark.parametrize(
    "data, message",
    [
        ({"name": "x", "days": "30"}, "Pick at least one scope."),
        ({"name": "   ", "scopes": ["read"], "days": "30"}, "This field is required."),
        ({"name": "x", "scopes": ["admin"], "days": "30"}, "Select a valid choice."),
        ({"name": "x", "scopes": ["read"], "days": "3650"}, "Select a valid choice."),
    ],
)
def test_bad_input_makes_no_token_and_says_why(artisan_client, data, message):
    response = artisan_client.post(URL, data)
    assert response.status_code == 200
    assert message in text(response)
    assert "data-token-secret" not in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_a_token(artisan, artisan_client):
    issued = api_token_create(user=artisan, name="n8n", scopes=["read"], days=7)
    response = artisan_client.post(f"/accounts/profile/tokens/{issued.token.pk}/revoke/", follow=True)
    assert "is revoked" in text(response) and "Revoked" in text(response)
    assert Client().get("/api/jobs/", HTTP_AUTHORIZATION=f"Bearer {issued.secret}").status_code == 401


def test_nobody_revokes_anothers_token_from_the_page(artisan, other_artisan):
    issued = api_token_create(user=artisan, name="Ines's kiln log", scopes=["read"], days=7)
    client = Client()
    client.force_login(other_artisan)
    assert client.post(f"/accounts/profile/tokens/{issued.token.pk}/revoke/").status_code == 404
    assert client.get(f"/accounts/profile/tokens/{issued.token.pk}/revoke/").status_code == 405
    assert "kiln log" not in text(client.get(URL))
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at is None


def test_managers_see_and_revoke_every_token_in_the_admin(artisan, other_artisan, manager_client, artisan_client):
    mine = api_token_create(user=artisan, name="Make scenario", scopes=["read"], days=30)
    theirs = api_token_create(user=other_artisan, name="n8n flow", scopes=["decide"], days=30)
    listing = text(manager_client.get("/admin/studio/apitoken/"))
    assert "Make scenario" in listing and "n8n flow" in listing
    assert mine.secret not in listing and mine.token.digest not in listing
    detail = text(manager_client.get(f"/admin/studio/apitoken/{theirs.token.pk}/change/"))
    assert theirs.token.digest not in detail
    response = manager_client.post(
        "/admin/studio/apitoken/",
        {"action": "revoke", "_selected_action": [mine.token.pk, theirs.token.pk]},
        follow=True,
    )
    assert "were revoked" in text(response)
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 0
    assert artisan_client.get("/admin/studio/apitoken/").status_code == 403
