"""A small typed client for Etsy's Open API v3, on `requests`.

Every request carries `x-api-key: keystring:shared_secret` (Etsy refuses a bare
keystring with 403) and, for shop data, `Authorization: Bearer <access token>` from
a token source that refreshes it (channels.etsy.tokens). Requests are paced under
the per-second limit (Pacer); 429 is waited out with its `retry-after`; 5xx,
timeouts and dropped connections are retried with backoff — except for the
requests that create something (a listing, an image), whose answer may be lost
after Etsy applied them: those fail at once and the caller looks before retrying.

Etsy answers errors as `{"error": "..."}`; a refused listing names its fields,
one per line ("title: ...") or as an `errors` list, and comes back as
EtsyFieldErrors. Nothing here logs or raises a header, the key or a token.
"""

from __future__ import annotations

import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import requests

from channels.etsy.errors import (
    EtsyAuthError,
    EtsyBudgetExhausted,
    EtsyError,
    EtsyFieldErrors,
    EtsyNotFound,
    EtsyUnavailable,
)
from channels.etsy.pacing import Pacer

logger = logging.getLogger(__name__)

API = "/v3/application"
TOKEN_PATH = "/v3/public/oauth/token"
FIELD_LINE = re.compile(r"^\s*([a-z_]{2,40})\s*:\s*(.+)$")
MAX_RETRY_AFTER = 60.0


class TokenSource(Protocol):
    def access_token(self) -> str: ...

    def refreshed(self, *, stale: str) -> str: ...


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"

    @property
    def user_id(self) -> str:
        """Etsy's access tokens start with the user's id: "12345678.xyz…"."""
        return self.access_token.split(".", 1)[0]

    def __repr__(self) -> str:  # never the tokens themselves
        return f"TokenGrant(expires_in={self.expires_in})"


def field_errors(body: Any) -> dict[str, list[str]]:
    """Etsy's error body as {field: [messages]}; what names no field goes under ""."""
    fields: dict[str, list[str]] = {}
    if not isinstance(body, dict):
        return {"": [str(body)[:500]]} if body else {}
    listed = body.get("errors")
    if isinstance(listed, list):
        for item in listed:
            if isinstance(item, dict):
                fields.setdefault(str(item.get("field") or item.get("path") or ""), []).append(
                    str(item.get("message") or item.get("error") or "")[:500]
                )
    elif isinstance(listed, dict):
        for name, messages in listed.items():
            items = messages if isinstance(messages, list) else [messages]
            fields.setdefault(str(name), []).extend(str(m)[:500] for m in items)
    if not fields:
        for line in str(body.get("error") or body.get("error_description") or "").splitlines():
            if not line.strip():
                continue
            match = FIELD_LINE.match(line)
            name, message = (match.group(1), match.group(2)) if match else ("", line.strip())
            fields.setdefault(name, []).append(message[:500])
    return fields


