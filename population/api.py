import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
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
from population import selectors, services
from population.models import Resident, ResidentStatus


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

    base_queryset = Resident.objects.select_related("grid").defer("grid__boundary")
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
