import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from governance.api_base import (
    CreatedCursorPagination,
    IdCursorPagination,
    RejectUnknownFieldsMixin,
    ScopedQuerysetMixin,
    request_token,
)
from governance.api_fields import JsonFloatField
from governance.api_filters import PortalFilterSet
from governance.models import User
from governance.scoping import in_scope, visible_to
from grid.models import Area, AreaLevel
from population import selectors, services
from population.models import Resident, ResidentStatus, Visit, VisitPurpose


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


# --- Visits ----------------------------------------------------------------------------------


class VisitSerializer(serializers.ModelSerializer):
    """A visit as the API shows it. `located_grid` is the grid the phone's point fell in,
    named only when it lies in the caller's scope (`outside_grid` says the rest)."""

    grid_name = serializers.CharField(source="grid.name", read_only=True)
    worker_name = serializers.CharField(source="worker.display_name", read_only=True)
    resident_name = serializers.CharField(source="resident.name", read_only=True, default=None)
    located_grid = serializers.SerializerMethodField()

    class Meta:
        model = Visit
        fields = [
            "id",
            "grid",
            "grid_name",
            "worker",
            "worker_name",
            "visited_at",
            "resident",
            "resident_name",
            "subject",
            "purpose",
            "notes",
            "findings",
            "latitude",
            "longitude",
            "location_accuracy",
            "located_grid",
            "outside_grid",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_located_grid(self, visit: Visit) -> int | None:
        request = self.context.get("request")
        if visit.located_grid_id is None or request is None:
            return None
        visible = in_scope(request.user, visit.located_grid, token=request_token(request))
        return visit.located_grid_id if visible else None


def _visible_residents(request):
    return visible_to(
        getattr(request, "user", None), Resident.objects.all(), token=request_token(request)
    )


def _visible_users(request):
    return visible_to(
        getattr(request, "user", None), User.objects.all(), token=request_token(request)
    )


class VisitCreateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    grid = serializers.PrimaryKeyRelatedField(
        queryset=Area.objects.none(),
        required=False,
        help_text="Default: the resident's grid, else the caller's own grid.",
    )
    resident = serializers.PrimaryKeyRelatedField(queryset=Resident.objects.none(), required=False)
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True)
    purpose = serializers.ChoiceField(choices=VisitPurpose.choices, required=False)
    visited_at = serializers.DateTimeField(required=False, help_text="Default: now.")
    notes = serializers.CharField(required=False, allow_blank=True)
    findings = serializers.CharField(required=False, allow_blank=True)
    latitude = JsonFloatField(min_value=-90, max_value=90, required=False)
    longitude = JsonFloatField(min_value=-180, max_value=180, required=False)
    location_accuracy = JsonFloatField(min_value=0, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")  # absent while the schema is generated
        if request is not None:
            self.fields["grid"].queryset = _visible_grids(request)
            self.fields["resident"].queryset = (
                _visible_residents(request).select_related("grid").defer("grid__boundary")
            )


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(django_filters.ChoiceFilter):
    """ "true" or "false" only: django-filter's BooleanFilter reads "null" or "unknown" as no
    filter at all, which a client must not mistake for a filter applied."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, choices=[("true", "true"), ("false", "false")], **kwargs)


class VisitFilter(PortalFilterSet):
    grid = django_filters.ModelChoiceFilter(queryset=_visible_grids)
    worker = django_filters.ModelChoiceFilter(queryset=_visible_users)
    resident = django_filters.ModelChoiceFilter(queryset=_visible_residents)
    purpose = django_filters.ChoiceFilter(choices=VisitPurpose.choices)
    visited_from = django_filters.DateFilter(
        method="filter_from", label=_("Visited on or after (local day)")
    )
    visited_to = django_filters.DateFilter(
        method="filter_to", label=_("Visited on or before (local day)")
    )
    outside_grid = StrictBooleanFilter(
        method="filter_outside_grid", label=_("Placed outside its grid")
    )

    class Meta:
        model = Visit
        fields = ["grid", "worker", "resident", "purpose"]

    def filter_from(self, queryset, name, value):
        return selectors.visits_from_day(queryset, value)

    def filter_to(self, queryset, name, value):
        return selectors.visits_to_day(queryset, value)

    def filter_outside_grid(self, queryset, name, value):
        return queryset.filter(**{name: value == "true"})


class VisitCursorPagination(IdCursorPagination):
    ordering = ("-visited_at", "-pk")


class VisitViewSet(
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Visits (走访) by grid workers within the caller's scope; a visit is logged by the caller."""

    base_queryset = Visit.objects.select_related(
        "grid", "worker", "resident", "located_grid"
    ).defer("grid__boundary", "located_grid__boundary")
    filterset_class = VisitFilter
    pagination_class = VisitCursorPagination

    def get_serializer_class(self):
        return VisitCreateSerializer if self.action == "create" else VisitSerializer

    @extend_schema(request=VisitCreateSerializer, responses={201: VisitSerializer})
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        visit = services.visit_log(actor=request.user, **serializer.validated_data)
        return Response(
            VisitSerializer(visit, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )
