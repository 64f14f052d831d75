"""Sign-in is throttled (issue 14): 20 wrong passwords in a row used to be accepted."""

import base64

import pytest
from django.test import Client

from studio.models import SignInFailure
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mara(settings):
    settings.ATELIER_LOGIN_MAX_FAILURES = 3
    settings.ATELIER_LOGIN_LOCKOUT_SECONDS = 600
    user = UserFactory(username="mara", role="manager")
    user.set_password("right horse battery staple")
    user.save()
    return user


def sign_in(client: Client, password: str, *, address: str = "10.0.0.1"):
    return client.post("/accounts/login/", {"username": "mara", "password": password}, REMOTE_ADDR=address)


def test_after_n_wrong_passwords_even_the_right_one_waits_with_a_clear_message(mara):
    client = Client()
    for _ in range(3):
        response = sign_in(client, "wrong")
        assert response.status_code == 200 and "_auth_user_id" not in client.session
    response = sign_in(client, "right horse battery staple")
    page = response.content.decode()
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert "Too many wrong passwords for this account from your address" in page and "10 minutes" in page


def test_another_address_is_not_locked_out_and_a_success_clears_the_count(mara):
    client = Client()
    for _ in range(3):
        sign_in(client, "wrong")
    response = sign_in(Client(), "right horse battery staple", address="10.0.0.2")
    assert response.status_code == 302
    other = Client()
    sign_in(other, "wrong", address="10.0.0.3")
    assert sign_in(other, "right horse battery staple", address="10.0.0.3").status_code == 302
    assert not SignInFailure.objects.filter(address="10.0.0.3").exists()


def test_basic_auth_is_throttled_too(mara):
    def basic(password):
        token = base64.b64encode(f"mara:{password}".encode()).decode()
        return Client().get("/api/studio/", HTTP_AUTHORIZATION=f"Basic {token}", REMOTE_ADDR="10.0.0.9")

    assert basic("right horse battery staple").status_code == 200
    for _ in range(3):
        assert basic("wrong").status_code in (401, 403)
    assert basic("right horse battery staple").status_code in (401, 403)


def test_the_lockout_ends(mara):
    client = Client()
    for _ in range(3):
        sign_in(client, "wrong")
    SignInFailure.objects.update(locked_until="2000-01-01T00:00:00Z", last_at="2000-01-01T00:00:00Z")
    assert sign_in(client, "right horse battery staple").status_code == 302
