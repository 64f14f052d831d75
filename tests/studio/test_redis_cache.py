"""REDIS_URL: one cache shared by every web process, and sessions read from it (cached_db)."""

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from tests.studio.manage_cmd import manage

# A database number of the tests' own, so a developer's Redis data is never touched.
TEST_REDIS_URL = "redis://127.0.0.1:6379/13"

SHOW_SETTINGS = (
    "from django.conf import settings\n"
    "print('cache=' + settings.CACHES['default']['BACKEND'])\n"
    "print('location=' + str(settings.CACHES['default'].get('LOCATION', '')))\n"
    "print('sessions=' + settings.SESSION_ENGINE)\n"
)


def _redis_answers() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=0.5).ping())
    except Exception:
        return False


def test_without_redis_url_the_defaults_stay(tmp_path):
    result = manage("shell", "--no-imports", "-c", SHOW_SETTINGS, tmp_path=tmp_path, DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert "cache=django.core.cache.backends.locmem.LocMemCache" in result.stdout
    assert "sessions=django.contrib.sessions.backends.db" in result.stdout


def test_redis_url_configures_the_redis_cache_and_cached_sessions(tmp_path):
    result = manage(
        "shell", "--no-imports", "-c", SHOW_SETTINGS, tmp_path=tmp_path, DEBUG="1", REDIS_URL=TEST_REDIS_URL
    )
    assert result.returncode == 0, result.stderr
    assert "cache=django.core.cache.backends.redis.RedisCache" in result.stdout
    assert f"location={TEST_REDIS_URL}" in result.stdout
    assert "sessions=django.contrib.sessions.backends.cached_db" in result.stdout


def test_a_redis_url_that_is_not_one_stops_start_up(tmp_path):
    result = manage("check", tmp_path=tmp_path, DEBUG="1", REDIS_URL="127.0.0.1:6379")
    assert result.returncode != 0
    assert "REDIS_URL must start with redis://" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture
def redis_sessions(settings):
    if not _redis_answers():
        pytest.skip(f"no Redis answers at {TEST_REDIS_URL}")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": TEST_REDIS_URL,
            "KEY_PREFIX": "atelier-tests",
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    caches["default"].clear()
    yield caches["default"]
    caches["default"].clear()


def test_signing_in_with_redis_sessions_keeps_the_user_signed_in(redis_sessions, manager):
    client = Client()
    response = client.post(reverse("login"), {"username": manager.username, "password": "pw-for-tests-1"})
    assert response.status_code == 302, response.content[:500]
    session_key = client.cookies["sessionid"].value

    from django.contrib.sessions.backends.cached_db import KEY_PREFIX

    assert redis_sessions.get(KEY_PREFIX + session_key) is not None  # read from Redis …
    assert Session.objects.filter(session_key=session_key).exists()  # … written through to the database

    page = client.get(reverse("review-list"))
    assert page.status_code == 200
    assert manager.username.encode() in page.content

    redis_sessions.clear()  # Redis restarted or flushed: the database copy keeps the user signed in
    assert client.get(reverse("review-list")).status_code == 200

    client.post(reverse("logout"))
    assert redis_sessions.get(KEY_PREFIX + session_key) is None
    assert not Session.objects.filter(session_key=session_key).exists()
    assert client.get(reverse("review-list")).status_code == 302
