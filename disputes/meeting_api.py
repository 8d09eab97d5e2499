"""Meetings on disputes through the API (D14): /api/v1/meetings/ and
/api/v1/meeting-decisions/. Thin: the services hold the rules."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from disputes import meeting_selectors as selectors
from disputes import meeting_services as services
from disputes.models import Case, Meeting, MeetingDecision, MeetingKind
from governance.api_base import (
    IdCursorPagination,
    RejectUnknownFieldsMixin,
    ScopedFieldsMixin,
    request_token,
    visible_choices,
)
from governance.api_filters import BooleanFilter, PortalFilterSet
from governance.models import User
from grid.models import Area, Unit


class MeetingDecisionSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = MeetingDecision
        fields = [
            "id",
            "meeting",
            "text",
            "case",
            "unit",
            "unit_name",
            "deadline",
            "done_at",
            "done_by",
            "done_note",
        ]
        read_only_fields = fields


class MeetingSerializer(serializers.ModelSerializer):
    decisions = MeetingDecisionSerializer(many=True, read_only=True)
    case_count = serializers.IntegerField(read_only=True)
    open_decisions = serializers.IntegerField(read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "area",
            "kind",
            "held_on",
            "title",
            "chair",
            "attendees",
            "minutes",
            "cases",
            "case_count",
            "decisions",
            "open_decisions",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = fields


class DecisionWriteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000)
    # Any active unit and any case: the service takes those of the meeting's area.
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(active=True))
    case = serializers.PrimaryKeyRelatedField(
        queryset=Case.objects.all(), required=False, allow_null=True
    )
    deadline = serializers.DateField()


class MeetingCreateSerializer(ScopedFieldsMixin, RejectUnknownFieldsMixin, serializers.Serializer):
    scoped_fields = {
        "area": visible_choices(Area),
        "chair": visible_choices(User),
        "cases": visible_choices(Case),
    }

    area = serializers.PrimaryKeyRelatedField(queryset=Area.objects.none())
    kind = serializers.ChoiceField(choices=MeetingKind.choices)
    held_on = serializers.DateField()
    title = serializers.CharField(max_length=120)
    chair = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.none(), required=False, allow_null=True
    )
    attendees = serializers.CharField(max_length=4000)
    minutes = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    cases = serializers.PrimaryKeyRelatedField(
        queryset=Case.objects.none(), many=True, required=False
    )
    decisions = DecisionWriteSerializer(many=True, required=False)


class MeetingFilter(PortalFilterSet):
    area = django_filters.ModelChoiceFilter(queryset=visible_choices(Area))
    kind = django_filters.ChoiceFilter(choices=MeetingKind.choices)

    class Meta:
        model = Meeting
        fields = ["area", "kind"]


class MeetingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Meetings on the disputes of the caller's areas (定期会议、会商、汇报, D14), with the cases
    discussed and the decisions; a unit given a task sees the meeting that set it."""

    filterset_class = MeetingFilter
    pagination_class = IdCursorPagination

    def get_queryset(self):
        return selectors.meeting_list(
            user=self.request.user, token=request_token(self.request)
        ).prefetch_related("decisions", "cases")

    def get_serializer_class(self):
        return MeetingCreateSerializer if self.action == "create" else MeetingSerializer

    @extend_schema(request=MeetingCreateSerializer, responses={201: MeetingSerializer})
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        meeting = services.meeting_record(actor=request.user, **serializer.validated_data)
        shown = self.get_queryset().get(pk=meeting.pk)
        return Response(MeetingSerializer(shown).data, status=status.HTTP_201_CREATED)


class DecisionDoneSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    note = serializers.CharField(max_length=2000)


class MeetingDecisionFilter(PortalFilterSet):
    meeting = django_filters.ModelChoiceFilter(queryset=visible_choices(Meeting))
    unit = django_filters.ModelChoiceFilter(queryset=visible_choices(Unit))
    done = BooleanFilter(field_name="done_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = MeetingDecision
        fields = ["meeting", "unit", "done"]


class MeetingDecisionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The meetings' decisions: tasks for units with deadlines (`?done=false` for the open
    ones); the responsible unit or the meeting's office marks one `done`."""

    filterset_class = MeetingDecisionFilter
    pagination_class = IdCursorPagination
    action_permissions = {"done": "view"}  # the service names the rule when it refuses

    def get_queryset(self):
        return selectors.meeting_decision_list(
            user=self.request.user, token=request_token(self.request)
        )

    def get_serializer_class(self):
        return DecisionDoneSerializer if self.action == "done" else MeetingDecisionSerializer

    @extend_schema(request=DecisionDoneSerializer, responses={200: MeetingDecisionSerializer})
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decision = services.meeting_decision_done(
            actor=request.user, decision=self.get_object(), **serializer.validated_data
        )
        return Response(MeetingDecisionSerializer(self.get_queryset().get(pk=decision.pk)).data)
