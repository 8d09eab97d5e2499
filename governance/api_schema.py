"""The OpenAPI schema says what the API answers when a call goes wrong, once for every
operation, instead of on each view: every viewset inherits it through DEFAULT_SCHEMA_CLASS."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from governance.api_base import RejectUnknownFieldsMixin


class ErrorSerializer(serializers.Serializer):
    """The body of every refusal that is not about fields (DRF's own shape)."""

    detail = serializers.CharField()

    class Meta:
        ref_name = "Error"


# Field errors are {field: [message, ...]}; a list field nests them by index ({"points":
# {"3": [...]}}); errors about the request as a whole are {"detail": "..."} (a NUL character,
# unreadable JSON) or {"non_field_errors": [...]}.
VALIDATION_ERROR = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="The request was refused: field errors {field: [messages]} (nested by index "
    'for lists), or {"detail": message} for the request as a whole.',
)
BODY_METHODS = {"POST", "PUT", "PATCH"}


class PortalAutoSchema(AutoSchema):
    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and isinstance(serializer, RejectUnknownFieldsMixin):
            schema["additionalProperties"] = False  # a field it cannot set is refused
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        errors = {"400": VALIDATION_ERROR}
        if not all(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            errors["401"] = OpenApiResponse(
                ErrorSerializer,
                description="No credentials, or a token that is unknown, "
                "revoked or expired, or whose account is disabled.",
            )
            errors["403"] = OpenApiResponse(
                ErrorSerializer, description="The caller may not do this (in this area)."
            )
        if "{" in self.path:
            errors["404"] = OpenApiResponse(
                ErrorSerializer, description="No such row in the caller's area."
            )
        if self.method in BODY_METHODS:
            errors["413"] = OpenApiResponse(ErrorSerializer, description="The body is too large.")
            errors["415"] = OpenApiResponse(
                ErrorSerializer, description="The body is not JSON (application/json)."
            )
        if self.view.get_throttles():
            errors["429"] = OpenApiResponse(
                ErrorSerializer, description="Too many calls; Retry-After says when to try again."
            )
        for code, response in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses
