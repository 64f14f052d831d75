import datetime as dt

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
