"""`/api/v1/rental-incidents/`: incidents at rental houses and their accountability (P5)."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from disputes.models import Case
from governance.api_base import (
    IdCursorPagination,
    RejectUnknownFieldsMixin,
    ScopedFieldsMixin,
    request_token,
    visible_choices,
)
from governance.api_filters import BooleanFilter, PortalFilterSet
from population import incident_selectors, incident_services
from population.models import (
    AccountablePerson,
    House,
    RentalAccountability,
    RentalIncident,
    RentalIncidentKind,
)


class RentalAccountabilitySerializer(serializers.ModelSerializer):
    class Meta:
        model = RentalAccountability
        fields = [
            "person",
            "name",
            "user",
            "resident",
            "finding",
            "sanction",
            "decided_by",
            "decided_at",
        ]
        read_only_fields = fields


class RentalIncidentSerializer(serializers.ModelSerializer):
    house_label = serializers.CharField(source="house.label", read_only=True)
    grid = serializers.IntegerField(source="house.grid_id", read_only=True)
    accountability = RentalAccountabilitySerializer(many=True, read_only=True)
    open_decisions = serializers.IntegerField(read_only=True)

    class Meta:
        model = RentalIncident
        fields = [
            "id",
            "house",
            "house_label",
            "grid",
            "kind",
            "occurred_on",
            "summary",
            "police_reference",
            "case",
            "recorded_by",
            "recorded_at",
            "accountability",
            "open_decisions",
        ]
        read_only_fields = fields


class RentalIncidentCreateSerializer(
    ScopedFieldsMixin, RejectUnknownFieldsMixin, serializers.Serializer
):
    scoped_fields = {"house": visible_choices(House), "case": visible_choices(Case)}

    house = serializers.PrimaryKeyRelatedField(queryset=House.objects.none())
    kind = serializers.ChoiceField(choices=RentalIncidentKind.choices)
    occurred_on = serializers.DateField()
    summary = serializers.CharField(max_length=4000)
    police_reference = serializers.CharField(max_length=50, required=False, allow_blank=True)
    case = serializers.PrimaryKeyRelatedField(
        queryset=Case.objects.none(), required=False, allow_null=True
    )


class RentalAccountabilityDecisionSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    person = serializers.ChoiceField(choices=AccountablePerson.choices)
    finding = serializers.CharField(max_length=2000)
    sanction = serializers.CharField(max_length=200)


class RentalIncidentFilter(PortalFilterSet):
    house = django_filters.ModelChoiceFilter(queryset=visible_choices(House))
    kind = django_filters.ChoiceFilter(choices=RentalIncidentKind.choices)
    awaiting_decision = BooleanFilter(
        method="filter_awaiting", label=_("Someone's accountability is still to be decided")
    )

    class Meta:
        model = RentalIncident
        fields = ["house", "kind", "awaiting_decision"]

    def filter_awaiting(self, queryset, name, value):
        return queryset.filter(open_decisions__gt=0) if value else queryset.filter(open_decisions=0)


class RentalIncidentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Criminal and public-security cases at rental houses (P5). Recording one flags the
    landlord and the community's head for accountability; the office or a leader of the
    street or district above decides each (`decide`)."""

    serializer_class = RentalIncidentSerializer
    filterset_class = RentalIncidentFilter
    pagination_class = IdCursorPagination
    # The service names the rule when it refuses (a 403 with the reason).
    action_permissions = {"decide": "view"}

    def get_queryset(self):
        return incident_selectors.rental_incident_list(
            user=self.request.user, token=request_token(self.request)
        )

    def get_serializer_class(self):
        if self.action == "create":
            return RentalIncidentCreateSerializer
        if self.action == "decide":
            return RentalAccountabilityDecisionSerializer
        return RentalIncidentSerializer

    def _answer(self, incident: RentalIncident, code: int = 200) -> Response:
        shown = self.get_queryset().get(pk=incident.pk)  # with its accountability and counts
        return Response(RentalIncidentSerializer(shown).data, status=code)

    @extend_schema(
        request=RentalIncidentCreateSerializer, responses={201: RentalIncidentSerializer}
    )
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        incident = incident_services.rental_incident_record(
            actor=request.user, token=request_token(request), **serializer.validated_data
        )
        return self._answer(incident, status.HTTP_201_CREATED)

    @extend_schema(
        request=RentalAccountabilityDecisionSerializer,
        responses={200: RentalIncidentSerializer},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Decide one person's accountability: finding and sanction ("none" for no fault)."""
        incident = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        incident_services.rental_accountability_decide(
            actor=request.user, incident=incident, **serializer.validated_data
        )
        return self._answer(incident)
