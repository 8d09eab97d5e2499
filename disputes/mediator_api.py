"""The mediator roster through the API: /api/v1/mediators/ (D20). Thin: the services hold
the rules."""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from disputes import mediator_services as services
from disputes.models import Mediator, MediatorKind
from governance.api_base import (
    IdCursorPagination,
    RejectUnknownFieldsMixin,
    ScopedFieldsMixin,
    ScopedQuerysetMixin,
    ServiceWriteMixin,
    visible_choices,
)
from governance.api_filters import BooleanFilter, PortalFilterSet
from grid.models import Area


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
            "organisation",
            "phone",
            "active",
        ]
        read_only_fields = fields


class MediatorWriteSerializer(
    ScopedFieldsMixin, RejectUnknownFieldsMixin, serializers.ModelSerializer
):
    scoped_fields = {"area": visible_choices(Area)}

    class Meta:
        model = Mediator
        fields = ["area", "name", "kind", "organisation", "phone", "active"]
        # The model's rules are the service's (full_clean): only the shape is checked here.
        validators: list = []


class MediatorFilter(PortalFilterSet):
    area = django_filters.ModelChoiceFilter(queryset=visible_choices(Area))
    kind = django_filters.ChoiceFilter(choices=MediatorKind.choices)
    active = BooleanFilter()

    class Meta:
        model = Mediator
        fields = ["area", "kind", "active"]


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
