"""No server-side request forgery: where a webhook may go, checked when it is saved and again when it is sent.

A host is resolved and every address it resolves to must be public: loopback, private, link-local (the cloud
metadata service at 169.254.169.254 among them), unspecified, multicast and reserved addresses are refused.
A shop manager may allow a LAN target (plain http, a private address) for a self-hosted n8n; loopback is
refused even then, unless ATELIER_WEBHOOK_ALLOW_LOOPBACK is on (tests and benchmarks only).

Sending connects to the very address that was checked (so a DNS answer that changes between the check and
the connection can't redirect it), with the Host header and TLS server name of the URL, and never follows a
redirect.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import certifi
import urllib3
from django.conf import settings

METADATA_ADDRESSES = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
SNIPPET_BYTES = 64 * 1024


class Refused(Exception):
    """The URL or the address it resolves to is not allowed; nothing was sent."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked address to connect to

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    headers: dict[str, str]
    latency_ms: int


def loopback_allowed() -> bool:
    return bool(getattr(settings, "ATELIER_WEBHOOK_ALLOW_LOOPBACK", False))


def address_problem(address: str, *, allow_lan: bool) -> str | None:
    """Why this address may not receive webhooks, or None when it may."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip in METADATA_ADDRESSES:
        return f"{ip} is the cloud metadata service."
    if ip.is_unspecified:
        return f"{ip} is the unspecified address."
    if ip.is_multicast:
        return f"{ip} is a multicast address."
    if ip.is_link_local:
        return f"{ip} is a link-local address."
    if ip.is_loopback:
        return None if loopback_allowed() else f"{ip} is this machine (loopback)."
    if ip.is_global:
        return None
    if allow_lan and ip.is_private and not ip.is_reserved:
        return None
    if ip.is_private:
        return f"{ip} is a private (LAN) address; a shop manager can allow LAN targets for this endpoint."
    return f"{ip} is not a public address."


def target_for(url: str, *, allow_lan: bool, resolve=None) -> Target:
    """Check `url` and resolve its host; raises Refused with a reason a person can act on."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Refused(f"That is not a valid URL ({exc}).") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise Refused("The URL must start with https://.")
    if scheme == "http" and not (allow_lan or loopback_allowed()):
        raise Refused("The URL must use https:// (plain http only for a LAN target a shop manager allowed).")
    if parts.username or parts.password:
        raise Refused("Put credentials in the static header, not in the URL.")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise Refused("The URL has no host.")
    port = port or (443 if scheme == "https" else 80)
    try:
        found = (resolve or socket.getaddrinfo)(host, port, 0, socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise Refused(f"{host} could not be resolved ({exc}).") from None
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    if not addresses:
        raise Refused(f"{host} could not be resolved.")
    for address in addresses:  # every answer must pass: a name with one private answer is refused
        problem = address_problem(address, allow_lan=allow_lan)
        if problem:
            raise Refused(f"{host} resolves to {problem.rstrip('.')}; webhooks can't go there.")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=scheme, host=host, port=port, path=path, address=addresses[0])


def post(url: str, *, body: bytes, headers: dict[str, str], allow_lan: bool, timeout: float) -> Response:
    """POST `body` to the checked address of `url`; redirects come back as responses, never followed.

    Raises Refused (nothing was sent) or urllib3's errors for a connection that failed or timed out.
    """
    target = target_for(url, allow_lan=allow_lan)
    limits = urllib3.Timeout(connect=min(5.0, timeout), read=timeout, total=timeout)
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            timeout=limits,
            retries=False,
            maxsize=1,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs=ssl.CERT_REQUIRED,
            ca_certs=certifi.where(),
        )
    else:
        pool = urllib3.HTTPConnectionPool(target.address, target.port, timeout=limits, retries=False, maxsize=1)
    started = time.monotonic()
    try:
        answer = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers={**headers, "Host": target.host_header},
            redirect=False,
            retries=False,
            assert_same_host=False,
            preload_content=False,
        )
        try:
            content = answer.read(SNIPPET_BYTES)
        finally:
            answer.release_conn()
    finally:
        pool.close()
    return Response(
        status=answer.status,
        body=content or b"",
        headers={k.lower(): v for k, v in answer.headers.items()},
        latency_ms=round((time.monotonic() - started) * 1000),
    )
