"""The stability-risk register through the API: /api/v1/risk-matters/ and
/api/v1/risk-assessments/ (D30-D35). Thin: the services hold the rules."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from disputes import risk_selectors as selectors
from disputes import risk_services as services
from disputes.models import (
    AssessmentStatus,
    ConsultationForm,
    RiskAssessment,
    RiskConclusion,
    RiskConsultation,
    RiskDecision,
    RiskLevel,
    RiskMatter,
    RiskMatterKind,
)
from governance.api_base import IdCursorPagination, RejectUnknownFieldsMixin, request_token
from governance.api_filters import BooleanFilter, PortalFilterSet
from governance.models import User
from governance.scoping import visible_to
from grid.models import Area


def _visible_areas(request):
    # A hidden area "does not exist" for the caller, in a filter or a payload.
    return visible_to(
        getattr(request, "user", None), Area.objects.defer("boundary"), token=request_token(request)
    )


def _visible_matters(request):
    return selectors.risk_matter_list(
        user=getattr(request, "user", None), token=request_token(request)
    )


def _visible_people(request):
    return visible_to(
        getattr(request, "user", None), User.objects.all(), token=request_token(request)
    )


class _Scoped:
    """Fields naming rows get the caller's visible rows as choices."""

    scoped_fields: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")  # absent while the schema is generated
        if request is not None:
            for name, choices in self.scoped_fields.items():
                if name in self.fields:
                    self.fields[name].queryset = choices(request)


