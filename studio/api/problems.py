"""API errors as RFC 9457 problem details: `application/problem+json` with type, title, status, detail.

DRF's exceptions go through `problem_exception_handler`; a view that answers an error
with a plain `{"detail": …}` body is given the same shape by `ProblemDetailsMiddleware`,
which also labels every problem document with its media type (JSON renderers only:
the browsable API's HTML is left alone). Messages keep their words; field errors
stay under `errors`, keyed by field as before.
"""

from __future__ import annotations

import json
from http import HTTPStatus

from django.http import HttpResponse
from rest_framework import exceptions
from rest_framework.views import exception_handler

API_PREFIX = "/api/"
PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "tag:atelier.local,2026:problem/"

# Problem types with a meaning of their own; any other error is "about:blank" with the HTTP title.
TYPES = {
    "validation-error": "Invalid input",
    "token-scope": "Missing token scope",
    "idempotency-key-reused": "Idempotency-Key reused with another request",
    "idempotency-in-flight": "The first request with this Idempotency-Key is still running",
    "idempotency-key-invalid": "Invalid Idempotency-Key",
}


def problem(status: int, detail: str, *, kind: str = "", **extensions) -> dict:
    """A problem document; `kind` is one of TYPES, or empty for a plain HTTP error."""
    if kind:
        body = {"type": TYPE_BASE + kind, "title": TYPES[kind]}
    else:
        body = {"type": "about:blank", "title": _phrase(status)}
    body.update(status=status, detail=detail)
    body.update(extensions)
    return body


def problem_response(status: int, detail: str, *, kind: str = "", headers: dict | None = None, **extensions):
    """A ready HttpResponse for errors raised outside DRF (the idempotency middleware)."""
    return HttpResponse(
        json.dumps(problem(status, detail, kind=kind, **extensions)),
        status=status,
        content_type=PROBLEM_JSON,
        headers=headers,
    )


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _messages(errors, field: str = "") -> list[str]:
    """Every message in a DRF error structure, prefixed with its field path (items.0.seen_hash)."""
    if isinstance(errors, dict):
        return [message for name, value in errors.items() for message in _messages(value, _path(field, name))]
    if isinstance(errors, list):
        return [message for item in errors for message in _messages(item, field)]
    return [f"{field}: {errors}" if field else str(errors)]


def _path(field: str, name) -> str:
    if name == "non_field_errors":
        return field
    return f"{field}.{name}" if field else str(name)


def problem_exception_handler(exc, context):
    """DRF's handler, with the body reshaped into a problem document."""
    response = exception_handler(exc, context)
    if response is None:
        return None
    status = response.status_code
    if isinstance(exc, exceptions.ValidationError):
        errors = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        response.data = problem(status, " ".join(_messages(errors)), kind="validation-error", errors=errors)
    else:
        data = response.data if isinstance(response.data, dict) else {"detail": response.data}
        detail = str(data.pop("detail", "")) or _phrase(status)
        kind = "token-scope" if getattr(exc, "default_code", "") == "token_scope" else ""
        response.data = problem(status, detail, kind=kind, **data)
    return response


def _is_problem(body: object) -> bool:
    return isinstance(body, dict) and {"type", "title", "status"} <= body.keys() and isinstance(body["status"], int)


class ProblemDetailsMiddleware:
    """Under /api/: JSON error bodies become problem documents served as application/problem+json."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX) or response.status_code < 400 or response.streaming:
            return response
        if response.get("Content-Type", "").split(";")[0].strip() != "application/json":
            return response
        try:
            body = json.loads(response.content or b"null")
        except ValueError:
            return response
        if not _is_problem(body):
            # A view's own {"detail": …} error; bodies that are results (a job, an import report) stay as they are.
            if not (isinstance(body, dict) and isinstance(body.get("detail"), str) and "status" not in body):
                return response
            extensions = {name: value for name, value in body.items() if name != "detail"}
            body = problem(response.status_code, body["detail"], **extensions)
            response.content = json.dumps(body).encode()
        response["Content-Type"] = PROBLEM_JSON
        return response
