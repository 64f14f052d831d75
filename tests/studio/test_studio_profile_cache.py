"""The studio profile every page shows comes from a shared cache when there is one, never stale after a save."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from studio.models import StudioProfile
from studio.services import studio_profile_get

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared_cache(settings, tmp_path):
    """A cache every process sees (files here; Redis in production)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path / "c")}
    }
    yield caches["default"]
    caches["default"].clear()


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


def test_with_a_shared_cache_the_profile_is_read_once(shared_cache):
    studio_profile_get()
    assert _queries(studio_profile_get) == 0
    assert studio_profile_get().name == StudioProfile.objects.get().name


def test_a_per_process_cache_is_not_used_another_process_could_not_drop_it():
    studio_profile_get()
    assert _queries(studio_profile_get) == 1


def test_saving_the_profile_shows_on_the_next_page_at_once(shared_cache, manager_client):
    profile = studio_profile_get()
    assert b"Kiln &amp; Co" not in manager_client.get("/review/").content
    profile.name = "Kiln & Co"
    profile.save()
    assert studio_profile_get().name == "Kiln & Co"
    assert b"Kiln &amp; Co" in manager_client.get("/review/").content


def test_a_deleted_profile_is_not_served_from_the_cache(shared_cache):
    first = studio_profile_get()
    StudioProfile.objects.all().delete()
    assert studio_profile_get().pk != first.pk
