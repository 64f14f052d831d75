"""No server-side request forgery: refused at save time and at connect time, without a connection."""

from __future__ import annotations

import socket

import pytest
from django.core.exceptions import ValidationError

from automation import netguard, outbox, services
from automation.models import Attempt, Delivery
from studio import events
from tests.automation.receiver import Receiver

pytestmark = pytest.mark.django_db


def _job_finished() -> events.JobFinished:
    return events.JobFinished(job=None, job_id=1, kind="publish", status="succeeded")


@pytest.fixture
def connections(monkeypatch):
    """Every outgoing TCP connection attempt; the tests assert there were none."""
    made: list = []
    real = socket.socket.connect

    def connect(sock, address):
        made.append(address)
        return real(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return made


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://127.0.0.1/hook", "loopback"),
        ("https://[::1]/hook", "loopback"),
        ("https://10.0.0.1/hook", "private"),
        ("https://192.168.1.20/hook", "private"),
        ("https://169.254.169.254/latest/meta-data/", "metadata"),
        ("https://169.254.10.10/hook", "link-local"),
        ("https://0.0.0.0/hook", "unspecified"),
        ("https://224.0.0.1/hook", "multicast"),
        ("https://[::ffff:127.0.0.1]/hook", "loopback"),
        ("http://hooks.example.com/hook", "https://"),
        ("https://user:pw@hooks.example.com/hook", "credentials"),
    ],
)
def test_an_endpoint_to_a_forbidden_address_is_refused_at_save_time(manager, dns, url, reason):
    dns["hooks.example.com"] = "93.184.216.34"
    with pytest.raises(ValidationError) as refused:
        services.endpoint_create(url=url, event_types=["job.finished"], created_by=manager)
    assert reason in str(refused.value.message_dict["url"])


def test_a_dns_name_resolving_to_loopback_is_refused(manager, dns):
    dns["hooks.attacker.example"] = "127.0.0.1"
    with pytest.raises(ValidationError, match="loopback"):
        services.endpoint_create(
            url="https://hooks.attacker.example/x", event_types=["job.finished"], created_by=manager
        )


def test_a_manager_may_allow_a_lan_target_but_never_loopback_or_metadata(manager):
    endpoint = services.endpoint_create(
        url="http://10.0.0.1:5678/webhook/atelier", event_types=["job.finished"], created_by=manager, allow_lan=True
    )
    assert endpoint.allow_lan
    for url in ("http://127.0.0.1:5678/", "http://169.254.169.254/"):
        with pytest.raises(ValidationError):
            services.endpoint_create(url=url, event_types=["job.finished"], created_by=manager, allow_lan=True)


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.1", "169.254.169.254"])
def test_forbidden_addresses_are_refused_at_connect_time_without_a_connection(endpoint_to, dns, connections, address):
    """The name was public when saved; by the time of sending it resolves somewhere forbidden."""
    dns["hooks.example.com"] = "93.184.216.34"
    endpoint_to("https://hooks.example.com/hook", event_types=["job.finished"])
    dns["hooks.example.com"] = address
    delivery_id = outbox.outbox_write(_job_finished())[0]
    assert services.delivery_attempt(delivery_id=delivery_id) == Delivery.Status.PENDING  # retried later
    attempt = Attempt.objects.get()
    assert attempt.outcome == Attempt.Outcome.REFUSED and address in attempt.error
    assert connections == []


def test_a_loopback_receiver_gets_nothing_unless_loopback_is_allowed(endpoint_to, dns, settings):
    with Receiver() as receiver:
        dns["rebind.example"] = "127.0.0.1"
        port = receiver.server.server_address[1]
        endpoint_to(f"http://rebind.example:{port}/hook", event_types=["job.finished"], allow_lan=True)
        endpoint_to(receiver.url, event_types=["job.finished"])
        for delivery_id in outbox.outbox_write(_job_finished()):
            services.delivery_attempt(delivery_id=delivery_id)
        assert receiver.connections == 0 and receiver.requests == []
        assert set(Attempt.objects.values_list("outcome", flat=True)) == {Attempt.Outcome.REFUSED}


def test_a_redirect_is_not_followed(endpoint_to, loopback_allowed):
    with Receiver() as first, Receiver() as second:
        first.answer(302, headers={"Location": second.url})
        endpoint_to(first.url, event_types=["job.finished"])
        services.delivery_attempt(delivery_id=outbox.outbox_write(_job_finished())[0])
        assert len(first.requests) == 1 and second.connections == 0
    attempt = Attempt.objects.get()
    assert attempt.status_code == 302 and "redirects are not followed" in attempt.error


def test_the_connection_goes_to_the_checked_address_with_the_names_host_header(endpoint_to, dns, loopback_allowed):
    with Receiver() as receiver:
        dns["n8n.studio.example"] = "127.0.0.1"
        port = receiver.server.server_address[1]
        endpoint_to(f"http://n8n.studio.example:{port}/webhook/x?a=1", event_types=["job.finished"], allow_lan=True)
        services.delivery_attempt(delivery_id=outbox.outbox_write(_job_finished())[0])
        assert receiver.requests[0].headers["host"] == f"n8n.studio.example:{port}"
        assert receiver.requests[0].path == "/webhook/x?a=1"


def test_an_https_target_is_connected_to_by_ip_with_the_hostname_for_tls(monkeypatch, dns):
    """The pool is made for the checked IP with server_hostname/assert_hostname set to the URL's host."""
    dns["hooks.example.com"] = "93.184.216.34"
    made = {}

    class Pool:
        def __init__(self, host, port, **kwargs):
            made.update(host=host, port=port, **kwargs)
            raise ConnectionRefusedError("test stops here")

    monkeypatch.setattr(netguard.urllib3, "HTTPSConnectionPool", Pool)
    with pytest.raises(ConnectionRefusedError):
        netguard.post("https://hooks.example.com/h", body=b"{}", headers={}, allow_lan=False, timeout=5)
    assert made["host"] == "93.184.216.34" and made["port"] == 443
    assert made["server_hostname"] == made["assert_hostname"] == "hooks.example.com"


def test_the_connection_recorder_sees_an_allowed_connection(endpoint_to, connections, loopback_allowed, receiver):
    """A positive control for the tests above: an allowed delivery does show up as a connection."""
    endpoint_to(receiver.url, event_types=["job.finished"])
    services.delivery_attempt(delivery_id=outbox.outbox_write(_job_finished())[0])
    assert connections and connections[0][0] == "127.0.0.1"
