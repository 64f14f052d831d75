"""What can go wrong talking to Etsy, split by what the caller should do about it.

- EtsyFieldErrors: Etsy (or our own identical checks before calling it) refused the
  listing; `fields` maps a field (title, tags, materials, ...) to its messages, which
  the product page shows beside that field. Retrying won't help.
- EtsyUnavailable: 429 after waiting, 5xx, timeouts, dropped connections, after our
  own retries. Safe to run the task again: publishing finds and updates the listing.
- EtsyAuthError: 401/403 or a refused token grant; `reconnect` says the shop must be
  connected again (Etsy revoked the grant, e.g. after a password change).
- EtsyError: the base; raised itself for anything else unexpected.

No message, repr or cause chain carries the keystring, the shared secret or a token.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from channels.base import ChannelError

HEADLINE = "Etsy refused the listing:"


class EtsyError(ChannelError):
    retryable = False

    def __init__(self, message: str, *, status: int | None = None) -> None:
        self.status = status
        super().__init__(message)


class EtsyAuthError(EtsyError):
    """The key, the token or the grant was refused; `reconnect` means a manager must connect Etsy again."""

    def __init__(self, message: str, *, status: int | None = None, reconnect: bool = False) -> None:
        self.reconnect = reconnect
        super().__init__(message, status=status)


class EtsyNotFound(EtsyError):
    """The listing (or image) is gone on Etsy."""


class EtsyFieldErrors(EtsyError):
    """Input refused, per field: {"title": ["…"], "tags": ["…"]}; "" holds what names no field."""

    def __init__(self, fields: Mapping[str, Sequence[str]], *, status: int | None = 400) -> None:
        self.fields = {name: list(messages) for name, messages in fields.items() if messages}
        super().__init__(self.summary(), status=status)

    def summary(self) -> str:
        """One line per field ("title: …"), so what is stored can be split per field again (client.field_errors)."""
        lines = [
            f"{name}: {'; '.join(messages)}" if name else "; ".join(messages) for name, messages in self.fields.items()
        ]
        return "\n".join([HEADLINE, *lines]) if lines else HEADLINE


class EtsyUnavailable(EtsyError):
    """Etsy couldn't be reached or kept refusing for now; `retry_after` (s) when Etsy said how long to wait."""

    retryable = True

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message, status=status)


class EtsyBudgetExhausted(EtsyUnavailable):
    """The key's daily request budget is spent; `retry_after` is the seconds until it renews."""
