"""Connecting an Etsy shop (OAuth 2.0 code + PKCE) through the pages, and refreshing its rotating tokens."""

import datetime as dt
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from channels.etsy.errors import EtsyAuthError
from channels.etsy.models import EtsyConnectAttempt
from channels.etsy.oauth import code_challenge
from channels.models import ChannelAccount
from channels.registry import channels
from tests.channels.etsy.conftest import connect


def start(client) -> str:
    response = client.post(reverse("etsy-connect-start"))
    assert response.status_code == 302
    return response["Location"]


def approve_on_etsy(url: str) -> str:
    """What the shop owner's browser does on Etsy: follow to the consent page, which redirects back with a code."""
    answer = requests.get(url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def callback(client, location: str):
    parts = urlsplit(location)
    return client.get(parts.path, dict(parse_qs(parts.query)), follow=True)


def test_a_manager_connects_with_pkce_and_the_tokens_are_stored(etsy_settings, manager_client, manager):
    url = start(manager_client)
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert query["code_challenge_method"] == "S256"
    assert query["scope"] == "listings_r listings_w shops_r transactions_r"
    attempt = EtsyConnectAttempt.objects.get(state=query["state"])
    assert code_challenge(attempt.code_verifier) == query["code_challenge"]
    assert attempt.code_verifier not in url  # the verifier never leaves the server
    page = callback(manager_client, approve_on_etsy(url)).content.decode()
    assert "Etsy is connected to the shop" in page and etsy_settings.shop_name in page
    account = ChannelAccount.objects.get(channel="etsy")
    assert account.status == "connected" and account.shop_id == str(etsy_settings.shop_id)
    assert account.access_token in etsy_settings.access_tokens
    assert account.access_token not in page and account.refresh_token not in page
    assert etsy_settings.shared_secret not in page


def test_a_state_is_used_once(etsy_settings, manager_client):
    location = approve_on_etsy(start(manager_client))
    callback(manager_client, location)
    page = callback(manager_client, location).content.decode()
    assert "already used" in page


def test_an_expired_or_foreign_state_is_refused(etsy_settings, manager_client, manager, django_user_model):
    location = approve_on_etsy(start(manager_client))
    EtsyConnectAttempt.objects.update(created_at=timezone.now() - dt.timedelta(minutes=11))
    assert "longer than ten minutes" in callback(manager_client, location).content.decode()
    assert not ChannelAccount.objects.filter(channel="etsy", status="connected").exists()


def test_only_managers_connect(etsy_settings, artisan_client):
    assert artisan_client.get(reverse("etsy-connect")).status_code == 403
    assert artisan_client.post(reverse("etsy-connect-start")).status_code == 403


def test_refresh_ahead_of_expiry_rotates_the_refresh_token(connected):
    account = ChannelAccount.objects.get(channel="etsy")
    old_refresh = account.refresh_token
    ChannelAccount.objects.filter(pk=account.pk).update(
        access_token_expires_at=timezone.now() + dt.timedelta(minutes=2)
    )
    client = channels.get("etsy").client()
    assert client.get_me()["user_id"] == connected.user_id
    account.refresh_from_db()
    assert account.refresh_token != old_refresh and old_refresh not in connected.refresh_tokens
    assert account.access_token_expires_at > timezone.now() + dt.timedelta(minutes=50)
    assert connected.refreshes == 1


def test_a_revoked_grant_asks_for_a_reconnect_with_the_reason(connected, manager_client):
    connected.revoke_grant()
    ChannelAccount.objects.filter(channel="etsy").update(access_token_expires_at=timezone.now())
    with pytest.raises(EtsyAuthError):
        channels.get("etsy").client().get_me()
    account = ChannelAccount.objects.get(channel="etsy")
    assert account.status == "needs_reconnect" and "password change" in account.status_reason
    page = manager_client.get(reverse("etsy-connect")).content.decode()
    assert "Reconnect Etsy" in page and "password change" in page
    catalogue = manager_client.get(reverse("product-list")).content.decode()
    assert "Reconnect Etsy" in catalogue


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_refreshing_at_once_burn_the_refresh_token_once(etsy_settings):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    connect(etsy_settings)
    ChannelAccount.objects.filter(channel="etsy").update(access_token_expires_at=timezone.now())
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            client = channels.get("etsy").client()
            barrier.wait(timeout=5)
            results.append(client.get_me()["user_id"])
        except Exception as error:  # pragma: no cover - shown by the assertion
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert results == [etsy_settings.user_id] * 2
    assert etsy_settings.refreshes == 1
    assert ChannelAccount.objects.get(channel="etsy").status == "connected"
