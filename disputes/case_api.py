"""Dispute cases through the API: /api/v1/disputes/ with the workflow steps as actions.
Thin: disputes.case_services holds every rule; a refused step is 403 naming the rule, a
step the case's state no longer allows is 409, bad input is 400 with field messages."""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from disputes import case_selectors as selectors
from disputes import case_services as services
from disputes.models import (
    FAILED_OUTCOME_CHOICES,
    REGISTRATION_SOURCE_CHOICES,
    AccountabilityRecord,
    Case,
    CaseAction,
    CaseHandoff,
    CaseParty,
    CaseSource,
    CaseState,
    CaseTaskGroupMember,
    DisputeCategory,
    ExtensionRequest,
    HandoffKind,
    MediationOrganisation,
    MediationSession,
    Mediator,
    Severity,
    Supervision,
)
from governance.api_base import (
    IdCursorPagination,
    RejectUnknownFieldsMixin,
    ScopedFieldsMixin,
    ScopedQuerysetMixin,
    request_token,
    visible_choices,
)
from governance.api_filters import BooleanFilter, PortalFilterSet
from governance.models import Role, User
from grid.models import Area, AreaLevel, Unit
from population.models import Organisation, Resident


def _visible_grids(request):
    return visible_choices(Area)(request).filter(level=AreaLevel.GRID).defer("boundary")


def _registrable_grids(request):
    return selectors.registrable_grids(user=request.user, token=request_token(request))


class CaseCursorPagination(IdCursorPagination):
    ordering = ("-registered_at", "-pk")


# --- Reading -----------------------------------------------------------------------------------


class CasePartySerializer(ScopedFieldsMixin, RejectUnknownFieldsMixin, serializers.ModelSerializer):
    scoped_fields = {
        "resident": visible_choices(Resident),
        "organisation": visible_choices(Organisation),
    }
    display_name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = CaseParty
        fields = ["role", "resident", "organisation", "name", "display_name"]
        extra_kwargs = {"name": {"required": False}}


class CaseSerializer(serializers.ModelSerializer):
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    grid_name = serializers.CharField(source="grid.name", read_only=True)
    owner_unit_name = serializers.CharField(source="owner_unit.name", read_only=True)
    overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "title",
            "state",
            "state_display",
            "severity",
            "category",
            "source",
            "grid",
            "grid_name",
            "owner_unit",
            "owner_unit_name",
            "pending_unit",
            "supervising_area",
            "escalations",
            "stage",
            "stage_due_at",
            "overdue",
            "registered_at",
            "responsible_leader",
            "petition",
            "collective_petition",
            "bypass_petition",
            "outcome",
            "satisfied",
            "closed_at",
        ]
        read_only_fields = fields


class CaseHandoffSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseHandoff
        fields = [
            "id",
            "kind",
            "from_unit",
            "to_unit",
            "reason",
            "handed_by",
            "handed_at",
            "accepted",
            "answered_at",
            "return_reason",
        ]
        read_only_fields = fields


class MediationSessionSerializer(RejectUnknownFieldsMixin, serializers.ModelSerializer):
    # Any active mediator: the service takes only those serving the case's area (D20).
    roster = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Mediator.objects.filter(active=True), required=False
    )
    # Any active organisation: the service takes one the case is routed to (D19).
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=MediationOrganisation.objects.filter(active=True), required=False, allow_null=True
    )

    class Meta:
        model = MediationSession
        fields = [
            "id",
            "kind",
            "held_on",
            "organisation",
            "mediators",
            "roster",
            "participants",
            "outcome",
        ]
        read_only_fields = ["id"]


class TaskGroupMemberSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = CaseTaskGroupMember
        fields = ["unit", "unit_name", "lead"]
        read_only_fields = fields


class CaseActionSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = CaseAction
        fields = [
            "id",
            "action",
            "actor",
            "actor_name",
            "unit",
            "at",
            "from_state",
            "to_state",
            "comment",
        ]
        read_only_fields = fields

    def get_actor_name(self, row: CaseAction) -> str:
        return row.actor.display_name if row.actor_id else str(_("the system"))


class ExtensionRequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExtensionRequest
        fields = [
            "id",
            "days",
            "reason",
            "requested_by",
            "requested_at",
            "decision",
            "decided_by",
            "decided_at",
            "comment",
        ]
        read_only_fields = fields


class SupervisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Supervision
        fields = [
            "id",
            "office",
            "requirement",
            "deadline",
            "listed_by",
            "listed_at",
            "report",
            "reported_at",
            "lifted_at",
        ]
        read_only_fields = fields


class AccountabilityRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccountabilityRecord
        fields = ["id", "persons", "finding", "sanction", "recorded_by", "recorded_at"]
        read_only_fields = fields


class CaseDetailSerializer(CaseSerializer):
    parties = CasePartySerializer(many=True, read_only=True)
    handoffs = CaseHandoffSerializer(many=True, read_only=True)
    mediations = MediationSessionSerializer(many=True, read_only=True)
    timeline = CaseActionSerializer(source="actions", many=True, read_only=True)
    extensions = ExtensionRequestSerializer(many=True, read_only=True)
    supervisions = SupervisionSerializer(many=True, read_only=True)
    task_group = TaskGroupMemberSerializer(many=True, read_only=True)
    accountability = AccountabilityRecordSerializer(many=True, read_only=True)
    steps = serializers.SerializerMethodField(
        help_text="The workflow actions the caller may take on the case now."
    )

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "summary",
            "address",
            "longitude",
            "latitude",
            "occurred_on",
            "people_involved",
            "units_involved",
            "duplicate_of",
            "measures",
            "handlers",
            "agreement",
            "resolution_method",
            "resolution_org",
            "resolution_notes",
            "referred_to",
            "evaluated_on",
            "evaluation",
            "parties",
            "handoffs",
            "mediations",
            "timeline",
            "extensions",
            "supervisions",
            "task_group",
            "accountability",
            "steps",
        ]
        read_only_fields = fields

    def get_steps(self, case: Case) -> list[str]:
        request = self.context.get("request")
        if request is None or request_token(request) is not None:
            return []
        return [
            step.replace("_", "-") for step in services.case_steps(actor=request.user, case=case)
        ]


# --- Writing -----------------------------------------------------------------------------------


class CaseCreateSerializer(
    ScopedFieldsMixin, RejectUnknownFieldsMixin, serializers.ModelSerializer
):
    scoped_fields = {"grid": _registrable_grids, "duplicate_of": visible_choices(Case)}
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=DisputeCategory.objects.filter(active=True)
    )
    source = serializers.ChoiceField(
        choices=REGISTRATION_SOURCE_CHOICES,
        required=False,
        default=CaseSource.WALK_IN,
        help_text="Through a token the source is always other_system.",
    )
    parties = CasePartySerializer(many=True)

    class Meta:
        model = Case
        fields = [
            "title",
            "summary",
            "category",
            "severity",
            "source",
            "grid",
            "address",
            "longitude",
            "latitude",
            "occurred_on",
            "people_involved",
            "units_involved",
            "petition",
            "collective_petition",
            "bypass_petition",
            "parties",
            "duplicate_of",
        ]
        extra_kwargs = {"grid": {"required": False}}

    def validate_longitude(self, value):
        if value is not None and not -180 <= value <= 180:
            raise serializers.ValidationError(_("A longitude lies between -180 and 180."))
        return value

    def validate_latitude(self, value):
        if value is not None and not -90 <= value <= 90:
            raise serializers.ValidationError(_("A latitude lies between -90 and 90."))
        return value


class AcceptSerializer(ScopedFieldsMixin, RejectUnknownFieldsMixin, serializers.Serializer):
    scoped_fields = {"handlers": visible_choices(User)}
    measures = serializers.CharField(help_text="The plan's measures (制定方案).")
    handlers = serializers.PrimaryKeyRelatedField(
        many=True, queryset=User.objects.none(), required=False
    )
    # A street office names a district leader it cannot otherwise see: any active leader,
    # checked by the service against the case's area.
    responsible_leader = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(role=Role.LEADER, is_active=True),
        required=False,
        allow_null=True,
    )
    comment = serializers.CharField(required=False, allow_blank=True)


class HandOffSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    # Any active unit: the service accepts only those serving the case's area.
    to_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(active=True))
    kind = serializers.ChoiceField(choices=HandoffKind.choices)
    reason = serializers.CharField()


class ReasonSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    reason = serializers.CharField()


class ResolveSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    agreement = serializers.CharField()
    resolution_method = serializers.CharField(max_length=100)
    resolution_org = serializers.CharField(max_length=100, required=False, allow_blank=True)
    resolution_notes = serializers.CharField(required=False, allow_blank=True)


class FailSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    outcome = serializers.ChoiceField(choices=FAILED_OUTCOME_CHOICES)
    referred_to = serializers.CharField(max_length=200)
    resolution_notes = serializers.CharField(required=False, allow_blank=True)


class VerifySerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    satisfied = serializers.BooleanField()
    evaluation = serializers.CharField()
    evaluated_on = serializers.DateField(required=False)

    def validate(self, attrs):
        attrs.setdefault("evaluated_on", timezone.localdate())
        return super().validate(attrs)


class CommentSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class SendBackSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    comment = serializers.CharField()


class InstructSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    instruction = serializers.CharField()


class EmptySerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    pass


class ExtendSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=30, help_text="Working days asked.")
    reason = serializers.CharField()


class DecideExtensionSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    grant = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class SuperviseSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    requirement = serializers.CharField()
    deadline = serializers.DateField(help_text="The report-back date.")


class ReportBackSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    report = serializers.CharField()


class TaskGroupSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    # Any active unit: the service takes those serving the case's area (D16).
    units = serializers.PrimaryKeyRelatedField(many=True, queryset=Unit.objects.filter(active=True))
    lead = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(active=True), required=False, allow_null=True
    )


class GroupReportSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    report = serializers.CharField()


class AccountabilitySerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    persons = serializers.CharField(max_length=300)
    finding = serializers.CharField()
    sanction = serializers.CharField(max_length=200)


# --- The viewset ---------------------------------------------------------------------------------


class CaseFilter(PortalFilterSet):
    state = django_filters.ChoiceFilter(choices=CaseState.choices)
    severity = django_filters.ChoiceFilter(choices=Severity.choices)
    source = django_filters.ChoiceFilter(choices=CaseSource.choices)
    category = django_filters.ModelChoiceFilter(
        queryset=DisputeCategory.objects.all(), to_field_name="code"
    )
    grid = django_filters.ModelChoiceFilter(queryset=_visible_grids)
    owner_unit = django_filters.ModelChoiceFilter(queryset=visible_choices(Unit))
    overdue = BooleanFilter(method="filter_overdue", label=_("Past the current stage's deadline"))
    petition = BooleanFilter()

    class Meta:
        model = Case
        fields = ["state", "severity", "source", "category", "grid", "owner_unit", "petition"]

    def filter_overdue(self, queryset, name, value):
        due = {"stage_due_at__lt": timezone.now()}
        return queryset.filter(**due) if value else queryset.exclude(**due)


STEP_SERIALIZERS = {
    "accept": AcceptSerializer,
    "hand_off": HandOffSerializer,
    "return_": ReasonSerializer,
    "mediate": MediationSessionSerializer,
    "resolve": ResolveSerializer,
    "fail": FailSerializer,
    "verify": VerifySerializer,
    "sign_off": CommentSerializer,
    "send_back": SendBackSerializer,
    "instruct": InstructSerializer,
    "take": EmptySerializer,
    "reopen": ReasonSerializer,
    "escalate": ReasonSerializer,
    "extend": ExtendSerializer,
    "decide_extension": DecideExtensionSerializer,
    "supervise": SuperviseSerializer,
    "report_back": ReportBackSerializer,
    "lift_supervision": CommentSerializer,
    "accountability": AccountabilitySerializer,
    "task_group": TaskGroupSerializer,
    "group_report": GroupReportSerializer,
}


