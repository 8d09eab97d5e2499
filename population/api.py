import django_filters
from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from governance.api_base import (
    CodeCursorPagination,
    CreatedCursorPagination,
    RejectUnknownFieldsMixin,
    ScopedQuerysetMixin,
    request_token,
)
from governance.api_filters import PortalFilterSet
from governance.scoping import visible_to
from grid.models import Area, AreaLevel
from population import selectors, services
from population.models import (
    Resident,
    ResidentStatus,
    SpecialGroupEvent,
    SpecialGroupKind,
    SpecialGroupRecord,
    SupervisionLevel,
)


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


# --- Special groups ---------------------------------------------------------------------------


class SpecialGroupKindSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = SpecialGroupKind
        fields = [
            "id",
            "code",
            "name",
            "parent",
            "details",
            "health_related",
            "follow_up_days",
            "recidivism_target_percent",
        ]
        read_only_fields = fields


class SpecialGroupKindViewSet(viewsets.ReadOnlyModelViewSet):
    """The special-group kinds (a code list kept by administrators in the admin)."""

    queryset = SpecialGroupKind.objects.select_related("parent")
    serializer_class = SpecialGroupKindSerializer
    pagination_class = CodeCursorPagination


class SpecialGroupEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = SpecialGroupEvent
        fields = ["id", "kind", "occurred_on", "notes"]
        read_only_fields = fields


DETAIL_FIELDS = [
    "supervision_level",
    "supervision_start",
    "supervision_end",
    "release_date",
    "resettled",
    "assistance_team",
    "first_month_aid_on",
    "risk_level",
    "guardian_capable",
]


class SpecialGroupRecordSerializer(serializers.ModelSerializer):
    """A membership as the API shows it to those who may see its member."""

    kind = serializers.SlugRelatedField(slug_field="code", read_only=True)
    resident_name = serializers.CharField(source="resident.name", read_only=True)
    grid = serializers.IntegerField(source="resident.grid_id", read_only=True)
    events = SpecialGroupEventSerializer(many=True, read_only=True)

    class Meta:
        model = SpecialGroupRecord
        fields = [
            "id",
            "resident",
            "resident_name",
            "grid",
            "kind",
            "since",
            "until",
            "follow_up_days",
            "responsible",
            *DETAIL_FIELDS,
            "notes",
            "last_followed_up_at",
            "next_follow_up_due",
            "events",
            "created_at",
        ]
        read_only_fields = fields


class SpecialGroupRecordCreateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    resident = serializers.PrimaryKeyRelatedField(queryset=Resident.objects.none())
    kind = serializers.SlugRelatedField(slug_field="code", queryset=SpecialGroupKind.objects.all())
    since = serializers.DateField()
    follow_up_days = serializers.IntegerField(min_value=1, max_value=3650, required=False)
    supervision_level = serializers.ChoiceField(choices=SupervisionLevel.choices, required=False)
    supervision_start = serializers.DateField(required=False)
    supervision_end = serializers.DateField(required=False)
    release_date = serializers.DateField(required=False)
    resettled = serializers.BooleanField(required=False, allow_null=True, default=None)
    assistance_team = serializers.CharField(max_length=100, required=False)
    first_month_aid_on = serializers.DateField(required=False)
    risk_level = serializers.IntegerField(min_value=0, max_value=5, required=False)
    guardian_capable = serializers.BooleanField(required=False, allow_null=True, default=None)
    notes = serializers.CharField(required=False, allow_blank=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")  # absent while the schema is generated
        if request is not None:
            # A resident outside the caller's scope "does not exist" for them.
            self.fields["resident"].queryset = selectors.resident_list(
                user=request.user, token=request_token(request)
            )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        # Unset booleans are "not given", not False.
        return {key: value for key, value in attrs.items() if value is not None}


class SpecialGroupRecordFilter(PortalFilterSet):
    kind = django_filters.CharFilter(method="filter_kind", label=_("Kind code (and its sub-kinds)"))
    open = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")], method="filter_open", label=_("Open")
    )
    due_by = django_filters.DateFilter(
        field_name="next_follow_up_due", lookup_expr="lte", label=_("Follow-up due by")
    )

    class Meta:
        model = SpecialGroupRecord
        fields = ["kind", "open", "due_by"]

    def filter_open(self, queryset, name, value):
        return queryset.filter(until__isnull=value == "true")

    def filter_kind(self, queryset, name, value):
        return queryset.filter(Q(kind__code=value) | Q(kind__parent__code=value))


class SpecialGroupCountSerializer(serializers.Serializer):
    kind = serializers.CharField()
    name = serializers.CharField()
    open_records = serializers.IntegerField()


class SpecialGroupRecordViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Special-group records (特殊人群) of the residents in the caller's scope whose members
    the caller may see (special_group_access); `summary` gives everyone in scope the counts."""

    filterset_class = SpecialGroupRecordFilter
    pagination_class = CreatedCursorPagination
    action_permissions = {"summary": "view"}

    def get_queryset(self):
        return selectors.special_group_record_list(
            user=self.request.user, token=request_token(self.request)
        ).prefetch_related("events")

    def get_serializer_class(self):
        if self.action == "create":
            return SpecialGroupRecordCreateSerializer
        if self.action == "summary":
            return SpecialGroupCountSerializer
        return SpecialGroupRecordSerializer

    @extend_schema(
        request=SpecialGroupRecordCreateSerializer, responses={201: SpecialGroupRecordSerializer}
    )
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = services.special_group_record_create(
            actor=request.user, **serializer.validated_data
        )
        return Response(SpecialGroupRecordSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: SpecialGroupCountSerializer(many=True)})
    @action(detail=False, pagination_class=None, filterset_class=None)
    def summary(self, request):
        """Open records per kind in the caller's scope (counts only, no names)."""
        counts = selectors.special_group_counts(user=request.user, token=request_token(request))
        data = [
            {"kind": kind.code, "name": kind.name, "open_records": count} for kind, count in counts
        ]
        return Response(SpecialGroupCountSerializer(data, many=True).data)
