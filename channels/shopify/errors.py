"""What can go wrong talking to a channel, split by what the caller should do about it.

- ShopifyUserError: the data was refused (Shopify's userErrors). Retrying won't help;
  show the messages to the person who approved the listing.
- ShopifyUnavailable: throttled, 5xx, timeouts, dropped connections, after our own
  retries. The job layer may run the task again later: every write is idempotent.
- ShopifyAuthError: the token is wrong or lacks a scope. A person must fix settings.
- ShopifyError: the base of all of them; raised itself for anything else unexpected
  (a malformed query, a schema change). `retryable` says whether running again may help.

No message, repr or cause chain carries the access token.
"""

from __future__ import annotations

from collections.abc import Sequence

from channels.base import ChannelError


class ShopifyError(ChannelError):
    """A Shopify call failed."""

    retryable = False


class ShopifyAuthError(ShopifyError):
    """401/403: a missing, revoked or under-scoped access token."""


class ShopifyUserError(ShopifyError):
    """Shopify refused the input; `messages` are fit to show to a person."""

    def __init__(self, messages: Sequence[str], *, fields: Sequence[Sequence[str] | None] = ()) -> None:
        self.messages = list(messages)
        self.fields = list(fields)
        super().__init__("; ".join(self.messages) or "Shopify refused the input.")


class ShopifyUnavailable(ShopifyError):
    """Shopify couldn't be reached or kept refusing for now; safe to retry the whole task later.

    `retry_after` (seconds) is set when Shopify said how long to wait.
    """

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message)
