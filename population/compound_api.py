"""Compounds (/api/v1/compounds/, P27) and internal security bodies
(/api/v1/security-bodies/, P13) through the API. Thin: the services hold the rules, the
selectors the reads."""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response

from governance.api_base import (
    CreatedCursorPagination,
    RejectUnknownFieldsMixin,
    ScopedFieldsMixin,
    ScopedQuerysetMixin,
    ServiceWriteMixin,
    request_token,
    visible_choices,
)
from governance.api_filters import BooleanFilter, PortalFilterSet
from governance.scoping import visible_to
from grid.models import Area, AreaLevel
from population import compound_selectors as selectors
from population import compound_services as services
from population.models import Compound, Organisation, SecurityBody, SecurityBodyKind
from population.selectors import within_area


def _visible_grids(request):
    return visible_to(
        getattr(request, "user", None),
        Area.objects.filter(level=AreaLevel.GRID).defer("boundary"),
        token=request_token(request),
    )


def _visible_areas(request):
    return visible_to(
        getattr(request, "user", None), Area.objects.defer("boundary"), token=request_token(request)
    )


# --- Compounds (四位一体) ------------------------------------------------------------------------


class CoverageSerializer(serializers.Serializer):
    floating = serializers.IntegerField()
    floating_visited = serializers.IntegerField()
    floating_percent = serializers.FloatField(allow_null=True)
    special = serializers.IntegerField()
    special_visited = serializers.IntegerField()
    special_percent = serializers.FloatField(allow_null=True)
    days = serializers.IntegerField(help_text="Visits counted: those of the last `days` days.")


class CompoundSerializer(serializers.ModelSerializer):
    """A compound, its four, what is missing of them and its coverage (seed 002: floating
    and special-group residents visited lately; health-related kinds counted only for those
    who may see them)."""

    grid_name = serializers.CharField(source="grid.name", read_only=True)
    four_in_one = serializers.BooleanField(read_only=True)
    missing = serializers.ListField(child=serializers.CharField(), read_only=True)
    house_count = serializers.IntegerField(read_only=True)
    coverage = serializers.SerializerMethodField()

    class Meta:
        model = Compound
        fields = [
            "id",
            "grid",
            "grid_name",
            "name",
            "address",
            "party_organisation",
            "residents_committee",
            "owners_committee",
            "property_company",
            "four_in_one",
            "missing",
            "house_count",
            "coverage",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(CoverageSerializer)
    def get_coverage(self, compound: Compound) -> dict:
        coverage = self.context["coverage"][compound.pk]
        return {
            "floating": coverage.floating,
            "floating_visited": coverage.floating_visited,
            "floating_percent": coverage.floating_percent,
            "special": coverage.special,
            "special_visited": coverage.special_visited,
            "special_percent": coverage.special_percent,
            "days": selectors.COVERAGE_DAYS,
        }


class CompoundWriteSerializer(ScopedFieldsMixin, RejectUnknownFieldsMixin, serializers.Serializer):
    scoped_fields = {
        "grid": _visible_grids,
        "residents_committee": visible_choices(Organisation),
        "owners_committee": visible_choices(Organisation),
        "property_company": visible_choices(Organisation),
    }

    name = serializers.CharField(max_length=100)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    party_organisation = serializers.CharField(max_length=100, required=False, allow_blank=True)
    residents_committee = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.none(), required=False, allow_null=True
    )
    owners_committee = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.none(), required=False, allow_null=True
    )
    property_company = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.none(), required=False, allow_null=True
    )


class CompoundCreateSerializer(CompoundWriteSerializer):
    grid = serializers.PrimaryKeyRelatedField(queryset=Area.objects.none())


class CompoundFilter(PortalFilterSet):
    grid = django_filters.ModelChoiceFilter(queryset=_visible_grids)
    # A community (or any area the caller sees): the compounds inside it.
    community = django_filters.ModelChoiceFilter(
        queryset=_visible_areas,
        field_name="grid__parent",
        method="filter_community",
        label="Community (or any area)",
    )
    incomplete = BooleanFilter(method="filter_incomplete", label="Incomplete four-in-one")

    class Meta:
        model = Compound
        fields = ["grid", "community", "incomplete"]

    def filter_community(self, queryset, name, value):
        return within_area(queryset, value)

    def filter_incomplete(self, queryset, name, value):
        missing = selectors.incomplete_four_in_one()
        return queryset.filter(missing) if value else queryset.exclude(missing)


