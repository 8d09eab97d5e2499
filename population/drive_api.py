"""Care records and re-verification drives through the API (P8, P16, P23):
/api/v1/special-group-care/, /api/v1/resident-drives/, /api/v1/drive-checks/. Thin: the
services hold the rules, the selectors the visibility."""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from governance.api_base import (
    IdCursorPagination,
    RejectUnknownFieldsMixin,
    ScopedFieldsMixin,
    request_token,
    visible_choices,
)
from governance.api_filters import BooleanFilter, PortalFilterSet
from grid.models import Area
from population import care_selectors, care_services, drive_selectors, drive_services
from population.models import (
    CareKind,
    CheckOutcome,
    DriveCheck,
    DriveKind,
    ResidentDrive,
    SpecialGroupCare,
    SpecialGroupRecord,
)
from population.selectors import special_group_record_list

# --- Care and counselling records -----------------------------------------------------------


def _visible_records(request):
    return special_group_record_list(user=request.user, token=request_token(request))


def _visible_drives(request):
    return drive_selectors.resident_drive_list(user=request.user, token=request_token(request))


class SpecialGroupCareSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = SpecialGroupCare
        fields = [
            "id",
            "record",
            "kind",
            "kind_display",
            "given_on",
            "given_by",
            "provider",
            "outcome",
            "notes",
            "created_at",
        ]
        read_only_fields = fields


class SpecialGroupCareCreateSerializer(RejectUnknownFieldsMixin, serializers.ModelSerializer):
    record = serializers.PrimaryKeyRelatedField(queryset=SpecialGroupRecord.objects.none())

    class Meta:
        model = SpecialGroupCare
        fields = ["record", "kind", "given_on", "provider", "outcome", "notes"]
        validators: list = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")  # absent while the schema is generated
        if request is not None:
            # A record the caller may not see by name "does not exist" for them.
            self.fields["record"].queryset = special_group_record_list(
                user=request.user, token=request_token(request)
            )


class SpecialGroupCareFilter(PortalFilterSet):
    # A record the caller may not see by name "does not exist" for them (400).
    record = django_filters.ModelChoiceFilter(queryset=_visible_records)
    kind = django_filters.ChoiceFilter(choices=CareKind.choices)
    given_from = django_filters.DateFilter(field_name="given_on", lookup_expr="gte")
    given_to = django_filters.DateFilter(field_name="given_on", lookup_expr="lte")

    class Meta:
        model = SpecialGroupCare
        fields = ["record", "kind", "given_from", "given_to"]


@extend_schema_view(
    create=extend_schema(
        request=SpecialGroupCareCreateSerializer, responses={201: SpecialGroupCareSerializer}
    )
)
class SpecialGroupCareViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Care, psychological screening, counselling and education given to special-group
    members (关爱帮扶, 心理筛查和疏导): seen by exactly those who see the record by name;
    added by its keepers (office staff)."""

    filterset_class = SpecialGroupCareFilter
    pagination_class = IdCursorPagination

    def get_queryset(self):
        return care_selectors.special_group_care_list(
            user=self.request.user, token=request_token(self.request)
        )

    def get_serializer_class(self):
        if self.action == "create":
            return SpecialGroupCareCreateSerializer
        return SpecialGroupCareSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        care = care_services.special_group_care_add(actor=request.user, **serializer.validated_data)
        return Response(SpecialGroupCareSerializer(care).data, status=status.HTTP_201_CREATED)


# --- Re-verification drives -----------------------------------------------------------------


class ResidentDriveSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = ResidentDrive
        fields = [
            "id",
            "area",
            "kind",
            "kind_display",
            "title",
            "starts_on",
            "ends_on",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class GridProgressSerializer(serializers.Serializer):
    grid = serializers.IntegerField(source="grid_id")
    grid_name = serializers.CharField()
    confirmed = serializers.SerializerMethodField()
    updated = serializers.SerializerMethodField()
    moved_away = serializers.SerializerMethodField()
    not_found = serializers.SerializerMethodField()
    unchecked = serializers.IntegerField()
    total = serializers.IntegerField()

    def get_confirmed(self, row) -> int:
        return row.of(CheckOutcome.CONFIRMED)

    def get_updated(self, row) -> int:
        return row.of(CheckOutcome.UPDATED)

    def get_moved_away(self, row) -> int:
        return row.of(CheckOutcome.MOVED_AWAY)

    def get_not_found(self, row) -> int:
        return row.of(CheckOutcome.NOT_FOUND)


class ResidentDriveDetailSerializer(ResidentDriveSerializer):
    progress = serializers.SerializerMethodField()

    class Meta(ResidentDriveSerializer.Meta):
        fields = [*ResidentDriveSerializer.Meta.fields, "progress"]
        read_only_fields = fields

    @extend_schema_field(GridProgressSerializer(many=True))
    def get_progress(self, drive) -> list:
        """Counts per grid of the caller's scope (counts, no names)."""
        progress = self.context["progress"]
        return list(GridProgressSerializer(progress, many=True).data)


