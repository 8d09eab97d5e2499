"""Kept apart from api_base: DRF imports the permission classes while rest_framework.views
is still loading, and this module needs rest_framework.views."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from rest_framework.exceptions import ValidationError
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """Errors from services reach API clients as JSON with field messages, like DRF's own."""
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = ValidationError(detail)
    elif isinstance(exc, ProtectedError):
        exc = ValidationError({"non_field_errors": [str(exc.args[0])]})
    return drf_exception_handler(exc, context)
