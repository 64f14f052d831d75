"""The OpenAPI schema's shared parts: token auth as a security scheme, Idempotency-Key on every POST,
and problem+json error answers."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter

from studio.api.idempotency import HEADER, MAX_KEY_LENGTH


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
    str,
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


def problem_responses(result, generator, request, public):
    """Postprocessing hook: error answers documented with an "…Error" body are problem+json documents.

    Answers that are results (a job, an import report, per-file upload results) keep their own schema.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    replaced: set[str] = set()
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
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
