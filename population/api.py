import django_filters
from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from governance.api_base import (
    CreatedCursorPagination,
    RejectUnknownFieldsMixin,
    ScopedQuerysetMixin,
    request_token,
)
from governance.api_filters import PortalFilterSet
from governance.scoping import visible_to
from grid.models import Area, AreaLevel
from population import imports, selectors, services
from population.models import ImportStatus, Resident, ResidentImport, ResidentStatus


class ResidentSerializer(serializers.ModelSerializer):
    """A resident as the API shows them: the ID number and phone masked for everyone (the
    unmasked view, logged with its reason, is a later slice)."""

    id_number = serializers.CharField(source="id_number_masked", read_only=True)
    phone = serializers.CharField(source="phone_masked", read_only=True)
    grid_name = serializers.CharField(source="grid.name", read_only=True)

    class Meta:
        model = Resident
        fields = [
            "id",
            "grid",
            "grid_name",
            "name",
            "id_number",
            "sex",
            "birth_date",
            "phone",
            "status",
            "address",
            "employer",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


def _visible_grids(request):
    # A grid outside the caller's scope "does not exist" for them, in a filter or a payload.
    return visible_to(
        getattr(request, "user", None),
        Area.objects.filter(level=AreaLevel.GRID).defer("boundary"),
        token=request_token(request),
    )


class ResidentUpdateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=50)
    id_number = serializers.CharField(max_length=18, required=False)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=ResidentStatus.choices, required=False)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    employer = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ResidentCreateSerializer(ResidentUpdateSerializer):
    grid = serializers.PrimaryKeyRelatedField(queryset=Area.objects.none())
    id_number = serializers.CharField(max_length=18)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")  # absent while the schema is generated
        if request is not None:
            self.fields["grid"].queryset = _visible_grids(request)


class ResidentFilter(PortalFilterSet):
    grid = django_filters.ModelChoiceFilter(queryset=_visible_grids)
    q = django_filters.CharFilter(method="filter_q", label=_("Name, phone or full ID number"))

    class Meta:
        model = Resident
        fields = ["grid", "q"]

    def filter_q(self, queryset, name, value):
        return selectors.resident_search(queryset, value)


class ResidentViewSet(
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Residents (实有人口) of the grids within the caller's scope."""

    base_queryset = Resident.objects.select_related("grid")
    filterset_class = ResidentFilter
    pagination_class = CreatedCursorPagination

    def get_serializer_class(self):
        if self.action == "create":
            return ResidentCreateSerializer
        if self.action in {"update", "partial_update"}:
            return ResidentUpdateSerializer
        return ResidentSerializer

    @extend_schema(request=ResidentCreateSerializer, responses={201: ResidentSerializer})
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        resident = services.resident_register(actor=request.user, **serializer.validated_data)
        return Response(ResidentSerializer(resident).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ResidentUpdateSerializer, responses={200: ResidentSerializer})
    def update(self, request, pk=None, partial=False):
        resident = self.get_object()
        serializer = self.get_serializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        resident = services.resident_update(
            actor=request.user, resident=resident, **serializer.validated_data
        )
        return Response(ResidentSerializer(resident).data)

    @extend_schema(request=ResidentUpdateSerializer, responses={200: ResidentSerializer})
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)


# --- Imports -------------------------------------------------------------------------------


class ResidentImportSerializer(serializers.ModelSerializer):
    """An import and its report: every problem with its row number (as in the spreadsheet,
    the header being row 1), its column and the message."""

    valid_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = ResidentImport
        fields = [
            "id",
            "area",
            "file_name",
            "file_format",
            "status",
            "row_count",
            "valid_count",
            "loaded_count",
            "valid_only",
            "problems",
            "uploaded_by",
            "created_at",
            "loaded_at",
        ]
        read_only_fields = fields


DRY_RUN_HELP = (
    "Only check and keep the report (the default); false: check and load at once if every "
    "row is valid (400 with the problems under `rows`, nothing kept, if not)."
)


