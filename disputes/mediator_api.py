"""The mediator roster and the register of mediation organisations through the API:
/api/v1/mediators/ (D20) and /api/v1/mediation-organisations/ (D19). Thin: the services hold
the rules."""

import django_filters
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from disputes import mediator_services as services
from disputes.models import (
    DisputeCategory,
    MediationOrganisation,
    MediationOrganisationKind,
    Mediator,
    MediatorKind,
)
from governance.api_base import (
    IdCursorPagination,
    RejectUnknownFieldsMixin,
    ScopedFieldsMixin,
    ScopedQuerysetMixin,
    ServiceWriteMixin,
    visible_choices,
)
from governance.api_filters import BooleanFilter, PortalFilterSet
from grid.models import Area, Unit


class MediatorSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)

    class Meta:
        model = Mediator
        fields = [
            "id",
            "area",
            "area_name",
            "name",
            "kind",
            "kind_display",
            "mediation_organisation",
            "organisation",
            "phone",
            "active",
        ]
        read_only_fields = fields


class MediatorWriteSerializer(
    ScopedFieldsMixin, RejectUnknownFieldsMixin, serializers.ModelSerializer
):
    scoped_fields = {
        "area": visible_choices(Area),
        "mediation_organisation": visible_choices(MediationOrganisation),
    }

    class Meta:
        model = Mediator
        fields = [
            "area",
            "name",
            "kind",
            "mediation_organisation",
            "organisation",
            "phone",
            "active",
        ]
        # The model's rules are the service's (full_clean): only the shape is checked here.
        validators: list = []


class MediatorFilter(PortalFilterSet):
    area = django_filters.ModelChoiceFilter(queryset=visible_choices(Area))
    kind = django_filters.ChoiceFilter(choices=MediatorKind.choices)
    mediation_organisation = django_filters.ModelChoiceFilter(
        queryset=visible_choices(MediationOrganisation)
    )
    active = BooleanFilter()

    class Meta:
        model = Mediator
        fields = ["area", "kind", "mediation_organisation", "active"]


WRITE = extend_schema(request=MediatorWriteSerializer, responses={200: MediatorSerializer})


@extend_schema_view(
    create=extend_schema(request=MediatorWriteSerializer, responses={201: MediatorSerializer}),
    update=WRITE,
    partial_update=WRITE,
)
class MediatorViewSet(
    ServiceWriteMixin,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The mediators of the caller's areas (人民调解员, 和谐使者): offices keep them; a
    retired one is made inactive, never deleted."""

    base_queryset = Mediator.objects.select_related("area").defer("area__boundary")
    read_serializer = MediatorSerializer
    create_serializer = update_serializer = MediatorWriteSerializer
    filterset_class = MediatorFilter
    pagination_class = IdCursorPagination

    def create_with(self, data: dict) -> Mediator:
        return services.mediator_add(actor=self.request.user, **data)

    def update_with(self, row: Mediator, data: dict) -> Mediator:
        return services.mediator_update(actor=self.request.user, mediator=row, **data)


class MediationOrganisationSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)
    categories = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = MediationOrganisation
        fields = [
            "id",
            "area",
            "area_name",
            "name",
            "kind",
            "kind_display",
            "host_unit",
            "categories",
            "venue",
            "phone",
            "active",
            "member_count",
        ]
        read_only_fields = fields


class MediationOrganisationWriteSerializer(
    ScopedFieldsMixin, RejectUnknownFieldsMixin, serializers.ModelSerializer
):
    scoped_fields = {"area": visible_choices(Area), "host_unit": visible_choices(Unit)}
    # Codes of the dispute categories it handles; none: every category.
    categories = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        queryset=DisputeCategory.objects.filter(active=True),
        required=False,
    )

    class Meta:
        model = MediationOrganisation
        fields = ["area", "name", "kind", "host_unit", "categories", "venue", "phone", "active"]
        validators: list = []


class MediationOrganisationFilter(PortalFilterSet):
    area = django_filters.ModelChoiceFilter(queryset=visible_choices(Area))
    kind = django_filters.ChoiceFilter(choices=MediationOrganisationKind.choices)
    category = django_filters.ModelChoiceFilter(
        field_name="categories",
        to_field_name="code",
        queryset=DisputeCategory.objects.all(),
        label=_("Handles this category by name"),
    )
    active = BooleanFilter()

    class Meta:
        model = MediationOrganisation
        fields = ["area", "kind", "category", "active"]


ORGANISATION_WRITE = extend_schema(
    request=MediationOrganisationWriteSerializer, responses={200: MediationOrganisationSerializer}
)


@extend_schema_view(
    create=extend_schema(
        request=MediationOrganisationWriteSerializer,
        responses={201: MediationOrganisationSerializer},
    ),
    update=ORGANISATION_WRITE,
    partial_update=ORGANISATION_WRITE,
)
class MediationOrganisationViewSet(
    ServiceWriteMixin,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The register of mediation organisations serving the caller's areas (D19): kind, host
    unit, the dispute categories handled (none: every category), venue. Offices keep it; a
    closed one is made inactive, never deleted."""

    base_queryset = (
        MediationOrganisation.objects.select_related("area")
        .defer("area__boundary")
        .prefetch_related("categories")
        .annotate(member_count=Count("members"))
    )
    read_serializer = MediationOrganisationSerializer
    create_serializer = update_serializer = MediationOrganisationWriteSerializer
    filterset_class = MediationOrganisationFilter
    pagination_class = IdCursorPagination

    def _shown(self, row: MediationOrganisation) -> MediationOrganisation:
        return self.get_queryset().get(pk=row.pk)

    def create_with(self, data: dict) -> MediationOrganisation:
        return self._shown(services.mediation_organisation_add(actor=self.request.user, **data))

    def update_with(self, row: MediationOrganisation, data: dict) -> MediationOrganisation:
        return self._shown(
            services.mediation_organisation_update(
                actor=self.request.user, organisation=row, **data
            )
        )