class CaseViewSet(
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Dispute cases (矛盾纠纷) of the caller's area, or of and handed to their unit. Every
    step is a POST action; the detail lists the steps the caller may take (`steps`)."""

    base_queryset = Case.objects.select_related("grid", "category", "owner_unit").defer(
        "grid__boundary"
    )
    filterset_class = CaseFilter
    pagination_class = CaseCursorPagination
    # The steps check their own rules (disputes.case_services): the object need only be seen.
    action_permissions = {name: "view" for name in STEP_SERIALIZERS}

    def get_serializer_class(self):
        if self.action == "create":
            return CaseCreateSerializer
        if self.action in STEP_SERIALIZERS:
            return STEP_SERIALIZERS[self.action]
        return CaseDetailSerializer if self.action == "retrieve" else CaseSerializer

    def get_object(self):
        case = super().get_object()
        if self.action == "retrieve":
            return selectors.case_detail(
                user=self.request.user, token=request_token(self.request), pk=case.pk
            )
        return case

    def _detail(self, case: Case, code: int = status.HTTP_200_OK) -> Response:
        case = selectors.case_detail(
            user=self.request.user, token=request_token(self.request), pk=case.pk
        )
        return Response(
            CaseDetailSerializer(case, context=self.get_serializer_context()).data, status=code
        )

    def _input(self) -> dict:
        serializer = self.get_serializer(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(request=CaseCreateSerializer, responses={201: CaseDetailSerializer})
    def create(self, request):
        data = self._input()
        case = services.case_register(actor=request.user, token=request_token(request), **data)
        return self._detail(case, status.HTTP_201_CREATED)

    def _step(self, function, **extra) -> Response:
        case = self.get_object()
        function(actor=self.request.user, case=case, **self._input(), **extra)
        return self._detail(case)

    STEP_RESPONSES = {
        200: CaseDetailSerializer,
        403: OpenApiResponse(description="The caller may not take this step (the rule is named)."),
        409: OpenApiResponse(description="The case's state no longer allows this step."),
    }

    @extend_schema(request=AcceptSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Accept the case with its plan (or a hand-off to the caller's unit)."""
        return self._step(services.case_accept)

    @extend_schema(request=HandOffSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"], url_path="hand-off")
    def hand_off(self, request, pk=None):
        return self._step(services.case_hand_off)

    @extend_schema(request=ReasonSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        """Return a hand-off to the sending unit (回退), with the reason."""
        return self._step(services.case_return)

    @extend_schema(request=MediationSessionSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"])
    def mediate(self, request, pk=None):
        return self._step(services.case_mediate)

    @extend_schema(request=ResolveSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        return self._step(services.case_resolve)

    @extend_schema(request=FailSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"])
    def fail(self, request, pk=None):
        return self._step(services.case_fail)

    @extend_schema(request=VerifySerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        return self._step(services.case_verify)

    @extend_schema(request=CommentSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request, pk=None):
        return self._step(services.case_sign_off)

    @extend_schema(request=SendBackSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, pk=None):
        return self._step(services.case_send_back)

    @extend_schema(request=InstructSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"])
    def instruct(self, request, pk=None):
        return self._step(services.case_instruct)

    @extend_schema(request=EmptySerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"])
    def take(self, request, pk=None):
        """A leader of the case's area takes it personally (领导包案)."""
        return self._step(services.case_take)

    @extend_schema(request=ReasonSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._step(services.case_reopen)

    @extend_schema(request=ReasonSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        return self._step(services.case_escalate)

    @extend_schema(request=ExtendSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        """Ask for more working days to handle the case (延期申请)."""
        return self._step(services.case_extend)

    @extend_schema(request=DecideExtensionSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"], url_path="decide-extension")
    def decide_extension(self, request, pk=None):
        """The level above grants or refuses the pending extension request."""
        return self._step(services.case_decide_extension)

    @extend_schema(request=SuperviseSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"])
    def supervise(self, request, pk=None):
        """List the case for supervision (挂牌督办)."""
        return self._step(services.case_supervise)

    @extend_schema(request=ReportBackSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"], url_path="report-back")
    def report_back(self, request, pk=None):
        return self._step(services.case_report_back)

    @extend_schema(request=TaskGroupSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"], url_path="task-group")
    def task_group(self, request, pk=None):
        """Form or change the case's special task group (专项工作组): its units and lead."""
        return self._step(services.case_task_group_set)

    @extend_schema(request=GroupReportSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"], url_path="group-report")
    def group_report(self, request, pk=None):
        """A unit of the task group reports its progress to the case's owner."""
        return self._step(services.case_group_report)

    @extend_schema(request=CommentSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"], url_path="lift-supervision")
    def lift_supervision(self, request, pk=None):
        return self._step(services.case_lift_supervision)

    @extend_schema(request=AccountabilitySerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"])
    def accountability(self, request, pk=None):
        """Record accountability (责任追究): persons, finding, sanction."""
        return self._step(services.case_hold_accountable)
