import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from governance.api_base import (
    CreatedCursorPagination,
    IdCursorPagination,
    RejectUnknownFieldsMixin,
    ScopedQuerysetMixin,
    request_token,
)
from governance.api_filters import PortalFilterSet
from governance.scoping import visible_to
from grid.models import Area, AreaLevel
from population import selectors, services
from population.models import EventKind, Resident, ResidentEvent, ResidentStatus


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
            "presence",
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


def _visible_residents(request):
    return selectors.resident_list(
        user=getattr(request, "user", None), token=request_token(request)
    )


class ResidentUpdateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """Corrections. A status change, a move and death are dated events:
    POST /api/v1/resident-events/."""

    name = serializers.CharField(max_length=50)
    id_number = serializers.CharField(max_length=18, required=False)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    employer = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ResidentCreateSerializer(ResidentUpdateSerializer):
    grid = serializers.PrimaryKeyRelatedField(queryset=Area.objects.none())
    id_number = serializers.CharField(max_length=18)
    status = serializers.ChoiceField(choices=ResidentStatus.choices, required=False)
    moved_in_on = serializers.DateField(required=False)

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


class ResidentEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = ResidentEvent
        fields = [
            "id",
            "resident",
            "kind",
            "happened_on",
            "from_grid",
            "to_grid",
            "old_status",
            "new_status",
            "note",
            "recorded_at",
            "recorded_by",
        ]
        read_only_fields = fields


class ResidentEventCreateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """`new_status` for a status change; `to_grid` for a move to another grid or moving in
    again."""

    resident = serializers.PrimaryKeyRelatedField(queryset=Resident.objects.none())
    kind = serializers.ChoiceField(choices=EventKind.choices)
    happened_on = serializers.DateField()
    new_status = serializers.ChoiceField(choices=ResidentStatus.choices, required=False)
    to_grid = serializers.PrimaryKeyRelatedField(queryset=Area.objects.none(), required=False)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["resident"].queryset = _visible_residents(request)
            self.fields["to_grid"].queryset = _visible_grids(request)


class ResidentEventFilter(PortalFilterSet):
    resident = django_filters.ModelChoiceFilter(queryset=_visible_residents)
    kind = django_filters.ChoiceFilter(choices=EventKind.choices)
    happened_after = django_filters.DateFilter(field_name="happened_on", lookup_expr="gte")
    happened_before = django_filters.DateFilter(field_name="happened_on", lookup_expr="lte")

    class Meta:
        model = ResidentEvent
        fields = ["resident", "kind", "happened_after", "happened_before"]


class ResidentEventViewSet(
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The dated history of residents (实有人口动态管理): moving in and out, between grids,
    status changes and death. Recording one applies it to the resident."""

    base_queryset = ResidentEvent.objects.all()
    filterset_class = ResidentEventFilter
    pagination_class = IdCursorPagination

    def get_serializer_class(self):
        return ResidentEventCreateSerializer if self.action == "create" else ResidentEventSerializer

    @extend_schema(request=ResidentEventCreateSerializer, responses={201: ResidentEventSerializer})
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = services.resident_event_add(actor=request.user, **serializer.validated_data)
        return Response(ResidentEventSerializer(event).data, status=status.HTTP_201_CREATED)
