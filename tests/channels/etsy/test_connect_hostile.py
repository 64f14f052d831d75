"""Etsy's OAuth callback with a state it never issued: refused with a message, never a 500 (issue 14)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from channels.etsy.models import EtsyConnectAttempt
from tests.channels.etsy.test_connect import approve_on_etsy, start


@pytest.mark.parametrize("state", ["\x00", "a\x00b", "²", "x" * 20 + "\x00" + "x" * 20, "é" * 10, "<script>"])
def test_a_state_we_never_issued_is_refused_without_asking_the_database(etsy_settings, manager_client, state):
    """PostgreSQL refuses a NUL in a query with an error (a 500 here); a state we issue is URL-safe base64."""
    approve_on_etsy(start(manager_client))  # a real attempt is waiting: the hostile state mustn't match it
    with CaptureQueriesContext(connection) as queries:
        response = manager_client.get(reverse("etsy-callback"), {"state": state, "code": "abc"})
    assert not [query for query in queries if "etsyconnectattempt" in query["sql"].lower()]
    assert response.status_code == 302
    page = manager_client.get(response["Location"]).content.decode()
    assert "wasn&#x27;t started here" in page or "wasn't started here" in page
    assert EtsyConnectAttempt.objects.filter(used_at__isnull=True).count() == 1
