"""The wire: ShopifyAPI's Session and GraphQL client, plus the staged-upload HTTP request.

How the ShopifyAPI package is used
----------------------------------
`shopify.Session(shop, version, token)` normalises the shop domain and the API
version; `ShopifyResource.activate_session()` makes it the current session and
`shopify.GraphQL()` reads the endpoint (`session.site + "/graphql.json"`, i.e.
`https://{shop}/admin/api/{version}/graphql.json`) and the headers (the
`X-Shopify-Access-Token`) from it. ShopifyAPI keeps the active session per
thread (`threading.local`), so `activated()` sets it for one call and puts back
whatever the thread had before, token included: no token is left behind in the
thread, and threads don't see each other's sessions. (Only ShopifyAPI's
process-wide *fallback* site/version are overwritten while active; they never
hold the token.)

The endpoint override: `session.site` is where ShopifyAPI builds the URL, from
`Session.protocol` and the normalised `{shop}.myshopify.com` (both class-wide
settings, so not usable per client). `_Session` overrides only `site` when a
`base_url` is given, keeping the version path: tests and the bench point the
real client at `http://127.0.0.1:PORT/admin/api/{version}/graphql.json`. Plain
http is refused for anything but loopback, so a token never travels in clear.

`_GraphQL` subclasses `shopify.GraphQL` and overrides only `execute`, because
the upstream one (ShopifyAPI 12.x) calls `urlopen` without a timeout (a hung
connection would hold a worker past its task timeout, see DESIGN.md) and prints
error bodies to stdout. Endpoint and headers still come from `GraphQL.__init__`.
Status codes and headers of failures (429's Retry-After, 5xx) are read from the
`urllib.error.HTTPError` that `urlopen` raises; success needs no headers, the
cost data is in the body.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import shopify

TOKEN_HEADER = "X-Shopify-Access-Token"
MIN_API_VERSION = "2025-04"  # productSet's `identifier` (upsert by handle) arrived in 2025-04


class _Session(shopify.Session):
    def __init__(self, shop_domain: str, version: str, token: str, *, base_url: str | None = None) -> None:
        super().__init__(shop_domain, version, token)
        self._base_url = base_url

    @property
    def site(self) -> str:
        if self._base_url:
            return self.version.api_path(self._base_url)
        return super().site


class _GraphQL(shopify.GraphQL):
    def execute(self, query, variables=None, operation_name=None, *, timeout: float | None = None) -> str:
        headers = self.merge_headers({"Accept": "application/json", "Content-Type": "application/json"}, self.headers)
        data = json.dumps({"query": query, "variables": variables, "operationName": operation_name}).encode("utf-8")
        request = urllib.request.Request(self.endpoint, data, headers)
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read().decode("utf-8")


def check_settings(shop_domain: str, api_version: str, base_url: str | None) -> tuple[str, str | None]:
    """Validate what ShopifyAPI would silently mangle; returns the normalised shop and base URL."""
    try:
        session = shopify.Session(shop_domain, api_version, "-")
    except shopify.VersionNotFoundError:
        raise ValueError(f"Unknown Shopify API version {api_version!r} (expected YYYY-MM).") from None
    if session.url is None:
        raise ValueError(f"{shop_domain!r} is not a shop domain.")
    if api_version != "unstable" and api_version < MIN_API_VERSION:
        raise ValueError(f"API version {api_version} is too old: productSet upserts by handle from {MIN_API_VERSION}.")
    if base_url is None:
        return session.url, None
    parts = urllib.parse.urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path.strip("/") or parts.query:
        raise ValueError("base_url must look like https://host[:port], without a path.")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ValueError("Plain http is only allowed to a loopback address; the token would travel in clear.")
    return session.url, f"{parts.scheme}://{parts.netloc}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@contextmanager
def activated(session: shopify.Session) -> Iterator[None]:
    """Make `session` ShopifyAPI's current one for this thread, and restore the previous one after."""
    resource = shopify.ShopifyResource
    previous_site = resource.get_site()
    previous = (previous_site, resource.get_url(), resource.get_version(), resource.get_headers().get(TOKEN_HEADER))
    resource.activate_session(session)
    try:
        yield
    finally:
        site, url, version, token = previous
        if site is None:
            resource.clear_session()
        else:
            resource.site, resource.url, resource.version = site, url, version
            if token is None:
                resource.get_headers().pop(TOKEN_HEADER, None)
            else:
                resource.get_headers()[TOKEN_HEADER] = token


def post_graphql(
    *,
    shop_domain: str,
    api_version: str,
    token: str,
    base_url: str | None,
    query: str,
    variables: Mapping | None,
    operation: str,
    timeout: float,
) -> str:
    """One POST to the GraphQL endpoint through ShopifyAPI; raises urllib's errors as they come."""
    session = _Session(shop_domain, api_version, token, base_url=base_url)
    with activated(session):
        client = _GraphQL()
        client.headers = dict(client.headers)  # a snapshot: restoring the session mutates ShopifyAPI's dict
        return client.execute(query, dict(variables or {}), operation, timeout=timeout)


def upload_staged(
    *,
    url: str,
    parameters: Sequence[Mapping[str, str]],
    method: str,
    content: bytes,
    filename: str,
    mime: str,
    timeout: float,
) -> int:
    """Send the bytes to a staged-upload target (a storage bucket, not Shopify: no token goes there).

    POST targets take a multipart form: the returned parameters first, in order,
    then the file. PUT targets take the raw bytes with the parameters as headers.
    """
    if method.upper() == "PUT":
        headers = {p["name"]: p["value"] for p in parameters}
        headers.setdefault("Content-Type", mime)
        request = urllib.request.Request(url, content, headers, method="PUT")
    else:
        boundary = "atelier-" + secrets.token_hex(16)
        body = _multipart(boundary, parameters, content, filename, mime)
        request = urllib.request.Request(
            url, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}, method="POST"
        )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        response.read()
        return response.status


def _multipart(
    boundary: str, parameters: Sequence[Mapping[str, str]], content: bytes, filename: str, mime: str
) -> bytes:
    parts: list[bytes] = []
    for parameter in parameters:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{_quoted(parameter["name"])}"\r\n\r\n'.encode()
            + str(parameter["value"]).encode("utf-8")
            + b"\r\n"
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{_quoted(filename)}"\r\n'
        f"Content-Type: {mime}\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts)


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', "%22").replace("\r", "").replace("\n", "")
