"""What every API view shares: permission, pagination, errors and the scoped queryset."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model
from django.utils.translation import gettext as _
from rest_framework import permissions
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from governance.models import ApiToken
from governance.scoping import visible_to


def request_token(request: Any) -> ApiToken | None:
    """The API token a request authenticated with (DRF keeps it in `request.auth`); None for
    a session. The scoping functions take it as `token=`."""
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiToken) else None


class IsPortalUser(permissions.BasePermission):
    """An active account; for session calls, one that has passed its second factor."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if request_token(request) is not None:
            return True
        if user.is_api_client:
            return False  # API clients authenticate with a token, never a session
        return not user.needs_second_factor or user.is_verified()


class RulesPermission(permissions.BasePermission):
    """The view's model's own rules (`Meta.rules_permissions`), for the action asked: list and
    retrieve need `view`, create `add`, update `change`, destroy `delete`, with the object
    when there is one. An extra @action reads (`view`) on GET and changes (`change`) on other
    methods unless the viewset's `action_permissions` names another (a POST that only reads).
    Objects reach `has_object_permission` through the scoped queryset, token included."""

    ACTIONS = {
        "list": "view",
        "retrieve": "view",
        "create": "add",
        "update": "change",
        "partial_update": "change",
        "destroy": "delete",
    }
    METHODS = {"POST": "add", "PUT": "change", "PATCH": "change", "DELETE": "delete"}

    def _perm(self, request, view) -> str | None:
        get_queryset = getattr(view, "get_queryset", None)
        if get_queryset is None:
            return None  # a view with no rows (the API root)
        model: type[Model] = get_queryset().model
        action = getattr(view, "action", None)
        if action in self.ACTIONS:
            kind = self.ACTIONS[action]
        elif action is not None:
            kind = getattr(view, "action_permissions", {}).get(action) or (
                "view" if request.method in permissions.SAFE_METHODS else "change"
            )
        else:
            kind = self.METHODS.get(request.method, "view")
        return f"{model._meta.app_label}.{kind}_{model._meta.model_name}"

    def has_permission(self, request, view) -> bool:
        if getattr(view, "detail", False):
            # Asked with the object once the scoped queryset found it: a hidden row is then
            # 404 for everyone, whatever they could have done with it.
            return True
        perm = self._perm(request, view)
        return perm is None or request.user.has_perm(perm)

    def has_object_permission(self, request, view, obj) -> bool:
        perm = self._perm(request, view)
        return perm is None or request.user.has_perm(perm, obj)


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
        return visible_to(
            self.request.user, self.base_queryset.all(), token=request_token(self.request)
        )


class RejectUnknownFieldsMixin:
    """A field the serializer does not take is an error, not silently dropped: a client that
    sends `level` to an update must learn that it changed nothing."""

    def validate(self, attrs):
        unknown = sorted(set(getattr(self, "initial_data", {}) or {}) - set(self.fields))
        if unknown:
            raise ValidationError({name: [_("This field cannot be set here.")] for name in unknown})
        return super().validate(attrs)


def visible_choices(model):
    """The rows of `model` the request's caller sees, as the choices of a filter or a payload
    field: a hidden row "does not exist" for them. `queryset=visible_choices(Model)`."""

    def rows(request):
        return visible_to(
            getattr(request, "user", None),
            model._default_manager.all(),
            token=request_token(request),
        )

    return rows


class ScopedFieldsMixin:
    """A serializer whose related fields take only the caller's visible rows: name them in
    `scoped_fields = {"grid": visible_choices(Area), ...}`."""

    scoped_fields: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")  # absent while the schema is generated
        if request is not None:
            for name, choices in self.scoped_fields.items():
                field = self.fields.get(name)
                if field is None:
                    continue
                target = getattr(field, "child_relation", field)  # many=True
                target.queryset = choices(request)


class ServiceWriteMixin:
    """`create` and `update` through the app's services: the write serializer checks the
    shape, the service the rules (and saves), the answer is the read serializer's. A viewset
    names `read_serializer`, `create_serializer`, `update_serializer` and implements
    `create_with(data)` / `update_with(row, data)`, each one service call; its schema names
    the serializers with `extend_schema_view`."""

    read_serializer: Any = None
    create_serializer: Any = None
    update_serializer: Any = None

    def get_serializer_class(self):
        action = getattr(self, "action", None)
        if action == "create" and self.create_serializer is not None:
            return self.create_serializer
        if action in {"update", "partial_update"} and self.update_serializer is not None:
            return self.update_serializer
        return self.read_serializer

    def _answer(self, row: Any, code: int = 200) -> Response:
        return Response(
            self.read_serializer(row, context=self.get_serializer_context()).data, status=code
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._answer(self.create_with(dict(serializer.validated_data)), 201)

    def update(self, request, *args, partial: bool = False, **kwargs):
        row = self.get_object()
        serializer = self.get_serializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return self._answer(self.update_with(row, dict(serializer.validated_data)))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)