class TextCell(serializers.CharField):
    """A cell as text: a number is refused rather than turned into one (an ID number sent as
    a JSON number has lost digits already)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ResidentImportRowSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """One row: the template's columns, each a text that may be empty (the check, not this
    serializer, says which are required, so that every problem is reported at once)."""

    grid_code = TextCell(required=False, allow_blank=True, default="", max_length=200)
    name = TextCell(required=False, allow_blank=True, default="", max_length=200)
    id_number = TextCell(required=False, allow_blank=True, default="", max_length=200)
    phone = TextCell(required=False, allow_blank=True, default="", max_length=200)
    status = TextCell(required=False, allow_blank=True, default="", max_length=200)
    address = TextCell(required=False, allow_blank=True, default="", max_length=200)
    employer = TextCell(required=False, allow_blank=True, default="", max_length=200)


class ResidentImportRowsSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """JSON: the rows themselves."""

    rows = ResidentImportRowSerializer(many=True, allow_empty=False)
    dry_run = serializers.BooleanField(default=True, help_text=DRY_RUN_HELP)


class ResidentImportFileSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """multipart/form-data: a spreadsheet with the template's columns."""

    file = serializers.FileField(help_text=_("A CSV or XLSX file with the template's columns."))
    dry_run = serializers.BooleanField(default=True, help_text=DRY_RUN_HELP)


class ResidentImportLoadSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    valid_only = serializers.BooleanField(default=False)


def _problems_answer(resident_import: ResidentImport) -> Response:
    """400 with every problem as the report has it (row numbers stay numbers)."""
    return Response({"rows": resident_import.problems}, status=status.HTTP_400_BAD_REQUEST)


class ResidentImportViewSet(
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Resident imports (CSV, XLSX or JSON rows): a dry run keeps the file with its per-row
    report; `load` loads it (all rows, or with `valid_only` the valid ones), once."""

    base_queryset = ResidentImport.objects.defer("content")
    serializer_class = ResidentImportSerializer
    # JSON everywhere; a file upload is multipart (only here).
    parser_classes = [JSONParser, MultiPartParser]
    pagination_class = CreatedCursorPagination
    action_permissions = {"rejected": "change"}  # the rows hold ID numbers in full

    def get_serializer_class(self):
        if self.action == "create":
            is_file = self.request.content_type.startswith("multipart/")
            return ResidentImportFileSerializer if is_file else ResidentImportRowsSerializer
        if self.action == "load":
            return ResidentImportLoadSerializer
        return ResidentImportSerializer

    @extend_schema(
        request={
            "application/json": ResidentImportRowsSerializer,
            "multipart/form-data": ResidentImportFileSerializer,
        },
        responses={201: ResidentImportSerializer},
    )
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "file" in data:
            name, content = data["file"].name, data["file"].read()
        else:
            name, content = "rows.csv", imports.rows_as_csv(data["rows"])
        token = request_token(request)
        with transaction.atomic():  # a failed load keeps nothing, the import row included
            resident_import = imports.resident_import_check(
                actor=request.user, file_name=name, content=content, token=token
            )
            if not data["dry_run"]:
                if resident_import.problems:
                    transaction.set_rollback(True)
                    return _problems_answer(resident_import)
                resident_import = imports.resident_import_load(
                    actor=request.user, resident_import=resident_import, token=token
                )
        return Response(
            ResidentImportSerializer(resident_import).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=ResidentImportLoadSerializer, responses={200: ResidentImportSerializer})
    @action(detail=True, methods=["post"])
    def load(self, request, pk=None):
        resident_import = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        loaded = imports.resident_import_load(
            actor=request.user,
            resident_import=resident_import,
            token=request_token(request),
            **serializer.validated_data,
        )
        if loaded.status != ImportStatus.LOADED:
            return _problems_answer(loaded)
        return Response(ResidentImportSerializer(loaded).data)

    @extend_schema(responses={(200, "text/csv"): bytes})
    @action(detail=True, methods=["get"])
    def rejected(self, request, pk=None):
        """The rows not loaded, in the upload's format, with a problems column."""
        resident_import = self.get_object()
        content = imports.rejected_rows_file(resident_import)
        kind = imports.CONTENT_TYPES[resident_import.file_format]
        response = HttpResponse(content, content_type=kind)
        response["Content-Disposition"] = (
            f'attachment; filename="rejected-rows.{resident_import.file_format}"'
        )
        return response
