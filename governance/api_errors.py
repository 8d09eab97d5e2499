"""Kept apart from api_base: DRF imports the permission classes while rest_framework.views
is still loading, and this module needs rest_framework.views."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.views import exception_handler as drf_exception_handler

from governance.errors import Conflict


class ConflictError(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def exception_handler(exc, context):
    """Errors from services reach API clients as JSON with field messages, like DRF's own."""
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = ValidationError(detail)
    elif isinstance(exc, Conflict):
        exc = ConflictError(str(exc))
    elif isinstance(exc, ProtectedError):
        exc = ValidationError({"non_field_errors": [str(exc.args[0])]})
    elif isinstance(exc, Http404):
        # Django's "No Area matches the given query." is English and names the model: a 404
        # says, in the caller's language, only that there is nothing here for them.
        exc = NotFound()
    return drf_exception_handler(exc, context)


def page_not_found(request, exception):
    """handler404 (DEBUG off): under /api/ a JSON answer like the API's own 404s."""
    if request.path_info.startswith("/api/"):
        return JsonResponse(
            {"detail": str(NotFound.default_detail)},
            status=404,
            json_dumps_params={"ensure_ascii": False},
        )
    return defaults.page_not_found(request, exception)
