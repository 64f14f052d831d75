"""`Idempotency-Key` for every POST under /api/: retries of the same request don't run it twice.

The same key with the same body (per user) answers with the first response, stored for
24 hours; the same key with another body is refused (422); a duplicate that arrives
while the first is still running is refused (409, retry shortly). One middleware does
it for every route, so a new endpoint is covered without a line of its own.

The body's fingerprint is taken after parsing where a retry may legitimately differ in
bytes: a multipart upload (a new boundary each time) by its fields and each file's
SHA-256, JSON by its canonical form.
"""

from __future__ import annotations

import hashlib
import json

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.settings import api_settings

from studio.api.authentication import TokenAuthentication, token_user
from studio.api.problems import API_PREFIX, problem_response
from studio.api.services import idempotency_claim, idempotency_complete, idempotency_release

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# Visible ASCII, spaces only inside: HTTP strips a header value's outer spaces, so " " arrives empty.
KEY_PATTERN = r"^[!-~]([ -~]*[!-~])?$"
REPLAYED_HEADER = "Idempotent-Replayed"
# Answers that are about the credentials or the moment, not the request: never replayed.
NOT_STORED = {401, 403, 408, 429}


def _sender(request):
    """The user the API will see for this request (scopes are the view's business), or None."""
    try:
        found = token_user(request)
        if found is not None:
            return found[0]
        others = [cls() for cls in api_settings.DEFAULT_AUTHENTICATION_CLASSES if cls is not TokenAuthentication]
        user = Request(request, authenticators=others).user
    except APIException:
        return None
    return user if user.is_authenticated else None


def fingerprint(request) -> str:
    digest = hashlib.sha256(f"{request.method} {request.get_full_path()}\n".encode())
    content_type = request.content_type or ""
    if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        for name in sorted(request.POST):
            digest.update(json.dumps([name, request.POST.getlist(name)]).encode())
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                digest.update(json.dumps([name, upload.name, upload.size]).encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
        return digest.hexdigest()
    body = request.body
    if content_type.endswith("json"):
        try:
            body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
        except ValueError:
            pass  # the view will refuse it; the raw bytes still identify it
    digest.update(content_type.encode() + b"\n" + body)
    return digest.hexdigest()


def _valid(key: str) -> bool:
    return 0 < len(key) <= MAX_KEY_LENGTH and all(" " <= char <= "~" for char in key)


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        if not _valid(key):
            return problem_response(
                400,
                f"An {HEADER} is 1 to {MAX_KEY_LENGTH} visible ASCII characters, e.g. a UUID.",
                kind="idempotency-key-invalid",
            )
        user = _sender(request)
        if user is None:
            return self.get_response(request)  # the view refuses it as usual (401/403)
        try:
            claim = idempotency_claim(user=user, key=key, fingerprint=fingerprint(request))
        except RequestDataTooBig as error:
            return problem_response(413, str(error))
        if claim.refusal == "mismatch":
            return problem_response(
                422,
                f"This {HEADER} was already used with another request in the last 24 hours. "
                "Send a new key for a new request.",
                kind="idempotency-key-reused",
            )
        if claim.refusal == "in_flight":
            return problem_response(
                409,
                f"A request with this {HEADER} is still running. Retry in a moment to get its answer.",
                kind="idempotency-in-flight",
                headers={"Retry-After": "1"},
            )
        if claim.replay is not None:
            stored = claim.replay
            response = HttpResponse(bytes(stored.body), status=stored.status_code, content_type=stored.content_type)
            if stored.location:
                response["Location"] = stored.location
            response[REPLAYED_HEADER] = "true"
            return response
        try:
            response = self.get_response(request)
        except BaseException:
            idempotency_release(record=claim.record)
            raise
        if response.streaming or response.status_code >= 500 or response.status_code in NOT_STORED:
            idempotency_release(record=claim.record)
        else:
            idempotency_complete(
                record=claim.record,
                status_code=response.status_code,
                content_type=response.get("Content-Type", ""),
                body=response.content,
                location=response.get("Location", ""),
            )
        return response
