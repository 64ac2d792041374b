"""OpenAPI generation: the project's additions to drf-spectacular's AutoSchema."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    name="Idempotency-Key",
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Optional. A repeat of this request with the same key within 24 hours (even a concurrent one) "
        "returns the first response and changes nothing; the same key with a different body is 422."
    ),
)


class AutoSchema(SpectacularAutoSchema):
    def get_override_parameters(self):
        params = list(super().get_override_parameters())
        handler = getattr(self.view, self.method.lower(), None)
        if getattr(handler, "idempotent", False):
            params.append(IDEMPOTENCY_PARAMETER)
        return params


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details; `code` is stable, `errors` holds per-field messages.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
    "required": ["type", "title", "status", "detail", "code"],
}


def add_problem_responses(result, generator, request, public):
    """Postprocessing hook: every operation documents its errors as problem details."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    ref = {"$ref": "#/components/schemas/Problem"}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            operation["responses"].setdefault(
                "default",
                {
                    "description": "An error, as problem details.",
                    "content": {"application/problem+json": {"schema": ref}, "application/json": {"schema": ref}},
                },
            )
    return result
