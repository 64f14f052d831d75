import datetime as dt
import socket

import pytest
from django.utils import timezone

from automation import services
from automation.models import Endpoint
from automation.signing import secret_generate
from tests.automation.receiver import Receiver


@pytest.fixture
def loopback_allowed(settings):
    """Webhooks to this machine: off in production, switched on explicitly by tests that need a receiver."""
    settings.ATELIER_WEBHOOK_ALLOW_LOOPBACK = True


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def clock(monkeypatch):
    """A fake clock for automation.services: `clock.now` is what services see; `clock.advance(seconds)`."""

    class Clock:
        def __init__(self) -> None:
            self.now = timezone.now()

        def advance(self, seconds: float) -> None:
            self.now += dt.timedelta(seconds=seconds)

    fake = Clock()
    monkeypatch.setattr(services, "now", lambda: fake.now)
    return fake


@pytest.fixture
def endpoint_to(manager):
    """An endpoint row for `url`, made directly (no save-time check), so connect-time checks can be tested."""

    def make(url: str, *, event_types=("draft.approved",), **extra) -> Endpoint:
        return Endpoint.objects.create(
            url=url, event_types=list(event_types), secret=secret_generate(), created_by=manager, **extra
        )

    return make


PUBLIC_ADDRESS = "93.184.216.34"  # a public address; tests never connect to it (there is no internet here)
REAL_GETADDRINFO = socket.getaddrinfo


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    """A resolver where the test says what a name resolves to (`dns["host"] = "10.0.0.1"`); names under
    example.com and make.com are public; anything else (127.0.0.1, localhost) resolves as usual."""
    answers: dict[str, str] = {}

    def resolve(host, port, *args, **kwargs):
        address = answers.get(host)
        if address is None and (host.endswith(".example.com") or host.endswith(".make.com")):
            address = PUBLIC_ADDRESS
        if address is not None:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (address, port))]
        return REAL_GETADDRINFO(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    return answers
