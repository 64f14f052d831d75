"""OAuth 2.0 authorization code with PKCE (S256) for connecting an Etsy shop.

`connect_start` makes a one-use attempt (state + verifier kept server-side) and returns
the URL on Etsy to send the manager to; `connect_finish` checks the callback's state
against that attempt (same user, within ten minutes, once), exchanges the code with
the verifier and stores the tokens and the shop on the ChannelAccount.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db import transaction
from django.utils import timezone

from channels.etsy.errors import EtsyAuthError, EtsyError
from channels.etsy.models import EtsyConnectAttempt
from channels.etsy.tokens import grant_store
from channels.etsy.vocab import SCOPES
from channels.models import ChannelAccount


class ConnectRefused(Exception):
    """The callback can't complete the connection; the message is for the manager."""


def code_challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class ConnectStart:
    url: str
    state: str


def connect_start(*, user, channel, redirect_uri: str) -> ConnectStart:
    verifier = secrets.token_urlsafe(64)[:96]  # 43–128 unreserved characters (RFC 7636)
    state = secrets.token_urlsafe(32)
    EtsyConnectAttempt.objects.create(state=state, code_verifier=verifier, redirect_uri=redirect_uri, user=user)
    query = {
        "response_type": "code",
        "client_id": channel.option("api_key"),
        "redirect_uri": redirect_uri,
        "scope": " ".join(SCOPES),
        "state": state,
        "code_challenge": code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    return ConnectStart(url=f"{channel.connect_url}?{urlencode(query)}", state=state)


# What connect_start issues (secrets.token_urlsafe): anything else is not ours, and isn't looked up
# (PostgreSQL answers a NUL in a query with an error).
_ISSUED_STATE = re.compile(r"[A-Za-z0-9_-]{16,64}")


def connect_finish(*, user, channel, state: str, code: str, error: str = "") -> ChannelAccount:
    issued = _ISSUED_STATE.fullmatch(state or "") is not None
    with transaction.atomic():
        attempt = EtsyConnectAttempt.objects.select_for_update().filter(state=state).first() if issued else None
        if attempt is None or attempt.user_id != user.pk:
            raise ConnectRefused("This Etsy connection wasn't started here. Start again from Connect Etsy.")
        if attempt.used_at is not None:
            raise ConnectRefused("This Etsy connection was already used. Start again from Connect Etsy.")
        attempt.used_at = timezone.now()
        attempt.save(update_fields=["used_at"])
    if attempt.expired:
        raise ConnectRefused("The Etsy connection took longer than ten minutes. Start again from Connect Etsy.")
    if error:
        raise ConnectRefused("Etsy didn't grant access (the shop owner declined or Etsy refused). Nothing was changed.")
    if not code:
        raise ConnectRefused("Etsy sent no authorisation code back. Start again from Connect Etsy.")
    client = channel.client(tokens=None)
    try:
        grant = client.token_exchange(code=code, code_verifier=attempt.code_verifier, redirect_uri=attempt.redirect_uri)
    except EtsyAuthError as refused:
        raise ConnectRefused(f"Etsy refused the connection: {refused}") from None
    except EtsyError as failed:
        raise ConnectRefused(f"Etsy couldn't be reached to finish connecting ({failed}). Try again.") from None

    class _Once:
        def access_token(self) -> str:
            return grant.access_token

        def refreshed(self, *, stale: str) -> str:
            raise EtsyAuthError("Etsy refused the new token.", reconnect=True)

    client.tokens = _Once()
    try:
        me = client.get_me()
        shop = client.get_shop(me["shop_id"]) if me.get("shop_id") else None
    except EtsyError as failed:
        raise ConnectRefused(f"Connected, but Etsy wouldn't say which shop ({failed}). Try again.") from None
    if shop is None:
        raise ConnectRefused("This Etsy account has no shop. Open the shop on Etsy first, then connect.")
    EtsyConnectAttempt.objects.filter(created_at__lt=timezone.now() - dt.timedelta(days=1)).delete()
    return grant_store(
        grant=grant, shop_id=str(shop["shop_id"]), shop_name=str(shop.get("shop_name", "")), scopes=" ".join(SCOPES)
    )


def disconnect() -> None:
    ChannelAccount.objects.filter(channel="etsy").update(
        status=ChannelAccount.Status.DISCONNECTED, access_token="", refresh_token="", status_reason=""
    )