class EtsyClient:
    def __init__(
        self,
        *,
        keystring: str,
        shared_secret: str,
        tokens: TokenSource | None = None,
        base_url: str = "https://openapi.etsy.com",
        timeout: float = 20.0,
        per_second: int = 10,
        max_retries: int = 4,
        backoff: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
    ) -> None:
        if not keystring or not shared_secret:
            raise ValueError("Etsy needs both the keystring and the shared secret (ETSY_API_KEY, ETSY_SHARED_SECRET).")
        self._api_key = f"{keystring}:{shared_secret}"
        self.keystring = keystring
        self.tokens = tokens
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.sleep = sleep
        self.pacer = Pacer(per_second=per_second, clock=clock, sleep=sleep)
        self.session = session or requests.Session()
        self.calls = 0
        self._calls_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"EtsyClient(base_url={self.base_url!r})"

    # --- The wire --------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        form: Mapping[str, Any] | None = None,
        json_body: Any = None,
        files: Mapping[str, tuple] | None = None,
        authorized: bool = True,
        creates: bool = False,
    ) -> Any:
        """One call, paced and retried; returns the decoded JSON (None for 204).

        `creates`: the call makes something new, so a timeout or 5xx (the answer may be
        lost after Etsy applied it) is not retried here.
        """
        url = self.base_url + path
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            headers = {"x-api-key": self._api_key, "Accept": "application/json"}
            token = ""
            if authorized:
                if self.tokens is None:
                    raise EtsyAuthError("Etsy isn't connected: connect the shop first.", reconnect=True)
                token = self.tokens.access_token()
                headers["Authorization"] = f"Bearer {token}"
            slot = self.pacer.before_request()
            with self._calls_lock:
                self.calls += 1
            data = _encode_form(form) if form is not None else None
            parts = None
            if files is not None:  # multipart/form-data: the fields as parts, then the files
                parts = {**{key: (None, value) for key, value in (data or {}).items()}, **files}
                data = None
            try:
                response = self.session.request(
                    method,
                    url,
                    params=_encode_params(params),
                    data=data,
                    json=json_body,
                    files=parts,
                    headers=headers,
                    timeout=self.timeout,
                )
            except (requests.Timeout, requests.ConnectionError) as error:
                self.pacer.after_response(slot)
                kind = "timed out" if isinstance(error, requests.Timeout) else "connection failed"
                if creates or attempt > self.max_retries:
                    raise EtsyUnavailable(f"Etsy {kind} ({method} {_shape(path)}).") from None
                self.sleep(self._backoff(attempt))
                continue
            self.pacer.after_response(slot)
            self.pacer.observe(response.headers)
            status = response.status_code
            if status == 429:
                retry_after = _retry_after(response.headers)
                if self.pacer.remaining_today == 0:
                    raise EtsyBudgetExhausted(
                        "Etsy's daily request budget for this key is spent.", status=429, retry_after=retry_after
                    )
                if attempt > self.max_retries:
                    raise EtsyUnavailable(
                        "Etsy kept answering 429 (too many requests).", status=429, retry_after=retry_after
                    )
                self.sleep(min(retry_after if retry_after is not None else self._backoff(attempt), MAX_RETRY_AFTER))
                continue
            if status >= 500:
                if creates or attempt > self.max_retries:
                    raise EtsyUnavailable(f"Etsy answered {status} ({method} {_shape(path)}).", status=status)
                self.sleep(self._backoff(attempt))
                continue
            body = _json(response)
            if status >= 400:  # an upstream may echo what it was sent: never let it into a message
                body = _scrubbed(body, (self._api_key, self._api_key.split(":", 1)[1], self.keystring, token))
            if status == 401 and authorized and not refreshed and self.tokens is not None:
                refreshed = True
                self.tokens.refreshed(stale=token)
                attempt -= 1
                continue
            if status in (401, 403):
                message = _error_text(body) or f"Etsy answered {status}."
                raise EtsyAuthError(f"Etsy refused the request ({status}): {message}", status=status)
            if status == 404:
                raise EtsyNotFound(_error_text(body) or f"Not found on Etsy ({_shape(path)}).", status=404)
            if status >= 400:
                raise EtsyFieldErrors(field_errors(body) or {"": [f"Etsy answered {status}."]}, status=status)
            return body

    def _backoff(self, attempt: int) -> float:
        return self.backoff * (2 ** (attempt - 1)) * (0.8 + 0.4 * random.random())

    # --- OAuth (no bearer token; form-encoded) ---------------------------------------

    def token_exchange(self, *, code: str, code_verifier: str, redirect_uri: str) -> TokenGrant:
        body = self._token(
            {
                "grant_type": "authorization_code",
                "client_id": self.keystring,
                "redirect_uri": redirect_uri,
                "code": code,
                "code_verifier": code_verifier,
            }
        )
        return _grant(body)

    def token_refresh(self, *, refresh_token: str) -> TokenGrant:
        return _grant(
            self._token({"grant_type": "refresh_token", "client_id": self.keystring, "refresh_token": refresh_token})
        )

    def _token(self, form: Mapping[str, str]) -> dict:
        try:
            return self.request("POST", TOKEN_PATH, form=form, authorized=False)
        except EtsyFieldErrors as refused:
            text = " ".join(" ".join(messages) for messages in refused.fields.values())
            reconnect = "invalid_grant" in text or refused.status in (400, 401)
            raise EtsyAuthError(
                f"Etsy refused the authorisation: {text}", status=refused.status, reconnect=reconnect
            ) from None

    # --- Users and shops --------------------------------------------------------------

    def get_me(self) -> dict:
        return self.request("GET", f"{API}/users/me")

    def get_shop(self, shop_id: int | str) -> dict:
        return self.request("GET", f"{API}/shops/{int(shop_id)}")

    def readiness_state_definitions(self, shop_id: int | str) -> list[dict]:
        return list(self._paged(f"{API}/shops/{int(shop_id)}/readiness-state-definitions", {}))

    # --- Listings ---------------------------------------------------------------------

    def create_draft_listing(self, shop_id: int | str, form: Mapping[str, Any]) -> dict:
        return self.request("POST", f"{API}/shops/{int(shop_id)}/listings", form=form, creates=True)

    def update_listing(self, shop_id: int | str, listing_id: int | str, form: Mapping[str, Any]) -> dict:
        return self.request("PATCH", f"{API}/shops/{int(shop_id)}/listings/{int(listing_id)}", form=form)

    def get_listing(self, listing_id: int | str) -> dict:
        return self.request("GET", f"{API}/listings/{int(listing_id)}")

    def listings_by_shop(
        self, shop_id: int | str, *, state: str = "draft", includes: Sequence[str] = ()
    ) -> Iterator[dict]:
        params: dict[str, Any] = {"state": state}
        if includes:
            params["includes"] = ",".join(includes)
        return self._paged(f"{API}/shops/{int(shop_id)}/listings", params)

    def listing_images(self, listing_id: int | str) -> list[dict]:
        return list((self.request("GET", f"{API}/listings/{int(listing_id)}/images") or {}).get("results", []))

    def upload_listing_image(
        self,
        shop_id: int | str,
        listing_id: int | str,
        *,
        image: bytes,
        filename: str,
        mime: str,
        rank: int,
        alt_text: str,
    ) -> dict:
        return self.request(
            "POST",
            f"{API}/shops/{int(shop_id)}/listings/{int(listing_id)}/images",
            form={"rank": rank, "alt_text": alt_text},
            files={"image": (filename, image, mime)},
            creates=True,
        )

    def rerank_listing_image(
        self, shop_id: int | str, listing_id: int | str, *, listing_image_id: int | str, rank: int, alt_text: str
    ) -> dict:
        """Move an image already on the listing (no bytes sent): uploadListingImage with its id."""
        return self.request(
            "POST",
            f"{API}/shops/{int(shop_id)}/listings/{int(listing_id)}/images",
            form={"listing_image_id": int(listing_image_id), "rank": rank, "alt_text": alt_text},
            files={},
        )

    def delete_listing_image(self, shop_id: int | str, listing_id: int | str, listing_image_id: int | str) -> None:
        self.request("DELETE", f"{API}/shops/{int(shop_id)}/listings/{int(listing_id)}/images/{int(listing_image_id)}")

    def get_listing_inventory(self, listing_id: int | str) -> dict:
        return self.request("GET", f"{API}/listings/{int(listing_id)}/inventory")

    def update_listing_inventory(self, listing_id: int | str, inventory: Mapping[str, Any]) -> dict:
        return self.request("PUT", f"{API}/listings/{int(listing_id)}/inventory", json_body=dict(inventory))

    def update_listing_personalization(self, shop_id: int | str, listing_id: int | str, questions: list[dict]) -> dict:
        return self.request(
            "POST",
            f"{API}/shops/{int(shop_id)}/listings/{int(listing_id)}/personalization",
            json_body={"personalization_questions": questions},
        )

    def delete_listing_personalization(self, shop_id: int | str, listing_id: int | str) -> None:
        self.request("DELETE", f"{API}/shops/{int(shop_id)}/listings/{int(listing_id)}/personalization")

    # --- Receipts and reviews ---------------------------------------------------------

    def shop_receipts(self, shop_id: int | str, *, min_last_modified: int | None = None) -> Iterator[dict]:
        params: dict[str, Any] = {"sort_on": "updated", "sort_order": "asc"}
        if min_last_modified is not None:
            params["min_last_modified"] = max(946684800, int(min_last_modified))
        return self._paged(f"{API}/shops/{int(shop_id)}/receipts", params)

    def shop_reviews(self, shop_id: int | str, *, min_created: int | None = None) -> Iterator[dict]:
        params: dict[str, Any] = {}
        if min_created is not None:
            params["min_created"] = max(946684800, int(min_created))
        return self._paged(f"{API}/shops/{int(shop_id)}/reviews", params)

    def _paged(self, path: str, params: Mapping[str, Any], *, limit: int = 100) -> Iterator[dict]:
        offset = 0
        while True:
            page = self.request("GET", path, params={**params, "limit": limit, "offset": offset}) or {}
            results = page.get("results") or []
            yield from results
            offset += len(results)
            if not results or len(results) < limit or offset >= int(page.get("count") or 0):
                return


