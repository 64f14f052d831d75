"""The dev server's request log leaves out successful static and media requests (issue 15: first run)."""

import logging

import pytest

from studio.logging_filters import QuietAssetRequests


def _record(request_line: str, status: int) -> logging.LogRecord:
    """A record as django.core.servers.basehttp.WSGIRequestHandler.log_message makes it."""
    record = logging.LogRecord(
        "django.server", logging.INFO, __file__, 1, '"%s" %s %s', (request_line, str(status), "1234"), None
    )
    record.status_code = status
    return record


@pytest.mark.parametrize(
    "request_line, status, logged",
    [
        ("GET /static/css/atelier.css HTTP/1.1", 200, False),
        ("GET /static/js/review.js HTTP/1.1", 304, False),
        ("GET /media/photos/mug.jpg HTTP/1.1", 200, False),
        ("GET /favicon.ico HTTP/1.1", 302, False),
        ("GET /static/css/missing.css HTTP/1.1", 404, True),
        ("GET /media/photos/gone.jpg HTTP/1.1", 500, True),
        ("GET /catalog/ HTTP/1.1", 200, True),
        ("POST /review/3/decide/ HTTP/1.1", 302, True),
        ("GET /catalog/?q=/static/ HTTP/1.1", 200, True),
    ],
)
def test_successful_asset_requests_are_left_out_and_everything_else_is_logged(request_line, status, logged):
    assert QuietAssetRequests().filter(_record(request_line, status)) is logged


def test_a_record_without_a_request_line_is_logged():
    record = logging.LogRecord("django.server", logging.ERROR, __file__, 1, "HTTPS on the dev server", (), None)
    assert QuietAssetRequests().filter(record) is True


def test_the_dev_server_log_uses_the_filter():
    server_log = logging.getLogger("django.server")
    assert any(isinstance(f, QuietAssetRequests) for f in server_log.filters)
    assert server_log.handlers and not server_log.propagate
