"""The app's URLs plus media, for the browser tests (pytest runs with DEBUG off,
so studio.urls doesn't serve uploaded photos there)."""

from django.conf import settings
from django.urls import re_path
from django.views.static import serve

from web.urls import handler400, handler403, handler404, handler500  # noqa: F401
from web.urls import urlpatterns as app_urlpatterns


def media(request, path):
    # MEDIA_ROOT is a fresh temporary directory per test, so read it per request.
    return serve(request, path, document_root=settings.MEDIA_ROOT)


urlpatterns = [*app_urlpatterns, re_path(r"^media/(?P<path>.*)$", media)]
