"""The OpenAPI schema's shared parts: token auth as a security scheme, Idempotency-Key on every POST,
and problem+json error answers."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter

from studio.api.idempotency import HEADER, KEY_PATTERN, MAX_KEY_LENGTH


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "studio.api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "atl_…",
            "description": "A personal API token from your profile page (`Authorization: Bearer atl_…`). "
            "It acts as you, limited to its scopes: read (GET), write (create, edit, start work), "
            "decide (approve or reject drafts).",
        }


IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": KEY_PATTERN},
    OpenApiParameter.HEADER,
    required=False,
    description=(
        f"Optional, 1–{MAX_KEY_LENGTH} visible ASCII characters (a UUID is ideal). Sending the same key with the "
        "same body again within 24 hours returns the first answer (with `Idempotent-Replayed: true`) instead of "
        "running the request twice; the same key with another body is refused with 422, and a duplicate sent "
        "while the first is still running with 409."
    ),
)


class AtelierAutoSchema(AutoSchema):
    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self.method == "POST":
            parameters = [*parameters, IDEMPOTENCY_KEY]
        return parameters

    def map_parsers(self):
        """A view that reads JSON is documented as JSON only: form-encoding its body loses the types (a boolean,
        a nested list), so the schema doesn't promise it. Upload views (multipart only) keep theirs."""
        media_types = super().map_parsers()
        return ["application/json"] if "application/json" in media_types else media_types

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        """A list that may not be empty (allow_empty=False) says so: minItems 1, as the view refuses []."""
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if getattr(field, "allow_empty", True) is False and schema.get("type") == "array":
            schema.setdefault("minItems", 1)
        return schema


PROBLEM = {
    "type": "object",
    "description": "An error, as RFC 9457 problem details (application/problem+json).",
    "properties": {
        "type": {"type": "string", "description": "about:blank, or a URI naming the kind of problem."},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What went wrong, for people."},
        "errors": {
            "type": "object",
            "description": "Field errors, keyed by field (validation errors only).",
            "additionalProperties": {},
        },
    },
    "required": ["type", "title", "status", "detail"],
}


PROBLEM_CONTENT = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}

# Errors any operation can answer, whatever its view says: who may call it (401, 403), a bad query
# or header (400), an id or page that doesn't exist (404), and the Idempotency-Key's refusals on a POST.
_COMMON_ERRORS = {
    "400": "Invalid input: a field, a query parameter or a header.",
    "401": "No credentials, or a token that is unknown, expired or revoked.",
    "403": "Signed in, but without the role, the permission or the token scope this needs.",
    "404": "No such object among those you may see, or no such page of results.",
}
_BODY_ERRORS = {
    "413": "The request body is larger than the server accepts.",
    "415": "The request body's Content-Type is not one this operation reads.",
}
_POST_ERRORS = {
    "409": "A request with the same Idempotency-Key is still running.",
    "422": "The Idempotency-Key was already used with another request.",
}


def _error_codes(path: str, method: str, operation: dict) -> dict[str, str]:
    codes = dict(_COMMON_ERRORS)
    if "requestBody" in operation:
        codes.update(_BODY_ERRORS)
    if method == "post":
        codes.update(_POST_ERRORS)
    return codes


def problem_responses(result, generator, request, public):
    """Postprocessing hook: error answers documented with an "…Error" body are problem+json documents,
    and every operation documents the errors every API view can answer (_error_codes).

    Answers that are results (a job, an import report, per-file upload results) keep their own schema,
    with problem+json beside it where the same code can also be a plain error.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    replaced: set[str] = set()
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code, description in _error_codes(path, method, operation).items():
                response = responses.setdefault(code, {"description": description})
                response.setdefault("content", {}).update(PROBLEM_CONTENT)
            for code, response in operation.get("responses", {}).items():
                body = response.get("content", {}).get("application/json")
                if not code.isdigit() or int(code) < 400 or body is None:
                    continue
                name = body.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
                if name.endswith("Error"):
                    response["content"] = {
                        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                    }
                    replaced.add(name)
    schemas["Problem"] = PROBLEM
    still_used = repr(result.get("paths", {}))
    for name in replaced:
        if f"#/components/schemas/{name}'" not in still_used:
            schemas.pop(name, None)
    return result
