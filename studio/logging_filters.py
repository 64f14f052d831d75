"""Logging filters named in settings.LOGGING."""

from __future__ import annotations

import logging

from django.conf import settings


class QuietAssetRequests(logging.Filter):
    """Leave successful static and media requests out of the dev server's request log (django.server).

    A page pulls in a dozen stylesheets, scripts and photos; logging each buries the
    requests that matter. A static or media request that failed (4xx, 5xx) is still logged.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and status >= 400:
            return True
        args = record.args if isinstance(record.args, tuple) else ()
        request_line = str(args[0]) if args else ""
        parts = request_line.split()
        path = parts[1] if len(parts) >= 2 else ""
        return not path.startswith(_asset_prefixes()) and path != "/favicon.ico"


def _asset_prefixes() -> tuple[str, ...]:
    prefixes = []
    for url in (settings.STATIC_URL, settings.MEDIA_URL):
        if url and "://" not in url:
            prefixes.append("/" + url.lstrip("/"))
    return tuple(prefixes)
