"""Schemathesis against /api/schema/: every operation, as a manager and as an artisan, all checks.

The schema is generated in-process and the requests go through the WSGI app, inside the test's
transaction, so the run needs no server and works the same on SQLite and PostgreSQL. The examples
per operation are few and derandomized: the run is reproducible and takes a minute or two.
"""

from __future__ import annotations

import re
import socket
import uuid

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from studio.api.idempotency import HEADER, KEY_PATTERN
from studio.api.services import api_token_create
from tests.api.test_forecasting_api import forecast, plan_for
from tests.factories import ProductFactory, SaleFactory, UserFactory, VariantFactory

EXAMPLES = 5
PUBLIC_ADDRESS = "93.184.216.34"  # never connected to: webhook tests send nothing

# Where a request that fits the schema can still be refused with 400 because of the studio's state or a
# file's contents, which no schema can say; every other check still runs on these operations.
REFUSED_BY_STATE = {
    "POST /api/products/publish/": "only products whose copy and gallery are approved can be published",
    "POST /api/products/stage/": "the looks must exist and be active, the products be yours to stage",
    "POST /api/products/write-listings/": "the products must exist and be yours",
    "POST /api/forecasts/refit/": "the variants must exist",
    "POST /api/reviews/bulk-decide/": "the items must exist, pending, with the hash of the version you saw",
    "POST /api/reviews/{id}/decide/": "the item must be pending, with the hash of the version you saw",
    "POST /api/sales/imports/": "the file must be a sales CSV, not any bytes",
    "POST /api/hooks/": "the URL's host must resolve to a public address (Django's URL check, not format: uri)",
    "POST /api/webhooks/endpoints/": "the URL's host must resolve to a public address (Django's URL check)",
    "PUT /api/webhooks/endpoints/{id}/": "the URL's host must resolve to a public address (Django's URL check)",
    "PATCH /api/webhooks/endpoints/{id}/": "the URL's host must resolve to a public address (Django's URL check)",
}


def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


schema = schemathesis.openapi.from_dict(_schema())
schema.app = get_wsgi_application()


@pytest.fixture
def studio_rows(db):
    """A studio with a little of everything, so valid ids exist for the generated requests."""
    ines = UserFactory(username="ines", role="artisan")
    tomas = UserFactory(username="tomas", role="artisan")
    for maker in (ines, tomas):
        product = ProductFactory(maker=maker)
        variant = VariantFactory(product=product)
        SaleFactory(variant=variant)
        forecast(variant, 2.0)
        plan_for(maker)
    mara = UserFactory(username="mara", role="manager")
    return {"manager": mara, "artisan": ines}


@pytest.fixture(params=["manager", "artisan"])
def bearer(request, studio_rows) -> dict:
    issued = api_token_create(
        user=studio_rows[request.param], name="schemathesis", scopes=["read", "write", "decide"], days=30
    )
    return {"Authorization": f"Bearer {issued.secret}"}


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """The WSGI app closes the database connection after each request, which ends the test's transaction on
    PostgreSQL; Django's own test client keeps it open the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def public_dns(monkeypatch):
    """Webhook URLs are checked by resolving their host; there is no DNS here, so names resolve to a
    public address (IP literals still go through the real check)."""
    real = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):
        try:
            socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
        except (OSError, TypeError):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC_ADDRESS, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


def _fresh_idempotency_key(case) -> None:
    """A valid generated key would be sent again with another body by the next example, which the API
    rightly refuses (422); each valid key is made unique, invalid ones are kept to test their 400."""
    headers = case.headers or {}
    if HEADER in headers and re.fullmatch(KEY_PATTERN, str(headers[HEADER])):
        headers[HEADER] = str(uuid.uuid4())


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_as_its_schema_says(case, bearer):
    _fresh_idempotency_key(case)
    excluded = [positive_data_acceptance] if case.operation.label in REFUSED_BY_STATE else []
    case.call_and_validate(headers=bearer, excluded_checks=excluded)