def _grant(body: Any) -> TokenGrant:
    try:
        return TokenGrant(
            access_token=str(body["access_token"]),
            refresh_token=str(body["refresh_token"]),
            expires_in=int(body.get("expires_in") or 3600),
            token_type=str(body.get("token_type") or "Bearer"),
        )
    except (KeyError, TypeError, ValueError):
        raise EtsyError("Etsy's token answer had no usable tokens.") from None


def _encode_params(params: Mapping[str, Any] | None) -> dict | None:
    if not params:
        return None
    return {key: _scalar(value) for key, value in params.items() if value is not None}


def _encode_form(form: Mapping[str, Any]) -> dict:
    """Form fields as Etsy takes them: lists as one comma-separated value, booleans as true/false."""
    encoded = {}
    for key, value in form.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            encoded[key] = ",".join(str(item) for item in value)
        else:
            encoded[key] = _scalar(value)
    return encoded


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _json(response: requests.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except (ValueError, json.JSONDecodeError):
        if response.status_code < 400:
            raise EtsyUnavailable(
                f"Etsy's answer ({response.status_code}) was not JSON.", status=response.status_code
            ) from None
        return {"error": response.text[:500]}


def _scrubbed(value: Any, secrets: Sequence[str]) -> Any:
    if isinstance(value, str):
        for secret in sorted((s for s in secrets if s and len(s) >= 6), key=len, reverse=True):
            value = value.replace(secret, "[redacted]")
        return value
    if isinstance(value, dict):
        return {key: _scrubbed(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrubbed(item, secrets) for item in value]
    return value


def _error_text(body: Any) -> str:
    if isinstance(body, dict):
        return str(body.get("error_description") or body.get("error") or "")[:500]
    return ""


def _retry_after(headers: Mapping[str, str]) -> float | None:
    try:
        return max(0.0, float(headers.get("retry-after", "")))
    except ValueError:
        return None


def _shape(path: str) -> str:
    """The path with ids blanked, for messages (ids aren't secret, but keep messages short and stable)."""
    return re.sub(r"/\d+", "/…", path.split("?", 1)[0])