WRITE = extend_schema(request=CompoundWriteSerializer, responses={200: CompoundSerializer})


@extend_schema_view(
    create=extend_schema(request=CompoundCreateSerializer, responses={201: CompoundSerializer}),
    update=WRITE,
    partial_update=WRITE,
)
class CompoundViewSet(
    ServiceWriteMixin,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Compounds (小区/院落) of the caller's grids with their four-in-one (四位一体) and their
    coverage: `?incomplete=true` lists those missing one of the four."""

    read_serializer = CompoundSerializer
    create_serializer = CompoundCreateSerializer
    update_serializer = CompoundWriteSerializer
    filterset_class = CompoundFilter
    pagination_class = CreatedCursorPagination

    def get_queryset(self):
        return selectors.compound_list(user=self.request.user, token=request_token(self.request))

    def _coverage(self, compounds: list[Compound]) -> dict:
        return selectors.compound_coverage(
            user=self.request.user, compounds=compounds, token=request_token(self.request)
        )

    def list(self, request, *args, **kwargs):
        page = list(self.paginate_queryset(self.filter_queryset(self.get_queryset())) or [])
        context = {**self.get_serializer_context(), "coverage": self._coverage(page)}
        data = CompoundSerializer(page, many=True, context=context).data
        return self.get_paginated_response(data)

    def retrieve(self, request, *args, **kwargs):
        return self._answer(self.get_object())

    def _answer(self, row: Compound, code: int = 200) -> Response:
        row = self.get_queryset().get(pk=row.pk)  # with its house count
        context = {**self.get_serializer_context(), "coverage": self._coverage([row])}
        return Response(CompoundSerializer(row, context=context).data, status=code)

    def create_with(self, data: dict) -> Compound:
        return services.compound_register(actor=self.request.user, **data)

    def update_with(self, row: Compound, data: dict) -> Compound:
        return services.compound_update(actor=self.request.user, compound=row, **data)


# --- Internal security bodies (P13) -----------------------------------------------------------


class SecurityBodySerializer(serializers.ModelSerializer):
    """A body as the API shows it: its head's phone masked."""

    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    head_phone = serializers.CharField(source="head_phone_masked", read_only=True)

    class Meta:
        model = SecurityBody
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "kind",
            "head_name",
            "head_phone",
            "member_count",
            "established_on",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class SecurityBodyWriteSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    kind = serializers.ChoiceField(choices=SecurityBodyKind.choices)
    head_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    head_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    member_count = serializers.IntegerField(min_value=0, max_value=100_000, required=False)
    established_on = serializers.DateField(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True)


class SecurityBodyCreateSerializer(ScopedFieldsMixin, SecurityBodyWriteSerializer):
    scoped_fields = {"organisation": visible_choices(Organisation)}

    organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.none())


class SecurityBodyFilter(PortalFilterSet):
    organisation = django_filters.ModelChoiceFilter(queryset=visible_choices(Organisation))
    kind = django_filters.ChoiceFilter(choices=SecurityBodyKind.choices)

    class Meta:
        model = SecurityBody
        fields = ["organisation", "kind"]


BODY_WRITE = extend_schema(
    request=SecurityBodyWriteSerializer, responses={200: SecurityBodySerializer}
)


@extend_schema_view(
    create=extend_schema(
        request=SecurityBodyCreateSerializer, responses={201: SecurityBodySerializer}
    ),
    update=BODY_WRITE,
    partial_update=BODY_WRITE,
)
class SecurityBodyViewSet(
    ServiceWriteMixin,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Internal security bodies (治安综合治理工作站, 保卫, 调解, 帮教, 安全生产, 外来务工人员管理,
    护厂队/巡逻队) of the organisations within the caller's scope."""

    base_queryset = SecurityBody.objects.select_related("organisation")
    read_serializer = SecurityBodySerializer
    create_serializer = SecurityBodyCreateSerializer
    update_serializer = SecurityBodyWriteSerializer
    filterset_class = SecurityBodyFilter
    pagination_class = CreatedCursorPagination

    def create_with(self, data: dict) -> SecurityBody:
        return services.security_body_add(actor=self.request.user, **data)

    def update_with(self, row: SecurityBody, data: dict) -> SecurityBody:
        return services.security_body_update(actor=self.request.user, body=row, **data)

    def perform_destroy(self, instance: SecurityBody) -> None:
        services.security_body_remove(actor=self.request.user, body=instance)
