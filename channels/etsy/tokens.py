"""Etsy's OAuth tokens in ChannelAccount: used while fresh, refreshed ahead of expiry under a row lock.

Refresh tokens rotate: each refresh returns a new one and the old one dies on use.
Two workers refreshing at once would burn it (the second gets invalid_grant and the
shop looks disconnected), so the refresh happens inside `select_for_update` on the
account row: the second worker waits, then finds the token the first stored and
uses it. When Etsy refuses the grant itself (revoked, e.g. after a password change),
the account is marked "needs reconnecting" with the reason, for the Connect Etsy page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from channels.etsy.errors import EtsyAuthError
from channels.models import ChannelAccount
from studio.sales_channels import SalesChannel

ETSY = SalesChannel.ETSY
REFRESH_AHEAD = dt.timedelta(minutes=5)
REFRESH_TOKEN_LIFETIME = dt.timedelta(days=90)
NOT_CONNECTED = "Etsy isn't connected: a shop manager connects the shop on the Connect Etsy page."


def account_get() -> ChannelAccount:
    account, _ = ChannelAccount.objects.get_or_create(channel=ETSY)
    return account


def grant_store(*, grant, shop_id: str = "", shop_name: str = "", scopes: str = "") -> ChannelAccount:
    """Store a fresh grant (a connection or a refresh) on the account."""
    now = timezone.now()
    with transaction.atomic():
        account = ChannelAccount.objects.select_for_update().get_or_create(channel=ETSY)[0]
        account.access_token = grant.access_token
        account.refresh_token = grant.refresh_token
        account.access_token_expires_at = now + dt.timedelta(seconds=grant.expires_in)
        account.refresh_token_expires_at = now + REFRESH_TOKEN_LIFETIME
        account.status = ChannelAccount.Status.CONNECTED
        account.status_reason = ""
        account.refreshed_at = now
        if shop_id:
            account.shop_id, account.shop_name, account.scopes, account.connected_at = shop_id, shop_name, scopes, now
        account.save()
    return account


def needs_reconnect(*, reason: str) -> None:
    ChannelAccount.objects.filter(channel=ETSY).update(
        status=ChannelAccount.Status.NEEDS_RECONNECT, status_reason=reason[:1000], access_token="", refresh_token=""
    )


class AccountTokens:
    """The token source of an EtsyClient, backed by the ChannelAccount row.

    `refresher(refresh_token)` returns a TokenGrant (the client's token_refresh);
    it is called only while this holds the row lock.
    """

    def __init__(self, refresher: Callable[[str], object]) -> None:
        self.refresher = refresher

    def access_token(self) -> str:
        account = account_get()
        if account.status != ChannelAccount.Status.CONNECTED or not account.access_token:
            raise EtsyAuthError(account.status_reason or NOT_CONNECTED, reconnect=True)
        if account.access_token_expires_at and account.access_token_expires_at - REFRESH_AHEAD > timezone.now():
            return account.access_token
        return self._refresh(stale=account.access_token)

    def refreshed(self, *, stale: str) -> str:
        return self._refresh(stale=stale)

    def _refresh(self, *, stale: str) -> str:
        revoked: EtsyAuthError | None = None
        with transaction.atomic():
            account = ChannelAccount.objects.select_for_update().get(channel=ETSY)
            if account.status != ChannelAccount.Status.CONNECTED or not account.refresh_token:
                raise EtsyAuthError(account.status_reason or NOT_CONNECTED, reconnect=True)
            fresh = account.access_token_expires_at and account.access_token_expires_at - REFRESH_AHEAD > timezone.now()
            if account.access_token != stale and fresh:
                return account.access_token  # another worker refreshed while we waited for the lock
            try:
                grant = self.refresher(account.refresh_token)
            except EtsyAuthError as error:
                if not error.reconnect:
                    raise
                revoked = error
            else:
                now = timezone.now()
                account.access_token = grant.access_token
                account.refresh_token = grant.refresh_token
                account.access_token_expires_at = now + dt.timedelta(seconds=grant.expires_in)
                account.refresh_token_expires_at = now + REFRESH_TOKEN_LIFETIME
                account.refreshed_at = now
                account.save(
                    update_fields=[
                        "access_token",
                        "refresh_token",
                        "access_token_expires_at",
                        "refresh_token_expires_at",
                        "refreshed_at",
                        "updated_at",
                    ]
                )
                return account.access_token
        reason = (
            "Etsy no longer accepts this connection (it was revoked, for example after a password change on Etsy, "
            "or unused for 90 days). Reconnect Etsy."
        )
        needs_reconnect(reason=reason)
        raise EtsyAuthError(reason, reconnect=True) from revoked
