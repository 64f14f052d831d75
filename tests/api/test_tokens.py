"""API tokens across every API route: scopes, expiry and revocation, and an artisan's isolation.

The routes come from the URL resolver (tests/api/routes.py), so a new endpoint is covered
by these tests the day it is added.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.test import Client
from django.utils import timezone

from approvals.services import review_submit
from catalog.models import Product
from studio.api.services import api_token_authenticate, api_token_create, api_token_revoke, token_digest
from studio.models import ApiToken
from studio.permissions import VIEW
from studio.services import job_create
from tests.api.routes import DOCS, ROUTES
from tests.api.test_forecasting_api import forecast, plan_for
from tests.factories import SaleFactory

pytestmark = pytest.mark.django_db

ALL = ["read", "write", "decide"]
# The review queue's decisions; everything else unsafe needs write, everything safe read.
DECISIONS = {"api-review-decide", "api-review-bulk-decide"}
SCOPE_PROBLEM = "tag:atelier.local,2026:problem/token-scope"


def needed(route, method: str) -> str:
    if method == "get":
        return "read"
    return "decide" if route.name in DECISIONS else "write"


def call(client: Client, method: str, url: str, token: str | None = None, body: dict | None = None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    if method == "get":
        return client.get(url, **headers)
    return getattr(client, method)(url, body or {}, content_type="application/json", **headers)


def secret_for(user, scopes=ALL, days=30) -> str:
    return api_token_create(user=user, name="tests", scopes=list(scopes), days=days).secret


def route_methods(*, safe: bool | None = None):
    return [
        pytest.param(route, method, id=f"{method.upper()} {route.name}")
        for route in ROUTES
        for method in route.methods
        if safe is None or (method == "get") == safe
    ]


@pytest.fixture
def rows(artisan, other_artisan, own_product, others_product, product_kind):
    """model → (the artisan's row, the other artisan's row), for every kind of row an artisan owns."""
    own_variant, others_variant = own_product.variants.get(), others_product.variants.get()
    pairs = [
        (own_product, others_product),
        (own_variant, others_variant),
        (SaleFactory(variant=own_variant), SaleFactory(variant=others_variant)),
        (review_submit(draft=own_product), review_submit(draft=others_product)),
        (
            job_create(kind="x", label="mine", created_by=artisan),
            job_create(kind="x", label="theirs", created_by=other_artisan),
        ),
        (forecast(own_variant, 3), forecast(others_variant, 4)),
        (plan_for(artisan), plan_for(other_artisan)),
    ]
    return {type(own): (own, theirs) for own, theirs in pairs}


def route_model(route):
    # products/{pk}/channel/ is the one route with an id and no queryset: the id is a product's.
    return route.model or (Product if "pk" in route.params else None)


# --- Scopes ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("route, method", route_methods())
def test_a_token_without_the_methods_scope_is_refused_with_403(manager, route, method):
    scope = needed(route, method)
    token = secret_for(manager, [s for s in ALL if s != scope])
    response = call(Client(), method, route.url(pk=1), token)
    assert response.status_code == 403, response.content
    if route.name in DOCS:  # answered in the docs' own format (YAML, an HTML page)
        return
    problem = response.json()
    assert problem["type"] == SCOPE_PROBLEM
    assert f"“{scope}” scope" in problem["detail"]


@pytest.mark.parametrize("route, method", [p for p in route_methods() if p.values[0].name not in DOCS])
def test_a_token_with_the_methods_scope_gets_past_the_scope_check(manager, route, method):
    response = call(Client(), method, route.url(pk=1), secret_for(manager, [needed(route, method)]))
    assert response.status_code != 401
    if response.status_code == 403:
        assert response.json()["type"] != SCOPE_PROBLEM


def test_decide_scope_alone_decides_and_write_alone_does_not(artisan, own_product, product_kind):
    item = review_submit(draft=own_product)
    body = {"decision": "approve", "seen_hash": item.snapshot_hash}
    url = f"/api/reviews/{item.pk}/decide/"
    writer, decider = secret_for(artisan, ["read", "write"]), secret_for(artisan, ["decide"])
    refused = Client().post(url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {writer}")
    assert refused.status_code == 403
    item.refresh_from_db()
    assert item.state == "pending"
    decided = Client().post(url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {decider}")
    assert decided.status_code == 200, decided.content
    assert decided.json()["state"] == "approved"
    assert decided.json()["events"][-1]["actor"] == "ines"  # the token acted as its user


# --- Expired, revoked, unknown ------------------------------------------------------------------------------


@pytest.fixture
def dead_tokens(artisan):
    expired = api_token_create(user=artisan, name="old", scopes=ALL, days=7)
    ApiToken.objects.filter(pk=expired.token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    revoked = api_token_create(user=artisan, name="leaked", scopes=ALL, days=30)
    api_token_revoke(token_id=revoked.token.pk, by=artisan)
    return {
        "expired": (expired.secret, "This token has expired."),
        "revoked": (revoked.secret, "This token was revoked."),
        "unknown": ("atl_" + "x" * 43, "Invalid token."),
        "not ours": ("ghp_abcdef", "Invalid token."),
    }


@pytest.mark.parametrize("route, method", route_methods())
def test_expired_revoked_and_unknown_tokens_are_401_on_every_route(dead_tokens, route, method):
    for secret, message in dead_tokens.values():
        response = call(Client(), method, route.url(pk=1), secret)
        assert response.status_code == 401, (secret, response.content)
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
        assert route.name in DOCS or response.json()["detail"] == message


def test_a_malformed_bearer_header_is_a_401(artisan):
    response = Client().get("/api/products/", HTTP_AUTHORIZATION="Bearer two words")
    assert response.status_code == 401
    assert "Invalid token header" in response.json()["detail"]


def test_an_inactive_users_token_is_refused(artisan):
    secret = secret_for(artisan)
    artisan.is_active = False
    artisan.save()
    response = Client().get("/api/products/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 401


# --- The token acts as its user ----------------------------------------------------------------------------------


@pytest.mark.parametrize("route", [r for r in ROUTES if "get" in r.methods and r.name not in DOCS], ids=str)
def test_an_artisans_token_sees_exactly_what_the_artisans_session_sees(rows, artisan, artisan_client, route):
    token = secret_for(artisan, ["read"])
    model = route_model(route)
    ids = [999999]
    if model in rows:
        ids = [row.pk for row in rows[model]]
    for pk in ids if route.params else [None]:
        url = route.url(pk=pk)
        by_session, by_token = artisan_client.get(url), call(Client(), "get", url, token)
        assert (by_token.status_code, by_token.json()) == (by_session.status_code, by_session.json()), url


@pytest.mark.parametrize("route, method", [p for p in route_methods() if "pk" in p.values[0].params])
def test_an_artisans_token_cannot_touch_another_makers_rows(rows, artisan, other_artisan, route, method):
    model = route_model(route)
    if model not in rows:
        pytest.skip("no row of another maker behind this route")
    own, theirs = rows[model]
    assert not model.objects.restrict(artisan, VIEW).filter(pk=theirs.pk).exists()  # the fixture is right
    before = model.objects.filter(pk=theirs.pk).values().get()
    # A body that would pass validation, so the refusal is about the row, not the input.
    body = {"decision": "approve", "seen_hash": theirs.snapshot_hash} if route.name in DECISIONS else {}
    response = call(Client(), method, route.url(pk=theirs.pk), secret_for(artisan), body)
    assert response.status_code in (403, 404), response.content
    assert model.objects.filter(pk=theirs.pk).values().get() == before


def test_every_kind_of_owned_row_is_covered_by_the_isolation_test(rows):
    with_ids = {route_model(route) for route in ROUTES if "pk" in route.params}
    assert set(rows) <= with_ids  # each owned model is reachable by id through the API


@pytest.mark.parametrize(
    "url", [r.url() for r in ROUTES if r.name.endswith("-list") and r.model is not None and "get" in r.methods]
)
def test_an_artisans_token_lists_none_of_another_makers_rows(rows, artisan, url):
    response = call(Client(), "get", url, secret_for(artisan, ["read"]))
    if response.status_code == 403:
        return  # a managers-only list
    listed = {row["id"] for row in response.json()["results"]}
    theirs = {pair[1].pk for model, pair in rows.items() if model._meta.db_table in url.replace("/", "")}
    assert not listed & theirs


# --- The token itself -----------------------------------------------------------------------------------------------


def test_only_a_hash_is_stored_and_the_secret_is_recognisable(artisan):
    issued = api_token_create(user=artisan, name="n8n", scopes=["read"], days=90)
    assert issued.secret.startswith("atl_") and len(issued.secret) > 40
    stored = ApiToken.objects.get(pk=issued.token.pk)
    assert stored.digest == token_digest(issued.secret) and issued.secret not in str(ApiToken.objects.values().get())
    assert stored.prefix == issued.secret[:12]
    assert api_token_authenticate(secret=issued.secret).user == artisan
    assert abs((stored.expires_at - timezone.now()) - dt.timedelta(days=90)) < dt.timedelta(minutes=1)


def test_last_used_is_recorded(artisan, own_product):
    issued = api_token_create(user=artisan, name="zap", scopes=["read"], days=30)
    assert issued.token.last_used_at is None
    assert Client().get("/api/products/", HTTP_AUTHORIZATION=f"Bearer {issued.secret}").status_code == 200
    issued.token.refresh_from_db()
    assert issued.token.last_used_at is not None


def test_only_the_owner_or_a_manager_revokes_a_token(artisan, other_artisan, manager):
    issued = api_token_create(user=artisan, name="zap", scopes=["read"], days=30)
    with pytest.raises(ApiToken.DoesNotExist):
        api_token_revoke(token_id=issued.token.pk, by=other_artisan)
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at is None
    token = api_token_revoke(token_id=issued.token.pk, by=manager)
    assert token.revoked_at is not None and token.revoked_by == manager


def test_tokens_never_reach_the_logs(artisan, own_product, caplog, capsys):
    """Not in a request's log lines (a refused token logs a warning), nor in anything logged with one."""
    live, dead = secret_for(artisan), secret_for(artisan)
    api_token_revoke(token_id=ApiToken.objects.get(digest=token_digest(dead)).pk, by=artisan)
    with caplog.at_level(logging.DEBUG):
        Client().get("/api/products/", HTTP_AUTHORIZATION=f"Bearer {dead}")
        Client().get("/api/nope/", HTTP_AUTHORIZATION=f"Bearer {live}")
        logging.getLogger("atelier.tests").warning("an integration sent Authorization: Bearer %s", live)
        try:
            raise ValueError(f"upstream refused {live}")
        except ValueError:
            logging.getLogger("atelier.tests").exception("failed")
    assert caplog.records, "the requests logged nothing, so this test would prove nothing"
    logged = caplog.text + capsys.readouterr().err
    assert "Bearer atl_[redacted]" in logged
    assert live not in logged and dead not in logged


def test_the_schema_offers_tokens_beside_the_session(manager_client):
    # The schema needs a role (ATELIER_API_SCHEMA_PUBLIC off).
    schema = manager_client.get("/api/schema/?format=json").json()
    assert schema["components"]["securitySchemes"]["tokenAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "atl_…",
        "description": schema["components"]["securitySchemes"]["tokenAuth"]["description"],
    }
    assert "cookieAuth" in schema["components"]["securitySchemes"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            schemes = {name for requirement in operation.get("security", []) for name in requirement}
            assert {"tokenAuth", "cookieAuth"} <= schemes, (method, path)
    assert "Authorization: Bearer atl_" in schema["info"]["description"]


def test_a_write_token_edits_its_users_product_without_a_csrf_token(artisan, own_product):
    """A bearer token is no cookie a browser sends by itself, so token requests need no CSRF token."""
    client = Client(enforce_csrf_checks=True)
    response = client.patch(
        f"/api/products/{own_product.pk}/",
        {"story": "Fired in a wood kiln."},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret_for(artisan, ['write'])}",
    )
    assert response.status_code == 200, response.content
    own_product.refresh_from_db()
    assert own_product.story == "Fired in a wood kiln."
