"""The two screenings through the API: /api/v1/screenings/ (reports, `submit`),
/api/v1/screening-items/ and /api/v1/screening-periods/ (read-only). Thin: the services hold
the rules."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from disputes import case_selectors, case_services
from disputes import screening_selectors as selectors
from disputes import screening_services as services
from disputes.case_api import CaseDetailSerializer
from disputes.models import (
    DisputeCategory,
    ScreeningCadence,
    ScreeningItem,
    ScreeningItemKind,
    ScreeningPeriod,
    ScreeningReport,
    ScreeningState,
    Severity,
)
from disputes.risk_api import _visible_areas
from governance.api_base import IdCursorPagination, RejectUnknownFieldsMixin, request_token
from governance.api_filters import BooleanFilter, PortalFilterSet
from governance.scoping import visible_to
from grid.models import Area, AreaLevel, Unit


def _visible_grids(request):
    return _visible_areas(request).filter(level=AreaLevel.GRID)


def _visible_units(request):
    return visible_to(
        getattr(request, "user", None), Unit.objects.all(), token=request_token(request)
    )


class ScreeningPeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScreeningPeriod
        fields = ["id", "cadence", "starts_on", "ends_on", "due_on"]
        read_only_fields = fields


class ScreeningItemSerializer(serializers.ModelSerializer):
    grid_name = serializers.CharField(source="grid.name", read_only=True, default=None)

    class Meta:
        model = ScreeningItem
        fields = [
            "id",
            "report",
            "kind",
            "title",
            "description",
            "grid",
            "grid_name",
            "parties",
            "severity",
            "category",
            "people_count",
            "responsible_leader",
            "handlers",
            "duty",
            "measures",
            "deadline",
            "immediate",
            "added_by",
            "created_at",
            "case",
        ]
        read_only_fields = fields


class ScreeningReportSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    area = serializers.IntegerField(source="unit.area_id", read_only=True)
    period = ScreeningPeriodSerializer(read_only=True)
    items = ScreeningItemSerializer(many=True, read_only=True)

    class Meta:
        model = ScreeningReport
        fields = [
            "id",
            "unit",
            "unit_name",
            "area",
            "period",
            "state",
            "late",
            "disputes_zero",
            "security_zero",
            "submitted_at",
            "submitted_by",
            "note",
            "items",
        ]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.INT)
class VisibleGridField(serializers.PrimaryKeyRelatedField):
    """A grid the caller sees; resolved per request (the field sits in a nested list, built
    before the request reaches it)."""

    def get_queryset(self):
        request = self.context.get("request")
        return _visible_grids(request) if request is not None else Area.objects.none()


class ScreeningItemInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    kind = serializers.ChoiceField(choices=ScreeningItemKind.choices)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    grid = VisibleGridField(required=False, allow_null=True, default=None)
    parties = serializers.CharField(required=False, allow_blank=True, default="")
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.GENERAL)
    category = serializers.PrimaryKeyRelatedField(
        queryset=DisputeCategory.objects.filter(active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="Required for a dispute.",
    )
    people_count = serializers.IntegerField(min_value=1, default=1)
    responsible_leader = serializers.CharField(max_length=60)
    handlers = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    duty = serializers.CharField(required=False, allow_blank=True, default="")
    measures = serializers.CharField(required=False, allow_blank=True, default="")
    deadline = serializers.DateField()


class ScreeningSubmitSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    disputes_zero = serializers.BooleanField(
        default=False, help_text="Zero report (零报告) for disputes: none found."
    )
    security_zero = serializers.BooleanField(
        default=False, help_text="Zero report for public security and hazards: none found."
    )
    items = ScreeningItemInputSerializer(many=True, required=False, default=list)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ScreeningReportFilter(PortalFilterSet):
    period = django_filters.ModelChoiceFilter(queryset=ScreeningPeriod.objects.all())
    cadence = django_filters.ChoiceFilter(
        field_name="period__cadence", choices=ScreeningCadence.choices
    )
    unit = django_filters.ModelChoiceFilter(queryset=_visible_units)
    area = django_filters.ModelChoiceFilter(
        field_name="unit__area",
        queryset=_visible_areas,
        method="in_area",
        label=_("Area (and the areas below it)"),
    )
    state = django_filters.ChoiceFilter(choices=ScreeningState.choices)
    late = BooleanFilter()

    class Meta:
        model = ScreeningReport
        fields = ["period", "cadence", "unit", "area", "state", "late"]

    def in_area(self, queryset, name, value):
        return queryset.filter(unit__area__path__startswith=value.path)


class ScreeningReportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Screening reports (两个排查, D2-D4): opened by the portal for every reporting unit and
    period, `submit`ted once with, for each of the two kinds, its items or a zero report
    (零报告). A future period and a second submission are refused."""

    filterset_class = ScreeningReportFilter
    pagination_class = IdCursorPagination

    def get_queryset(self):
        return selectors.screening_report_list(
            user=self.request.user, token=request_token(self.request)
        ).prefetch_related("items")

    def get_serializer_class(self):
        if self.action == "submit":
            return ScreeningSubmitSerializer
        return ScreeningReportSerializer

    @extend_schema(request=ScreeningSubmitSerializer, responses={200: ScreeningReportSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        report = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = services.screening_report_submit(
            actor=request.user, report=report, **serializer.validated_data
        )
        return Response(ScreeningReportSerializer(self.get_queryset().get(pk=report.pk)).data)


class ScreeningItemFilter(PortalFilterSet):
    kind = django_filters.ChoiceFilter(choices=ScreeningItemKind.choices)
    period = django_filters.ModelChoiceFilter(
        field_name="report__period", queryset=ScreeningPeriod.objects.all()
    )
    immediate = BooleanFilter()

    class Meta:
        model = ScreeningItem
        fields = ["kind", "period", "immediate"]


class ScreeningItemViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The items found in the screenings (D8), read-only: they are added through a report's
    `submit` (or on the portal's pages)."""

    serializer_class = ScreeningItemSerializer
    filterset_class = ScreeningItemFilter
    # Registering an entry as a case checks its own rules (case_register_from_screening).
    action_permissions = {"register_case": "view"}
    pagination_class = IdCursorPagination

    def get_queryset(self):
        return selectors.screening_item_list(
            user=self.request.user, token=request_token(self.request)
        )

    @extend_schema(request=None, responses={201: CaseDetailSerializer})
    @action(detail=True, methods=["post"], url_path="register-case", url_name="register-case")
    def register_case(self, request, pk=None):
        """Register a dispute found in a screening as a case (造册登记, D8); the entry then
        names the case."""
        case = case_services.case_register_from_screening(
            actor=request.user, token=request_token(request), item=self.get_object()
        )
        case = case_selectors.case_detail(
            user=request.user, token=request_token(request), pk=case.pk
        )
        return Response(
            CaseDetailSerializer(case, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


class ScreeningPeriodViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The screening periods (the same for every district), read-only."""

    serializer_class = ScreeningPeriodSerializer
    pagination_class = IdCursorPagination
    filterset_fields = ["cadence"]

    def get_queryset(self):
        return selectors.screening_period_list()
