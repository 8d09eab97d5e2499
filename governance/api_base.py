"""What every API view shares: permission, pagination, errors and the scoped queryset."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import permissions
from rest_framework.exceptions import NotFound, ValidationError
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

    def paginate_queryset(self, queryset, request, view=None):
        self.model = queryset.model  # decode_cursor checks the position against its field
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request) -> int:
        # DRF falls back to the default for a size it cannot read (page_size=null); a client
        # must learn that its request was not what it meant.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= self.max_page_size):
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("The page size must be a whole number from 1 to %(max)d.")
                        % {"max": self.max_page_size}
                    ]
                }
            )
        return int(raw)

    def decode_cursor(self, request):
        """A cursor is opaque to clients, but it is input: a tampered one is a 400, whether it
        does not decode or its position is not a value of the ordering field (a NUL, a word
        where a date belongs), instead of an error from the database."""
        invalid = ValidationError({self.cursor_query_param: [self.invalid_cursor_message]})
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise invalid from None
        if cursor is None or cursor.position is None:
            return cursor
        name = self.ordering[0].lstrip("-")
        field = self.model._meta.pk if name == "pk" else self.model._meta.get_field(name)
        if "\x00" in cursor.position:
            raise invalid
        try:
            field.to_python(cursor.position)
        except DjangoValidationError:
            raise invalid from None
        return cursor

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters


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