class ResidentDriveWriteSerializer(
    ScopedFieldsMixin, RejectUnknownFieldsMixin, serializers.ModelSerializer
):
    scoped_fields = {"area": visible_choices(Area)}

    class Meta:
        model = ResidentDrive
        fields = ["area", "kind", "title", "starts_on", "ends_on"]
        validators: list = []


class ResidentDriveFilter(PortalFilterSet):
    kind = django_filters.ChoiceFilter(choices=DriveKind.choices)
    running_on = django_filters.DateFilter(method="filter_running_on")

    class Meta:
        model = ResidentDrive
        fields = ["kind", "running_on"]

    def filter_running_on(self, queryset, name, value):
        return queryset.filter(starts_on__lte=value, ends_on__gte=value)


@extend_schema_view(
    create=extend_schema(
        request=ResidentDriveWriteSerializer, responses={201: ResidentDriveSerializer}
    ),
    retrieve=extend_schema(responses={200: ResidentDriveDetailSerializer}),
)
class ResidentDriveViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Re-verification drives (清理清查 / 排查帮扶 专项行动) over the caller's area, and over the
    areas above it that take it in; opened by office staff (the checklist is built then);
    the detail gives the progress per grid."""

    filterset_class = ResidentDriveFilter
    pagination_class = IdCursorPagination

    def get_queryset(self):
        return drive_selectors.resident_drive_list(
            user=self.request.user, token=request_token(self.request)
        )

    def retrieve(self, request, *args, **kwargs):
        drive = self.get_object()
        progress = drive_selectors.drive_progress(
            user=request.user, drive=drive, token=request_token(request)
        )
        context = {**self.get_serializer_context(), "progress": progress}
        return Response(ResidentDriveDetailSerializer(drive, context=context).data)

    def get_serializer_class(self):
        if self.action == "create":
            return ResidentDriveWriteSerializer
        if self.action == "retrieve":
            return ResidentDriveDetailSerializer
        return ResidentDriveSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        drive = drive_services.resident_drive_open(actor=request.user, **serializer.validated_data)
        return Response(ResidentDriveSerializer(drive).data, status=status.HTTP_201_CREATED)


class DriveCheckSerializer(serializers.ModelSerializer):
    resident_name = serializers.CharField(source="resident.name", read_only=True)

    class Meta:
        model = DriveCheck
        fields = [
            "id",
            "drive",
            "resident",
            "resident_name",
            "grid",
            "outcome",
            "note",
            "checked_on",
            "checked_at",
            "checked_by",
        ]
        read_only_fields = fields


class DriveCheckActionSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    outcome = serializers.ChoiceField(choices=CheckOutcome.choices)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class DriveCheckFilter(PortalFilterSet):
    drive = django_filters.ModelChoiceFilter(queryset=_visible_drives)
    grid = django_filters.ModelChoiceFilter(queryset=visible_choices(Area))
    outcome = django_filters.ChoiceFilter(choices=CheckOutcome.choices)
    checked = BooleanFilter(method="filter_checked")

    class Meta:
        model = DriveCheck
        fields = ["drive", "grid", "outcome", "checked"]

    def filter_checked(self, queryset, name, value):
        return queryset.exclude(outcome="") if value else queryset.filter(outcome="")


class DriveCheckViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The subjects of the drives (one per resident and drive) the caller sees by name; the
    `check` action records what the check found (moved away: a move-out event)."""

    serializer_class = DriveCheckSerializer
    filterset_class = DriveCheckFilter
    pagination_class = IdCursorPagination

    def get_queryset(self):
        return drive_selectors.drive_check_list(
            user=self.request.user, token=request_token(self.request)
        )

    def get_serializer_class(self):
        return DriveCheckActionSerializer if self.action == "check" else DriveCheckSerializer

    @extend_schema(request=DriveCheckActionSerializer, responses={200: DriveCheckSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def check(self, request, pk=None):
        row = self.get_object()
        serializer = DriveCheckActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        done = drive_services.drive_check_record(
            actor=request.user, check=row, **serializer.validated_data
        )
        return Response(DriveCheckSerializer(done).data, status=status.HTTP_200_OK)
