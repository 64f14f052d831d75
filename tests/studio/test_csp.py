"""Every page carries a strict Content-Security-Policy (issue 14): scripts only from the site's own files."""

import pytest

from studio.csp import content_security_policy

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/accounts/login/", "/", "/review/", "/api/docs/", "/admin/"])
def test_pages_carry_the_policy(url, manager_client):
    response = manager_client.get(url, follow=True)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "'unsafe-eval'" not in policy and "script-src 'self' 'unsafe-inline'" not in policy


def test_the_api_docs_have_no_inline_script(manager_client):
    page = manager_client.get("/api/docs/").content.decode()
    assert "<script>" not in page  # the split view serves its start-up script as a file
    script = manager_client.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


def test_media_on_another_host_may_be_shown(settings):
    settings.MEDIA_URL = "https://media.example.com/studio/"
    assert "img-src 'self' data: blob: https://media.example.com" in content_security_policy()
    settings.ATELIER_CSP = "default-src 'self'"
    assert content_security_policy() == "default-src 'self'"
