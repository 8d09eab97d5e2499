"""What every API view shares: permission, pagination, errors and the scoped queryset."""

from django.utils.translation import gettext as _
from rest_framework import permissions
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination

from governance.models import Role
from governance.scoping import visible_to


class IsPortalUser(permissions.BasePermission):
    """An active account; for session calls, one that has passed its second factor."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if getattr(user, "api_token", None) is not None:
            return True
        if user.role == Role.API_CLIENT:
            return False  # API clients authenticate with a token, never a session
        return not user.needs_second_factor or user.is_verified()


class IdCursorPagination(CursorPagination):
    ordering = "-pk"
    page_size_query_param = "page_size"
    max_page_size = 500


class CodeCursorPagination(IdCursorPagination):
    ordering = "code"


class CreatedCursorPagination(IdCursorPagination):
    ordering = ("-created_at", "-pk")


class ScopedQuerysetMixin:
    """Viewsets name `base_queryset`; the scoping rule decides which of its rows a caller sees."""

    base_queryset = None

    def get_queryset(self):
        return visible_to(self.request.user, self.base_queryset.all())


class RejectUnknownFieldsMixin:
    """A field the serializer does not take is an error, not silently dropped: a client that
    sends `level` to an update must learn that it changed nothing."""

    def validate(self, attrs):
        unknown = sorted(set(getattr(self, "initial_data", {}) or {}) - set(self.fields))
        if unknown:
            raise ValidationError({name: [_("This field cannot be set here.")] for name in unknown})
        return super().validate(attrs)