@extend_schema_field({"type": "integer", "minimum": 2000, "maximum": 2100})
class YearFilter(django_filters.NumberFilter):
    """A calendar year (a whole number 2000-2100): the year lookup takes nothing else."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=2000, max_value=2100, **kwargs)


# --- Matters -------------------------------------------------------------------------------


class RiskMatterSerializer(serializers.ModelSerializer):
    area_name = serializers.CharField(source="area.name", read_only=True)
    assessed = serializers.BooleanField(
        read_only=True, help_text="Whether a completed assessment exists."
    )

    class Meta:
        model = RiskMatter
        fields = [
            "id",
            "area",
            "area_name",
            "title",
            "kind",
            "sponsor",
            "description",
            "planned_on",
            "requires_assessment",
            "status",
            "assessed",
            "decided_by",
            "decided_at",
            "decision_comment",
            "registered_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class RiskMatterUpdateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=RiskMatterKind.choices)
    sponsor = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True)
    planned_on = serializers.DateField(required=False, allow_null=True)
    requires_assessment = serializers.BooleanField(required=False)


class RiskMatterCreateSerializer(_Scoped, RiskMatterUpdateSerializer):
    scoped_fields = {"area": _visible_areas}

    area = serializers.PrimaryKeyRelatedField(queryset=Area.objects.none())


class RiskDecisionSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=[(value, label) for value, label in RiskDecision.choices if value != "proposed"]
    )
    comment = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class RiskMatterFilter(PortalFilterSet):
    area = django_filters.ModelChoiceFilter(
        queryset=_visible_areas, method="in_area", label=_("Area (and the areas below it)")
    )
    year = YearFilter(field_name="created_at", lookup_expr="year")
    status = django_filters.ChoiceFilter(choices=RiskDecision.choices)
    requires_assessment = BooleanFilter()
    awaiting_assessment = BooleanFilter(
        method="awaiting", label=_("Requires an assessment, undecided, none completed")
    )

    class Meta:
        model = RiskMatter
        fields = ["area", "year", "status", "requires_assessment", "awaiting_assessment"]

    def in_area(self, queryset, name, value):
        return queryset.filter(area__path__startswith=value.path)

    def awaiting(self, queryset, name, value):
        awaiting = {
            "requires_assessment": True,
            "status__in": [RiskDecision.PROPOSED, RiskDecision.SUSPENDED],
            "assessed": False,
        }
        return queryset.filter(**awaiting) if value else queryset.exclude(**awaiting)


class RiskMatterViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The register of major decisions, projects and matters (D30, D31): office staff and other
    systems register and correct them; leaders of the area `decide` (approve to proceed, not
    approve, suspend). Approval needs a completed assessment where one is required (应评尽评)
    and is refused after a no-go (当否必否). Grid workers see none."""

    filterset_class = RiskMatterFilter
    pagination_class = IdCursorPagination
    action_permissions = {"decide": "decide"}

    def get_queryset(self):
        return selectors.risk_matter_list(user=self.request.user, token=request_token(self.request))

    def get_serializer_class(self):
        if self.action == "create":
            return RiskMatterCreateSerializer
        if self.action in {"update", "partial_update"}:
            return RiskMatterUpdateSerializer
        if self.action == "decide":
            return RiskDecisionSerializer
        return RiskMatterSerializer

    def _shown(self, matter: RiskMatter):
        return RiskMatterSerializer(self.get_queryset().get(pk=matter.pk)).data

    @extend_schema(request=RiskMatterCreateSerializer, responses={201: RiskMatterSerializer})
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        matter = services.risk_matter_register(actor=request.user, **serializer.validated_data)
        return Response(self._shown(matter), status=status.HTTP_201_CREATED)

    @extend_schema(request=RiskMatterUpdateSerializer, responses={200: RiskMatterSerializer})
    def update(self, request, pk=None, partial=False):
        matter = self.get_object()
        serializer = self.get_serializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        matter = services.risk_matter_update(
            actor=request.user, matter=matter, **serializer.validated_data
        )
        return Response(self._shown(matter))

    @extend_schema(request=RiskMatterUpdateSerializer, responses={200: RiskMatterSerializer})
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    @extend_schema(request=RiskDecisionSerializer, responses={200: RiskMatterSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """A leader of the area decides (`approved`, `not_approved` with a comment, or
        `suspended` with a comment)."""
        matter = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        matter = services.risk_matter_decide(
            actor=request.user, matter=matter, **serializer.validated_data
        )
        return Response(self._shown(matter))


# --- Assessments ---------------------------------------------------------------------------


class RiskConsultationSerializer(serializers.ModelSerializer):
    form = serializers.ChoiceField(choices=ConsultationForm.choices)

    class Meta:
        model = RiskConsultation
        fields = ["held_on", "form", "participants", "opinions"]


class RiskAssessmentSerializer(serializers.ModelSerializer):
    consultations = RiskConsultationSerializer(many=True, read_only=True)
    level = serializers.ChoiceField(
        choices=RiskLevel.choices,
        allow_blank=True,
        read_only=True,
        help_text="From the three scores; blank until all three are given.",
    )

    class Meta:
        model = RiskAssessment
        fields = [
            "id",
            "matter",
            "possibility",
            "severity",
            "difficulty",
            "level",
            "findings",
            "early_warning",
            "judicial_advice",
            "measures",
            "conclusion",
            "assessor",
            "assessing_body",
            "assessed_on",
            "consultations",
            "status",
            "completed_at",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


def _score():
    return serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)


class RiskAssessmentUpdateSerializer(_Scoped, RejectUnknownFieldsMixin, serializers.Serializer):
    """A draft's fields; `consultations`, when given, replace the draft's list."""

    scoped_fields = {"assessor": _visible_people}

    possibility = _score()
    severity = _score()
    difficulty = _score()
    findings = serializers.CharField(required=False, allow_blank=True)
    early_warning = serializers.CharField(required=False, allow_blank=True)
    judicial_advice = serializers.CharField(required=False, allow_blank=True)
    measures = serializers.CharField(required=False, allow_blank=True)
    conclusion = serializers.ChoiceField(
        choices=RiskConclusion.choices, required=False, allow_blank=True
    )
    assessor = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.none(), required=False, allow_null=True
    )
    assessing_body = serializers.CharField(max_length=100, required=False, allow_blank=True)
    assessed_on = serializers.DateField(required=False, allow_null=True)
    consultations = RiskConsultationSerializer(many=True, required=False)


class RiskAssessmentCreateSerializer(RiskAssessmentUpdateSerializer):
    scoped_fields = {"assessor": _visible_people, "matter": _visible_matters}

    matter = serializers.PrimaryKeyRelatedField(queryset=RiskMatter.objects.none())


class RiskSummaryQuerySerializer(_Scoped, serializers.Serializer):
    scoped_fields = {"area": _visible_areas}

    area = serializers.PrimaryKeyRelatedField(
        queryset=Area.objects.none(),
        required=False,
        help_text="An area in the caller's scope (default: the top of the scope).",
    )
    year = serializers.IntegerField(
        min_value=2000, max_value=2100, required=False, help_text="Default: this year."
    )


class RiskFiguresSerializer(serializers.Serializer):
    area = serializers.IntegerField(source="area.pk", allow_null=True, default=None)
    area_name = serializers.CharField(source="area.name", allow_null=True, default=None)
    matters = serializers.IntegerField(help_text="Matters registered in the year.")
    requiring_assessment = serializers.IntegerField()
    assessed = serializers.IntegerField(help_text="Of them, with a completed assessment.")
    approved = serializers.IntegerField()
    not_approved = serializers.IntegerField()
    approved_without_assessment = serializers.IntegerField()
    approved_without_required_assessment = serializers.IntegerField(
        help_text="Should be 0 (应评尽评)."
    )
    completed_assessments = serializers.IntegerField(
        help_text="Assessments completed with an assessment date in the year (D34)."
    )
    by_level = serializers.DictField(child=serializers.IntegerField())
    by_conclusion = serializers.DictField(child=serializers.IntegerField())


class RiskSummarySerializer(serializers.Serializer):
    year = serializers.IntegerField()
    total = RiskFiguresSerializer()
    rows = RiskFiguresSerializer(many=True, help_text="One per child area.")


class RiskAssessmentFilter(PortalFilterSet):
    area = django_filters.ModelChoiceFilter(
        field_name="matter__area",
        queryset=_visible_areas,
        method="in_area",
        label=_("Area (and the areas below it)"),
    )
    matter = django_filters.ModelChoiceFilter(queryset=_visible_matters)
    year = YearFilter(field_name="assessed_on", lookup_expr="year")
    status = django_filters.ChoiceFilter(choices=AssessmentStatus.choices)
    level = django_filters.ChoiceFilter(choices=RiskLevel.choices)
    conclusion = django_filters.ChoiceFilter(choices=RiskConclusion.choices)

    class Meta:
        model = RiskAssessment
        fields = ["area", "matter", "year", "status", "level", "conclusion"]

    def in_area(self, queryset, name, value):
        return queryset.filter(matter__area__path__startswith=value.path)


class RiskAssessmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Stability-risk assessments (D32, D35): written as drafts by office staff and other
    systems, changed while draft, then `complete`d (read-only from then on; a correction is a
    new assessment). `summary` gives the counts of an area and year (D34)."""

    filterset_class = RiskAssessmentFilter
    pagination_class = IdCursorPagination

    def get_queryset(self):
        return selectors.risk_assessment_list(
            user=self.request.user, token=request_token(self.request)
        )

    def get_serializer_class(self):
        if self.action == "create":
            return RiskAssessmentCreateSerializer
        if self.action in {"update", "partial_update"}:
            return RiskAssessmentUpdateSerializer
        if self.action == "summary":
            return RiskSummaryQuerySerializer
        return RiskAssessmentSerializer

    def _shown(self, assessment: RiskAssessment):
        return RiskAssessmentSerializer(self.get_queryset().get(pk=assessment.pk)).data

    @extend_schema(
        request=RiskAssessmentCreateSerializer, responses={201: RiskAssessmentSerializer}
    )
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assessment = services.risk_assessment_create(
            actor=request.user, **serializer.validated_data
        )
        return Response(self._shown(assessment), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=RiskAssessmentUpdateSerializer, responses={200: RiskAssessmentSerializer}
    )
    def update(self, request, pk=None, partial=False):
        assessment = self.get_object()
        serializer = self.get_serializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        assessment = services.risk_assessment_update(
            actor=request.user, assessment=assessment, **serializer.validated_data
        )
        return Response(self._shown(assessment))

    @extend_schema(
        request=RiskAssessmentUpdateSerializer, responses={200: RiskAssessmentSerializer}
    )
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    @extend_schema(request=None, responses={200: RiskAssessmentSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Complete a draft: scores, findings, conclusion, assessing body, date and at least
        one consultation are needed; the caller signs as assessor unless one was named."""
        assessment = services.risk_assessment_complete(
            actor=request.user, assessment=self.get_object()
        )
        return Response(self._shown(assessment))

    @extend_schema(parameters=[RiskSummaryQuerySerializer], responses={200: RiskSummarySerializer})
    @action(detail=False, methods=["get"])
    def summary(self, request):
        """Counts per area and year (D34): matters registered, requiring assessment, assessed,
        approved (without an assessment: should be 0 where one is required), completed
        assessments by level and conclusion; for the area and each child area."""
        query = RiskSummaryQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        summary = selectors.risk_summary(
            user=request.user, token=request_token(request), **query.validated_data
        )
        return Response(RiskSummarySerializer(summary).data)
