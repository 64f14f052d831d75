"""A signed-in user with no role reads nothing of the API: not /api/studio/, not the schema or docs (issue 14)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PAGES = ["/api/studio/", "/api/schema/?format=json", "/api/docs/", "/api/redoc/"]


@pytest.mark.parametrize("url", PAGES)
def test_no_role_and_anonymous_are_refused(url, outsider_client):
    assert outsider_client.get(url).status_code == 403
    assert Client().get(url).status_code == 401  # not signed in: asked to authenticate (Bearer challenge)


def test_a_user_without_a_role_is_told_why(outsider_client):
    body = outsider_client.get("/api/studio/").json()  # a problem document (studio.api.problems)
    assert body["status"] == 403
    assert body["detail"] == "Your account has no role in this studio yet; ask a shop manager to give you one."


@pytest.mark.parametrize("url", PAGES)
def test_managers_and_artisans_read_them(url, manager_client, artisan_client):
    assert manager_client.get(url).status_code == 200
    assert artisan_client.get(url).status_code == 200


def test_the_schema_can_be_published_deliberately(settings):
    settings.ATELIER_API_SCHEMA_PUBLIC = True
    assert Client().get("/api/schema/?format=json").status_code == 200
    assert Client().get("/api/studio/").status_code == 401  # the data stays private
