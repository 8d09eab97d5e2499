import django_filters
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.api_base import (
    CodeCursorPagination,
    CreatedCursorPagination,
    IdCursorPagination,
    RejectUnknownFieldsMixin,
    ScopedQuerysetMixin,
    request_token,
)
from governance.api_fields import JsonFloatField
from governance.api_filters import BooleanFilter, PortalFilterSet
from governance.countries import COUNTRIES
from governance.models import User
from governance.scoping import in_scope, visible_to
from grid.models import Area, AreaLevel
from population import imports, selectors, services
from population.compound_api import SecurityBodySerializer
from population.models import (
    Compound,
    EventKind,
    ExportStatus,
    House,
    Household,
    HouseholdKind,
    ImportStatus,
    Organisation,
    OrganisationKind,
    Relationship,
    Resident,
    ResidentEvent,
    ResidentImport,
    ResidentStatus,
    Sex,
    SpecialGroupEvent,
    SpecialGroupExportRequest,
    SpecialGroupKind,
    SpecialGroupRecord,
    SupervisionLevel,
    Visit,
    VisitPurpose,
    VitalPart,
    floating_risk_visible,
)


class ResidentSerializer(serializers.ModelSerializer):
    """A resident as the API shows them: the ID number and phone masked for everyone (the
    full values only through the reveal action, with a reason, logged)."""

    id_number = serializers.SerializerMethodField(
        help_text=_("Masked; null for a foreign national registered without one.")
    )
    phone = serializers.CharField(source="phone_masked", read_only=True)
    passport_number = serializers.CharField(source="passport_number_masked", read_only=True)
    grid_name = serializers.CharField(source="grid.name", read_only=True)
    high_risk = serializers.BooleanField(
        read_only=True,
        required=False,
        help_text=_("Floating residents (P6); present for office staff only."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None or not floating_risk_visible(request.user):
            self.fields.pop("high_risk")  # P6: office staff only

    def get_id_number(self, resident: Resident) -> str | None:
        return resident.id_number_masked if resident.id_number else None

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
            "presence",
            "address",
            "employer",
            "employer_organisation",
            "residence_permit_number",
            "residence_permit_expires_on",
            "high_risk",
            "passport_number",
            "nationality",
            "stay_expires_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


def _visible_organisations(request):
    return selectors.organisation_list(
        user=getattr(request, "user", None), token=request_token(request)
    )


def _visible_grids(request):
    # A grid outside the caller's scope "does not exist" for them, in a filter or a payload.
    return visible_to(
        getattr(request, "user", None),
        Area.objects.filter(level=AreaLevel.GRID).defer("boundary"),
        token=request_token(request),
    )


def _visible(model):
    """The rows of `model` the request's caller sees, for a filter or a payload: a hidden one
    "does not exist" for them."""

    def rows(request):
        return visible_to(
            getattr(request, "user", None),
            model._default_manager.all(),
            token=request_token(request),
        )

    return rows


_visible_residents = _visible(Resident)
_visible_users = _visible(User)
_visible_houses = _visible(House)
_visible_households = _visible(Household)
_visible_organisations = _visible(Organisation)
_visible_compounds = _visible(Compound)


# --- The audit trail of a ledger record (history/) -------------------------------------------


class HistoryChangeSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The field's label.")
    old = serializers.CharField()
    new = serializers.CharField()


class HistoryEntrySerializer(serializers.Serializer):
    ACTIONS = {0: "create", 1: "update", 2: "delete", 3: "access"}

    id = serializers.IntegerField()
    when = serializers.DateTimeField()
    action = serializers.SerializerMethodField()
    who = serializers.CharField(help_text="Not named when outside the caller's area.")
    part = serializers.CharField(
        help_text="Empty for the record itself, else the kind of its part that changed."
    )
    changes = serializers.SerializerMethodField()
    reason = serializers.CharField(help_text="Why the numbers were seen in full (access).")

    @extend_schema_field(serializers.ChoiceField(choices=list(ACTIONS.values())))
    def get_action(self, entry) -> str:
        return self.ACTIONS.get(entry.action, str(entry.action))

    @extend_schema_field(HistoryChangeSerializer(many=True))
    def get_changes(self, entry) -> list[dict]:
        return [{"field": label, "old": old, "new": new} for label, old, new in entry.changes]


class HistoryCursorPagination(IdCursorPagination):
    ordering = "-pk"  # the log's order of writing: newest first


class HistoryActionMixin:
    """`GET <kind>/<id>/history/`: the record's audit trail (and its parts', see
    population.selectors.HISTORY_PARTS), newest first, paginated. Office staff and
    administrators in the record's area (its `history` rule); others who see the record get
    403, those who do not 404. Encrypted fields are masked; people outside the caller's area
    are not named. A constant number of queries per page."""

    @extend_schema(responses={200: HistoryEntrySerializer(many=True)}, filters=False)
    @action(
        detail=True,
        methods=["get"],
        filterset_class=None,
        pagination_class=HistoryCursorPagination,
    )
    def history(self, request, pk=None):
        record = self.get_object()
        if not request.user.has_perm(f"population.history_{record._meta.model_name}", record):
            raise PermissionDenied(_("Only office staff and administrators read the history."))
        page = self.paginate_queryset(selectors.record_log_entries(record))
        entries = selectors.history_entries(user=request.user, obj=record, entries=page)
        return self.get_paginated_response(HistoryEntrySerializer(entries, many=True).data)


class ResidentUpdateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """Corrections. A status change, a move and death are dated events:
    POST /api/v1/resident-events/."""

    name = serializers.CharField(max_length=50)
    id_number = serializers.CharField(max_length=18, required=False)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    employer = serializers.CharField(max_length=200, required=False, allow_blank=True)
    # 以业管人 (P7): an employer registers its floating workers with itself as the employer.
    employer_organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.none(), required=False, allow_null=True
    )
    residence_permit_number = serializers.CharField(max_length=30, required=False, allow_blank=True)
    residence_permit_expires_on = serializers.DateField(required=False, allow_null=True)
    high_risk = serializers.BooleanField(
        required=False, help_text=_("Floating residents (P6); set by office staff only.")
    )
    passport_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    nationality = serializers.ChoiceField(choices=COUNTRIES, required=False, allow_blank=True)
    stay_expires_on = serializers.DateField(required=False, allow_null=True)
    # A foreign national without an ID number (P10): entered; otherwise from the ID number.
    sex = serializers.ChoiceField(
        choices=Sex.choices,
        required=False,
        allow_blank=True,
        help_text=_("Foreign nationals without an ID number only; otherwise from the ID number."),
    )
    birth_date = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=_("Foreign nationals without an ID number only; otherwise from the ID number."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")  # absent while the schema is generated
        if request is not None:
            self.fields["employer_organisation"].queryset = _visible_organisations(request)


class ResidentCreateSerializer(ResidentUpdateSerializer):
    grid = serializers.PrimaryKeyRelatedField(queryset=Area.objects.none())
    id_number = serializers.CharField(
        max_length=18,
        required=False,
        allow_blank=True,
        help_text=_("Required but for a foreign national, who then gives sex and birth date."),
    )
    status = serializers.ChoiceField(choices=ResidentStatus.choices, required=False)
    moved_in_on = serializers.DateField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")  # absent while the schema is generated
        if request is not None:
            self.fields["grid"].queryset = _visible_grids(request)


class EmployerWorkerSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """A floating worker an enterprise registers itself (以业管人, P7): the status, employer
    and grid are not the caller's to choose."""

    name = serializers.CharField(max_length=50)
    id_number = serializers.CharField(max_length=18)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    residence_permit_number = serializers.CharField(max_length=30, required=False, allow_blank=True)
    residence_permit_expires_on = serializers.DateField(required=False, allow_null=True)
    moved_in_on = serializers.DateField(required=False)


class ResidentFilter(PortalFilterSet):
    grid = django_filters.ModelChoiceFilter(queryset=_visible_grids)
    employer_organisation = django_filters.ModelChoiceFilter(queryset=_visible_organisations)
    documents_expiring = BooleanFilter(
        method="filter_documents_expiring",
        label=_("Residence permit or visa expiring soon or expired"),
    )

    class Meta:
        model = Resident
        fields = ["grid", "employer_organisation", "documents_expiring"]

    def filter_documents_expiring(self, queryset, name, value):
        expiring = selectors.documents_expiring_filter(
            today=timezone.localdate(), within_days=services.document_expiry_days()
        )
        return queryset.filter(expiring) if value else queryset.exclude(expiring)


class ResidentSearchSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    q = serializers.CharField(
        min_length=selectors.SEARCH_MIN_LENGTH,
        max_length=100,
        help_text=_(
            "The start of a name (two characters or more), a full phone number, a full ID "
            "number or a full passport number."
        ),
    )


class ResidentRevealSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(
        max_length=services.REASON_MAX_LENGTH,
        help_text=_("Why the full numbers are needed; kept in the audit trail."),
    )


class ResidentRevealedSerializer(serializers.ModelSerializer):
    """The full ID number and phone of one resident (answer of a logged reveal)."""

    class Meta:
        model = Resident
        fields = ["id", "name", "id_number", "phone", "passport_number"]
        read_only_fields = fields


class ResidentViewSet(
    HistoryActionMixin,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Residents (实有人口) of the grids within the caller's scope.

    Search is `POST search/` with `{"q": ...}`, never a query string: a full ID number or
    phone in a URL ends up in access logs, proxies and histories. As on the pages, `?q=` is
    not a search; here it is refused (400) so that a client learns it, rather than getting
    the whole unsearched list."""

    base_queryset = Resident.objects.select_related("grid").defer("grid__boundary")
    filterset_class = ResidentFilter
    pagination_class = CreatedCursorPagination
    # A search is a POST that merely reads; a reveal needs its own permission.
    # Ending an employment is the enterprise's own (its service says who may, P7).
    action_permissions = {"search": "view", "reveal": "reveal", "end_employment": "view"}

    def get_serializer_class(self):
        if self.action == "create":
            return ResidentCreateSerializer
        if self.action == "search":
            return ResidentSearchSerializer
        if self.action == "reveal":
            return ResidentRevealSerializer
        if self.action in {"update", "partial_update"}:
            return ResidentUpdateSerializer
        return ResidentSerializer

    @extend_schema(
        request=ResidentCreateSerializer,
        responses={
            201: ResidentSerializer,
            200: OpenApiResponse(
                ResidentSerializer,
                description=(
                    "An enterprise's own account (以业管人, P7) sent `name`, `id_number` and the "
                    "fields of EmployerWorkerSerializer: the person was already registered and is "
                    "now linked as the enterprise's worker; nothing was created."
                ),
            ),
        },
    )
    def create(self, request):
        """Register a resident. An enterprise's own account (its unit token, P7) registers a
        floating worker: it sends only `name`, `id_number`, `phone`, `address`,
        `residence_permit_number`, `residence_permit_expires_on` and `moved_in_on`; the status
        (floating), the employer (itself) and the grid (its organisation's) are forced."""
        if request.user.employer_organisation_id is not None:
            return self._register_worker(request)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        resident = services.resident_register(actor=request.user, **serializer.validated_data)
        return Response(
            ResidentSerializer(resident, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    def _register_worker(self, request):
        serializer = EmployerWorkerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        registration = services.employer_worker_register(
            actor=request.user, **serializer.validated_data
        )
        return Response(
            ResidentSerializer(registration.resident, context=self.get_serializer_context()).data,
            status=status.HTTP_200_OK if registration.linked else status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses={200: ResidentSerializer})
    @action(detail=True, methods=["post"], url_path="end-employment")
    def end_employment(self, request, pk=None):
        """The person no longer works for the caller's enterprise (P7): they stay in the
        ledger, no longer its worker. Only the enterprise's own account (403 for others)."""
        resident = services.employer_worker_release(actor=request.user, resident=self.get_object())
        return Response(ResidentSerializer(resident, context=self.get_serializer_context()).data)

    @extend_schema(request=ResidentUpdateSerializer, responses={200: ResidentSerializer})
    def update(self, request, pk=None, partial=False):
        resident = self.get_object()
        serializer = self.get_serializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        resident = services.resident_update(
            actor=request.user, resident=resident, **serializer.validated_data
        )
        return Response(ResidentSerializer(resident, context=self.get_serializer_context()).data)

    @extend_schema(request=ResidentUpdateSerializer, responses={200: ResidentSerializer})
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    def list(self, request, *args, **kwargs):
        if "q" in request.query_params:
            raise ValidationError(
                {"q": [_('Search with POST /api/v1/residents/search/ and {"q": ...}.')]}
            )
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ResidentSearchSerializer, responses={200: ResidentSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def search(self, request):
        """The list, searched: by name (contains), full phone number or full ID number (exact:
        those columns are encrypted and searched through their blind indexes). Paginated like
        the list: POST the same body to the `next` address."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        residents = selectors.resident_search(
            self.filter_queryset(self.get_queryset()), serializer.validated_data["q"]
        )
        page = self.paginate_queryset(residents)
        return self.get_paginated_response(
            ResidentSerializer(page, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(
        request=ResidentRevealSerializer,
        responses={
            200: ResidentRevealedSerializer,
            403: OpenApiResponse(description="The caller's role sees these numbers masked."),
        },
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        """The resident's full ID number and phone, for a stated reason: the view is recorded
        in the audit trail (who, whom, when, why). Grid workers and office staff in scope
        only; other systems (tokens) and leaders see the numbers masked (403 here)."""
        resident = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        resident = services.resident_reveal(
            actor=request.user,
            resident=resident,
            reason=serializer.validated_data["reason"],
            via="api",
        )
        return Response(ResidentRevealedSerializer(resident).data)


class ResidentEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = ResidentEvent
        fields = [
            "id",
            "resident",
            "kind",
            "happened_on",
            "from_grid",
            "to_grid",
            "old_status",
            "new_status",
            "note",
            "recorded_at",
            "recorded_by",
        ]
        read_only_fields = fields


class ResidentEventCreateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """`new_status` for a status change; `to_grid` for a move to another grid or moving in
    again."""

    resident = serializers.PrimaryKeyRelatedField(queryset=Resident.objects.none())
    kind = serializers.ChoiceField(choices=EventKind.choices)
    happened_on = serializers.DateField()
    new_status = serializers.ChoiceField(choices=ResidentStatus.choices, required=False)
    to_grid = serializers.PrimaryKeyRelatedField(queryset=Area.objects.none(), required=False)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["resident"].queryset = _visible_residents(request)
            self.fields["to_grid"].queryset = _visible_grids(request)


class ResidentEventFilter(PortalFilterSet):
    resident = django_filters.ModelChoiceFilter(queryset=_visible_residents)
    kind = django_filters.ChoiceFilter(choices=EventKind.choices)
    happened_after = django_filters.DateFilter(field_name="happened_on", lookup_expr="gte")
    happened_before = django_filters.DateFilter(field_name="happened_on", lookup_expr="lte")

    class Meta:
        model = ResidentEvent
        fields = ["resident", "kind", "happened_after", "happened_before"]


class ResidentEventViewSet(
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The dated history of residents (实有人口动态管理): moving in and out, between grids,
    status changes and death. Recording one applies it to the resident."""

    base_queryset = ResidentEvent.objects.all()
    filterset_class = ResidentEventFilter
    pagination_class = IdCursorPagination

    def get_serializer_class(self):
        return ResidentEventCreateSerializer if self.action == "create" else ResidentEventSerializer

    @extend_schema(request=ResidentEventCreateSerializer, responses={201: ResidentEventSerializer})
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = services.resident_event_add(actor=request.user, **serializer.validated_data)
        return Response(ResidentEventSerializer(event).data, status=status.HTTP_201_CREATED)


# --- Organisations ---------------------------------------------------------------------------


class OrganisationSerializer(serializers.ModelSerializer):
    """An organisation as the API shows it: the contacts' phones masked, and what the seeds'
    rules still ask of it (P11, P12)."""

    grid_name = serializers.CharField(source="grid.name", read_only=True)
    liaison_phone = serializers.CharField(source="liaison_phone_masked", read_only=True)
    safety_officer_phone = serializers.CharField(
        source="safety_officer_phone_masked", read_only=True
    )
    lacks_two_new_contacts = serializers.BooleanField(read_only=True)
    size_rule_shortfall = serializers.CharField(read_only=True)
    # P13: its internal security bodies (prefetched by the viewset).
    security_bodies = SecurityBodySerializer(many=True, read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "id",
            "grid",
            "grid_name",
            "name",
            "kind",
            "credit_code",
            "address",
            "employee_count",
            "legal_representative",
            "liaison_name",
            "liaison_phone",
            "safety_officer_name",
            "safety_officer_phone",
            "has_security_body",
            "security_body_notes",
            "lacks_two_new_contacts",
            "size_rule_shortfall",
            "security_bodies",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class OrganisationUpdateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=OrganisationKind.choices)
    credit_code = serializers.CharField(max_length=18, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    employee_count = serializers.IntegerField(min_value=0, max_value=2_000_000, required=False)
    legal_representative = serializers.CharField(max_length=50, required=False, allow_blank=True)
    liaison_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    liaison_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    safety_officer_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    safety_officer_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    security_body_notes = serializers.CharField(max_length=200, required=False, allow_blank=True)


class OrganisationCreateSerializer(OrganisationUpdateSerializer):
    grid = serializers.PrimaryKeyRelatedField(queryset=Area.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")  # absent while the schema is generated
        if request is not None:
            self.fields["grid"].queryset = _visible_grids(request)


class OrganisationFilter(PortalFilterSet):
    grid = django_filters.ModelChoiceFilter(queryset=_visible_grids)
    kind = django_filters.ChoiceFilter(choices=OrganisationKind.choices)
    problem = django_filters.ChoiceFilter(
        choices=selectors.PROBLEM_CHOICES,
        method="filter_problem",
    )
    q = django_filters.CharFilter(method="filter_q", label=_("Name or credit code"))

    class Meta:
        model = Organisation
        fields = ["grid", "kind", "problem", "q"]

    def filter_problem(self, queryset, name, value):
        return selectors.organisation_problems(queryset, value)

    def filter_q(self, queryset, name, value):
        return selectors.organisation_search(queryset, value)


class OrganisationViewSet(
    HistoryActionMixin,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Organisations (单位和组织) of the grids within the caller's scope."""

    base_queryset = Organisation.objects.select_related("grid").prefetch_related("security_bodies")
    filterset_class = OrganisationFilter
    pagination_class = CreatedCursorPagination

    def get_serializer_class(self):
        if self.action == "create":
            return OrganisationCreateSerializer
        if self.action in {"update", "partial_update"}:
            return OrganisationUpdateSerializer
        return OrganisationSerializer

    @extend_schema(request=OrganisationCreateSerializer, responses={201: OrganisationSerializer})
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organisation = services.organisation_register(
            actor=request.user, **serializer.validated_data
        )
        return Response(OrganisationSerializer(organisation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=OrganisationUpdateSerializer, responses={200: OrganisationSerializer})
    def update(self, request, pk=None, partial=False):
        organisation = self.get_object()
        serializer = self.get_serializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        organisation = services.organisation_update(
            actor=request.user, organisation=organisation, **serializer.validated_data
        )
        return Response(OrganisationSerializer(organisation).data)

    @extend_schema(request=OrganisationUpdateSerializer, responses={200: OrganisationSerializer})
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)


class VitalPartSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = VitalPart
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "name",
            "description",
            "person_responsible",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class VitalPartUpdateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True)
    person_responsible = serializers.CharField(max_length=50, required=False, allow_blank=True)


class VitalPartCreateSerializer(VitalPartUpdateSerializer):
    organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["organisation"].queryset = _visible_organisations(request)


class VitalPartFilter(PortalFilterSet):
    organisation = django_filters.ModelChoiceFilter(queryset=_visible_organisations)

    class Meta:
        model = VitalPart
        fields = ["organisation"]


class VitalPartViewSet(
    HistoryActionMixin,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Vital parts and facilities (要害部位) of the key units within the caller's scope."""

    base_queryset = VitalPart.objects.select_related("organisation")
    filterset_class = VitalPartFilter
    pagination_class = CreatedCursorPagination

    def get_serializer_class(self):
        if self.action == "create":
            return VitalPartCreateSerializer
        if self.action in {"update", "partial_update"}:
            return VitalPartUpdateSerializer
        return VitalPartSerializer

    @extend_schema(request=VitalPartCreateSerializer, responses={201: VitalPartSerializer})
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        part = services.vital_part_add(actor=request.user, **serializer.validated_data)
        return Response(VitalPartSerializer(part).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=VitalPartUpdateSerializer, responses={200: VitalPartSerializer})
    def update(self, request, pk=None, partial=False):
        part = self.get_object()
        serializer = self.get_serializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        part = services.vital_part_update(
            actor=request.user, vital_part=part, **serializer.validated_data
        )
        return Response(VitalPartSerializer(part).data)

    @extend_schema(request=VitalPartUpdateSerializer, responses={200: VitalPartSerializer})
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)


# --- Special groups ---------------------------------------------------------------------------


class SpecialGroupKindSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = SpecialGroupKind
        fields = [
            "id",
            "code",
            "name",
            "parent",
            "details",
            "health_related",
            "follow_up_days",
            "recidivism_target_percent",
        ]
        read_only_fields = fields


class SpecialGroupKindViewSet(viewsets.ReadOnlyModelViewSet):
    """The special-group kinds (a code list kept by administrators in the admin)."""

    queryset = SpecialGroupKind.objects.select_related("parent")
    serializer_class = SpecialGroupKindSerializer
    pagination_class = CodeCursorPagination


class SpecialGroupEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = SpecialGroupEvent
        fields = ["id", "kind", "occurred_on", "notes"]
        read_only_fields = fields


DETAIL_FIELDS = [
    "supervision_level",
    "supervision_start",
    "supervision_end",
    "release_date",
    "resettled",
    "assistance_team",
    "first_month_aid_on",
    "risk_level",
    "guardian_capable",
]


class SpecialGroupRecordSerializer(serializers.ModelSerializer):
    """A membership as the API shows it to those who may see its member."""

    kind = serializers.SlugRelatedField(slug_field="code", read_only=True)
    resident_name = serializers.CharField(source="resident.name", read_only=True)
    grid = serializers.IntegerField(source="resident.grid_id", read_only=True)
    events = SpecialGroupEventSerializer(many=True, read_only=True)

    class Meta:
        model = SpecialGroupRecord
        fields = [
            "id",
            "resident",
            "resident_name",
            "grid",
            "kind",
            "since",
            "until",
            "follow_up_days",
            "responsible",
            *DETAIL_FIELDS,
            "notes",
            "last_followed_up_at",
            "next_follow_up_due",
            "events",
            "created_at",
        ]
        read_only_fields = fields


class SpecialGroupRecordCreateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    resident = serializers.PrimaryKeyRelatedField(queryset=Resident.objects.none())
    kind = serializers.SlugRelatedField(slug_field="code", queryset=SpecialGroupKind.objects.all())
    since = serializers.DateField()
    follow_up_days = serializers.IntegerField(min_value=1, max_value=3650, required=False)
    supervision_level = serializers.ChoiceField(choices=SupervisionLevel.choices, required=False)
    supervision_start = serializers.DateField(required=False)
    supervision_end = serializers.DateField(required=False)
    release_date = serializers.DateField(required=False)
    resettled = serializers.BooleanField(required=False, allow_null=True, default=None)
    assistance_team = serializers.CharField(max_length=100, required=False)
    first_month_aid_on = serializers.DateField(required=False)
    risk_level = serializers.IntegerField(min_value=0, max_value=5, required=False)
    guardian_capable = serializers.BooleanField(required=False, allow_null=True, default=None)
    notes = serializers.CharField(required=False, allow_blank=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")  # absent while the schema is generated
        if request is not None:
            # A resident outside the caller's scope "does not exist" for them.
            self.fields["resident"].queryset = selectors.resident_list(
                user=request.user, token=request_token(request)
            )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        # Unset booleans are "not given", not False.
        return {key: value for key, value in attrs.items() if value is not None}


class SpecialGroupRecordFilter(PortalFilterSet):
    kind = django_filters.CharFilter(method="filter_kind", label=_("Kind code (and its sub-kinds)"))
    open = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")], method="filter_open", label=_("Open")
    )
    due_by = django_filters.DateFilter(
        field_name="next_follow_up_due", lookup_expr="lte", label=_("Follow-up due by")
    )

    class Meta:
        model = SpecialGroupRecord
        fields = ["kind", "open", "due_by"]

    def filter_open(self, queryset, name, value):
        return queryset.filter(until__isnull=value == "true")

    def filter_kind(self, queryset, name, value):
        return queryset.filter(Q(kind__code=value) | Q(kind__parent__code=value))


class SpecialGroupCountSerializer(serializers.Serializer):
    kind = serializers.CharField()
    name = serializers.CharField()
    open_records = serializers.IntegerField()


class SpecialGroupRecordViewSet(
    HistoryActionMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Special-group records (特殊人群) of the residents in the caller's scope whose members
    the caller may see (special_group_access); `summary` gives everyone in scope the counts."""

    filterset_class = SpecialGroupRecordFilter
    pagination_class = CreatedCursorPagination
    action_permissions = {"summary": "view"}

    def get_queryset(self):
        return selectors.special_group_record_list(
            user=self.request.user, token=request_token(self.request)
        ).prefetch_related("events")

    def get_serializer_class(self):
        if self.action == "create":
            return SpecialGroupRecordCreateSerializer
        if self.action == "summary":
            return SpecialGroupCountSerializer
        return SpecialGroupRecordSerializer

    @extend_schema(
        request=SpecialGroupRecordCreateSerializer, responses={201: SpecialGroupRecordSerializer}
    )
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = services.special_group_record_create(
            actor=request.user, **serializer.validated_data
        )
        return Response(SpecialGroupRecordSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: SpecialGroupCountSerializer(many=True)})
    @action(detail=False, pagination_class=None, filterset_class=None)
    def summary(self, request):
        """Open records per kind in the caller's scope (counts only, no names)."""
        counts = selectors.special_group_counts(user=request.user, token=request_token(request))
        data = [
            {"kind": kind.code, "name": kind.name, "open_records": count} for kind, count in counts
        ]
        return Response(SpecialGroupCountSerializer(data, many=True).data)


# --- Houses, households and rental houses ------------------------------------------------------


class ScopedChoicesMixin:
    """Fields naming rows get the caller's visible rows as choices: a hidden one "does not
    exist" for them. `scoped_fields` maps a field name to a function of the request."""

    scoped_fields: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")  # absent while the schema is generated
        if request is not None:
            for name, choices in self.scoped_fields.items():
                if name in self.fields:
                    self.fields[name].queryset = choices(request)


class HouseSerializer(serializers.ModelSerializer):
    """A house as the API shows it: the landlord's phone masked."""

    grid_name = serializers.CharField(source="grid.name", read_only=True)
    label = serializers.CharField(read_only=True)
    landlord_phone = serializers.CharField(source="landlord_phone_masked", read_only=True)
    household_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = House
        fields = [
            "id",
            "grid",
            "grid_name",
            "building",
            "unit",
            "room",
            "label",
            "address_line",
            "is_rented",
            "landlord_name",
            "landlord_phone",
            "landlord_resident",
            "filed_on",
            "responsibility_letter_signed_on",
            "compound",
            "household_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class HouseUpdateSerializer(ScopedChoicesMixin, RejectUnknownFieldsMixin, serializers.Serializer):
    scoped_fields = {
        "grid": _visible_grids,
        "landlord_resident": _visible_residents,
        "compound": _visible_compounds,
    }

    building = serializers.CharField(max_length=30)
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True)
    room = serializers.CharField(max_length=20, required=False, allow_blank=True)
    address_line = serializers.CharField(max_length=200, required=False, allow_blank=True)
    is_rented = serializers.BooleanField(required=False)
    landlord_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    landlord_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    landlord_resident = serializers.PrimaryKeyRelatedField(
        queryset=Resident.objects.none(), required=False, allow_null=True
    )
    filed_on = serializers.DateField(required=False, allow_null=True)
    responsibility_letter_signed_on = serializers.DateField(required=False, allow_null=True)
    # P27: a compound the caller sees, of the house's community (the service checks).
    compound = serializers.PrimaryKeyRelatedField(
        queryset=Compound.objects.none(), required=False, allow_null=True
    )


class HouseCreateSerializer(HouseUpdateSerializer):
    grid = serializers.PrimaryKeyRelatedField(queryset=Area.objects.none())


class HouseFilter(PortalFilterSet):
    grid = django_filters.ModelChoiceFilter(queryset=_visible_grids)
    rented = BooleanFilter(field_name="is_rented", label=_("Rented out"))
    filed = BooleanFilter(
        field_name="filed_on", lookup_expr="isnull", exclude=True, label=_("Filed (登记备案)")
    )

    class Meta:
        model = House
        fields = ["grid", "rented", "filed"]


class _Refetched:
    """Answer a write with the row as a read shows it (annotations included)."""

    def _shown(self, row):
        return self.read_serializer(self.get_queryset().get(pk=row.pk)).data


class HouseViewSet(
    HistoryActionMixin,
    _Refetched,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Houses (房屋) and rental houses (出租房屋) of the grids within the caller's scope;
    `?rented=true&filed=false` lists the rentals not filed."""

    base_queryset = House.objects.select_related("grid").annotate(
        household_count=Count("households")
    )
    filterset_class = HouseFilter
    pagination_class = CreatedCursorPagination
    read_serializer = HouseSerializer

    def get_serializer_class(self):
        if self.action == "create":
            return HouseCreateSerializer
        if self.action in {"update", "partial_update"}:
            return HouseUpdateSerializer
        return HouseSerializer

    @extend_schema(request=HouseCreateSerializer, responses={201: HouseSerializer})
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        house = services.house_register(actor=request.user, **serializer.validated_data)
        return Response(self._shown(house), status=status.HTTP_201_CREATED)

    @extend_schema(request=HouseUpdateSerializer, responses={200: HouseSerializer})
    def update(self, request, pk=None, partial=False):
        house = self.get_object()
        serializer = self.get_serializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        house = services.house_update(actor=request.user, house=house, **serializer.validated_data)
        return Response(self._shown(house))

    @extend_schema(request=HouseUpdateSerializer, responses={200: HouseSerializer})
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)


class MemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = Resident
        fields = ["id", "name", "relationship", "status"]
        read_only_fields = fields


class HouseholdSerializer(serializers.ModelSerializer):
    house_label = serializers.CharField(source="house.label", read_only=True)
    grid = serializers.IntegerField(source="house.grid_id", read_only=True)
    head_name = serializers.CharField(source="head.name", read_only=True, default=None)
    members = MemberSerializer(many=True, read_only=True)

    class Meta:
        model = Household
        fields = [
            "id",
            "house",
            "house_label",
            "grid",
            "number",
            "kind",
            "head",
            "head_name",
            "note",
            "members",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class HouseholdUpdateSerializer(
    ScopedChoicesMixin, RejectUnknownFieldsMixin, serializers.Serializer
):
    scoped_fields = {"house": _visible_houses, "head": _visible_residents}

    kind = serializers.ChoiceField(choices=HouseholdKind.choices)
    number = serializers.CharField(max_length=30, required=False, allow_blank=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)
    head = serializers.PrimaryKeyRelatedField(queryset=Resident.objects.none(), required=False)


class HouseholdCreateSerializer(HouseholdUpdateSerializer):
    house = serializers.PrimaryKeyRelatedField(queryset=House.objects.none())
    kind = serializers.ChoiceField(choices=HouseholdKind.choices, required=False)


class MemberAddSerializer(ScopedChoicesMixin, RejectUnknownFieldsMixin, serializers.Serializer):
    scoped_fields = {"resident": _visible_residents}

    resident = serializers.PrimaryKeyRelatedField(queryset=Resident.objects.none())
    relationship = serializers.ChoiceField(choices=Relationship.choices)
    on = serializers.DateField(required=False)
    move = serializers.BooleanField(
        required=False, help_text=_("Move the person out of their current household.")
    )


class MemberRemoveSerializer(ScopedChoicesMixin, RejectUnknownFieldsMixin, serializers.Serializer):
    scoped_fields = {"resident": _visible_residents}

    resident = serializers.PrimaryKeyRelatedField(queryset=Resident.objects.none())
    on = serializers.DateField(required=False)


class HouseholdFilter(PortalFilterSet):
    grid = django_filters.ModelChoiceFilter(field_name="house__grid", queryset=_visible_grids)
    house = django_filters.ModelChoiceFilter(queryset=_visible_houses)
    rented = BooleanFilter(field_name="house__is_rented", label=_("Rented out"))
    filed = BooleanFilter(
        field_name="house__filed_on",
        lookup_expr="isnull",
        exclude=True,
        label=_("Filed (登记备案)"),
    )

    class Meta:
        model = Household
        fields = ["grid", "house", "rented", "filed"]


class HouseholdViewSet(
    HistoryActionMixin,
    _Refetched,
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Households (户) of the houses within the caller's scope, with their members."""

    base_queryset = Household.objects.select_related("house", "head").prefetch_related(
        Prefetch("members", queryset=Resident.objects.order_by("pk"))
    )
    filterset_class = HouseholdFilter
    pagination_class = CreatedCursorPagination
    read_serializer = HouseholdSerializer

    def get_serializer_class(self):
        return {
            "create": HouseholdCreateSerializer,
            "update": HouseholdUpdateSerializer,
            "partial_update": HouseholdUpdateSerializer,
            "add_member": MemberAddSerializer,
            "remove_member": MemberRemoveSerializer,
        }.get(self.action, HouseholdSerializer)

    @extend_schema(request=HouseholdCreateSerializer, responses={201: HouseholdSerializer})
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        household = services.household_register(actor=request.user, **serializer.validated_data)
        return Response(self._shown(household), status=status.HTTP_201_CREATED)

    @extend_schema(request=HouseholdUpdateSerializer, responses={200: HouseholdSerializer})
    def update(self, request, pk=None, partial=False):
        household = self.get_object()
        serializer = self.get_serializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        household = services.household_update(
            actor=request.user, household=household, **serializer.validated_data
        )
        return Response(self._shown(household))

    @extend_schema(request=HouseholdUpdateSerializer, responses={200: HouseholdSerializer})
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    @extend_schema(request=MemberAddSerializer, responses={200: HouseholdSerializer})
    @action(detail=True, methods=["post"], url_path="add-member")
    def add_member(self, request, pk=None):
        """A resident of the house's grid joins the household (a dated event)."""
        household = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.household_member_add(
            actor=request.user, household=household, **serializer.validated_data
        )
        return Response(self._shown(household))

    @extend_schema(request=MemberRemoveSerializer, responses={200: HouseholdSerializer})
    @action(detail=True, methods=["post"], url_path="remove-member")
    def remove_member(self, request, pk=None):
        """A member leaves the household (a dated event)."""
        household = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.household_member_remove(
            actor=request.user, household=household, **serializer.validated_data
        )
        return Response(self._shown(household))


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
            "household",
            "organisation",
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


class VisitCreateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    grid = serializers.PrimaryKeyRelatedField(
        queryset=Area.objects.none(),
        required=False,
        help_text="Default: the visited row's grid, else the caller's own grid.",
    )
    resident = serializers.PrimaryKeyRelatedField(queryset=Resident.objects.none(), required=False)
    household = serializers.PrimaryKeyRelatedField(
        queryset=Household.objects.none(), required=False
    )
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.none(), required=False
    )
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
            self.fields["household"].queryset = _visible_households(request)
            self.fields["organisation"].queryset = (
                _visible_organisations(request).select_related("grid").defer("grid__boundary")
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
    household = django_filters.ModelChoiceFilter(queryset=_visible_households)
    organisation = django_filters.ModelChoiceFilter(queryset=_visible_organisations)
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
        fields = ["grid", "worker", "resident", "household", "organisation", "purpose"]

    def filter_from(self, queryset, name, value):
        return selectors.visits_from_day(queryset, value)

    def filter_to(self, queryset, name, value):
        return selectors.visits_to_day(queryset, value)

    def filter_outside_grid(self, queryset, name, value):
        return queryset.filter(**{name: value == "true"})


class VisitCursorPagination(IdCursorPagination):
    ordering = ("-visited_at", "-pk")


class VisitViewSet(
    HistoryActionMixin,
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


# --- Imports -------------------------------------------------------------------------------


class ResidentImportSerializer(serializers.ModelSerializer):
    """An import and its report: every problem with its row number (as in the spreadsheet,
    the header being row 1), its column and the message."""

    valid_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = ResidentImport
        fields = [
            "id",
            "area",
            "file_name",
            "file_format",
            "status",
            "row_count",
            "valid_count",
            "loaded_count",
            "valid_only",
            "problems",
            "uploaded_by",
            "created_at",
            "loaded_at",
        ]
        read_only_fields = fields


DRY_RUN_HELP = (
    "Only check and keep the report (the default); false: check and load at once if every "
    "row is valid (400 with the problems under `rows`, nothing kept, if not)."
)


class TextCell(serializers.CharField):
    """A cell as text: a number is refused rather than turned into one (an ID number sent as
    a JSON number has lost digits already)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ResidentImportRowSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """One row: the template's columns, each a text that may be empty (the check, not this
    serializer, says which are required, so that every problem is reported at once)."""

    grid_code = TextCell(required=False, allow_blank=True, default="", max_length=200)
    name = TextCell(required=False, allow_blank=True, default="", max_length=200)
    id_number = TextCell(required=False, allow_blank=True, default="", max_length=200)
    phone = TextCell(required=False, allow_blank=True, default="", max_length=200)
    status = TextCell(required=False, allow_blank=True, default="", max_length=200)
    address = TextCell(required=False, allow_blank=True, default="", max_length=200)
    employer = TextCell(required=False, allow_blank=True, default="", max_length=200)


class ResidentImportRowsSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """JSON: the rows themselves."""

    rows = ResidentImportRowSerializer(many=True, allow_empty=False)
    dry_run = serializers.BooleanField(default=True, help_text=DRY_RUN_HELP)


class ResidentImportFileSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """multipart/form-data: a spreadsheet with the template's columns."""

    file = serializers.FileField(help_text=_("A CSV or XLSX file with the template's columns."))
    dry_run = serializers.BooleanField(default=True, help_text=DRY_RUN_HELP)


class ResidentImportLoadSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    valid_only = serializers.BooleanField(default=False)


def _problems_answer(resident_import: ResidentImport) -> Response:
    """400 with every problem as the report has it (row numbers stay numbers)."""
    return Response({"rows": resident_import.problems}, status=status.HTTP_400_BAD_REQUEST)


class ResidentImportViewSet(
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Resident imports (CSV, XLSX or JSON rows): a dry run keeps the file with its per-row
    report; `load` loads it (all rows, or with `valid_only` the valid ones), once."""

    base_queryset = ResidentImport.objects.defer("content")
    serializer_class = ResidentImportSerializer
    # JSON everywhere; a file upload is multipart (only here).
    parser_classes = [JSONParser, MultiPartParser]
    pagination_class = CreatedCursorPagination
    action_permissions = {"rejected": "change"}  # the rows hold ID numbers in full

    def get_serializer_class(self):
        if self.action == "create":
            is_file = self.request.content_type.startswith("multipart/")
            return ResidentImportFileSerializer if is_file else ResidentImportRowsSerializer
        if self.action == "load":
            return ResidentImportLoadSerializer
        return ResidentImportSerializer

    @extend_schema(
        request={
            "application/json": ResidentImportRowsSerializer,
            "multipart/form-data": ResidentImportFileSerializer,
        },
        responses={201: ResidentImportSerializer},
    )
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "file" in data:
            name, content = data["file"].name, data["file"].read()
        else:
            name, content = "rows.csv", imports.rows_as_csv(data["rows"])
        token = request_token(request)
        with transaction.atomic():  # a failed load keeps nothing, the import row included
            resident_import = imports.resident_import_check(
                actor=request.user, file_name=name, content=content, token=token
            )
            if not data["dry_run"]:
                if resident_import.problems:
                    transaction.set_rollback(True)
                    return _problems_answer(resident_import)
                resident_import = imports.resident_import_load(
                    actor=request.user, resident_import=resident_import, token=token
                )
        return Response(
            ResidentImportSerializer(resident_import).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=ResidentImportLoadSerializer, responses={200: ResidentImportSerializer})
    @action(detail=True, methods=["post"])
    def load(self, request, pk=None):
        resident_import = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        loaded = imports.resident_import_load(
            actor=request.user,
            resident_import=resident_import,
            token=request_token(request),
            **serializer.validated_data,
        )
        if loaded.status != ImportStatus.LOADED:
            return _problems_answer(loaded)
        return Response(ResidentImportSerializer(loaded).data)

    @extend_schema(responses={(200, "text/csv"): bytes})
    @action(detail=True, methods=["get"])
    def rejected(self, request, pk=None):
        """The rows not loaded, in the upload's format, with a problems column."""
        resident_import = self.get_object()
        content = imports.rejected_rows_file(resident_import)
        kind = imports.CONTENT_TYPES[resident_import.file_format]
        response = HttpResponse(content, content_type=kind)
        response["Content-Disposition"] = (
            f'attachment; filename="rejected-rows.{resident_import.file_format}"'
        )
        return response


# --- Ledger quality (台账质量) -------------------------------------------------------------------


class LedgerQualityQuerySerializer(serializers.Serializer):
    area = serializers.PrimaryKeyRelatedField(
        queryset=Area.objects.none(),
        required=False,
        help_text="An area in the caller's scope (default: the top of the scope).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")  # absent while the schema is generated
        if request is not None:
            # A hidden area "does not exist" for the caller.
            self.fields["area"].queryset = visible_to(
                request.user, Area.objects.defer("boundary"), token=request_token(request)
            )


class LedgerQualityFiguresSerializer(serializers.Serializer):
    area = serializers.IntegerField(source="area.pk", allow_null=True, default=None)
    area_name = serializers.CharField(source="area.name", allow_null=True, default=None)
    area_code = serializers.CharField(source="area.code", allow_null=True, default=None)
    grids = serializers.IntegerField()
    grids_without_expected = serializers.IntegerField(
        help_text="Grids with no expected household count: the rate is unknown while any lacks one."
    )
    expected_households = serializers.IntegerField(help_text="应登记户数, summed over the grids.")
    households = serializers.IntegerField(help_text="Households with a member living here.")
    collection_rate = serializers.DecimalField(
        max_digits=7, decimal_places=1, allow_null=True, help_text="采集率, percent."
    )
    residents = serializers.IntegerField(help_text="Residents living here.")
    without_household = serializers.IntegerField()
    missing_phone = serializers.IntegerField()
    missing_address = serializers.IntegerField()
    rentals_not_filed = serializers.IntegerField()
    organisations_lacking_contacts = serializers.IntegerField()
    follow_ups_overdue = serializers.IntegerField()
    visits_recent = serializers.IntegerField(
        help_text=f"Visits of the last {selectors.VISIT_WINDOW_DAYS} days."
    )
    grid_workers = serializers.IntegerField()
    visits_per_worker = serializers.DecimalField(max_digits=9, decimal_places=1, allow_null=True)


class LedgerQualitySerializer(serializers.Serializer):
    total = LedgerQualityFiguresSerializer(help_text="The area asked about (or the whole scope).")
    rows = LedgerQualityFiguresSerializer(
        many=True, help_text="One per child area, worst first; none for a grid."
    )


class LedgerQualityView(APIView):
    """Ledger quality (P1 底数清): the collection rate and the records missing, for an area and
    each of its child areas, worst first. Counts only, of the caller's scope."""

    @extend_schema(
        parameters=[LedgerQualityQuerySerializer], responses={200: LedgerQualitySerializer}
    )
    def get(self, request):
        query = LedgerQualityQuerySerializer(
            data=request.query_params, context={"request": request}
        )
        query.is_valid(raise_exception=True)
        report = selectors.ledger_quality(
            user=request.user,
            token=request_token(request),
            area=query.validated_data.get("area"),
        )
        return Response(LedgerQualitySerializer(report).data)


# --- Special-group ledger exports (P24, issue 7) -------------------------------------------------


class SpecialGroupExportRequestSerializer(serializers.ModelSerializer):
    """A request and its decision; the file itself is the `download` action's answer."""

    kinds = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    status = serializers.SerializerMethodField()

    class Meta:
        model = SpecialGroupExportRequest
        fields = [
            "id",
            "area",
            "kinds",
            "reason",
            "requested_by",
            "requested_at",
            "status",
            "decided_by",
            "decided_at",
            "decision_comment",
            "expires_at",
            "downloaded_at",
            "row_count",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=ExportStatus.choices))
    def get_status(self, obj: SpecialGroupExportRequest) -> str:
        """An approval past its time reads as expired."""
        return ExportStatus.EXPIRED if obj.is_expired else obj.status


class SpecialGroupExportCreateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    area = serializers.PrimaryKeyRelatedField(queryset=Area.objects.none())
    kinds = serializers.SlugRelatedField(
        slug_field="code", queryset=SpecialGroupKind.objects.all(), many=True, required=False
    )
    reason = serializers.CharField(max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")  # absent while the schema is generated
        if request is not None:
            # A hidden area "does not exist" for the caller.
            self.fields["area"].queryset = visible_to(
                request.user, Area.objects.defer("boundary"), token=request_token(request)
            )


class SpecialGroupExportDecisionSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class SpecialGroupExportRequestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Special-group ledger exports (重点人员管理台账, P24): office staff request an area's
    ledger with a reason; a leader whose scope covers the area (the office lead) approves or
    refuses; the requester downloads the XLSX once, before the approval expires."""

    serializer_class = SpecialGroupExportRequestSerializer
    pagination_class = IdCursorPagination
    action_permissions = {"approve": "approve", "refuse": "approve", "download": "download"}

    def get_queryset(self):
        return selectors.special_group_export_list(
            user=self.request.user, token=request_token(self.request)
        )

    def get_serializer_class(self):
        if self.action == "create":
            return SpecialGroupExportCreateSerializer
        if self.action in {"approve", "refuse"}:
            return SpecialGroupExportDecisionSerializer
        return SpecialGroupExportRequestSerializer

    @extend_schema(
        request=SpecialGroupExportCreateSerializer,
        responses={201: SpecialGroupExportRequestSerializer},
    )
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = services.special_group_export_request(
            actor=request.user, **serializer.validated_data
        )
        return Response(
            SpecialGroupExportRequestSerializer(created).data, status=status.HTTP_201_CREATED
        )

    def _decide(self, request, decide):
        export_request = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        done = decide(
            actor=request.user, request=export_request, comment=serializer.validated_data["comment"]
        )
        return Response(SpecialGroupExportRequestSerializer(done).data)

    @extend_schema(
        request=SpecialGroupExportDecisionSerializer,
        responses={200: SpecialGroupExportRequestSerializer},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, services.special_group_export_approve)

    @extend_schema(
        request=SpecialGroupExportDecisionSerializer,
        responses={200: SpecialGroupExportRequestSerializer},
    )
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        return self._decide(request, services.special_group_export_refuse)

    @extend_schema(
        request=None,
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): bytes
        },
    )
    @action(detail=True, methods=["post"])
    def download(self, request, pk=None):
        """The requester's one download: the XLSX of the area's open records, IDs masked."""
        export_request = self.get_object()
        done, spool = services.special_group_export_download(
            actor=request.user, request=export_request, via="api"
        )
        return FileResponse(
            spool,
            as_attachment=True,
            filename=f"special-groups-{done.area.code}.xlsx",
            content_type=imports.CONTENT_TYPES["xlsx"],
        )


# --- Employers' registrations of their floating workers (以业管人, P7) -------------------------


class EmployerRegistrationsQuerySerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    year = serializers.IntegerField(
        min_value=2000, max_value=2100, required=False, help_text="Default: this year."
    )
    area = serializers.PrimaryKeyRelatedField(
        queryset=Area.objects.none(), required=False, help_text="An area in the caller's scope."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")  # absent while the schema is generated
        if request is not None:
            self.fields["area"].queryset = visible_to(
                request.user, Area.objects.defer("boundary"), token=request_token(request)
            )


class EmployerRegistrationsRowSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(source="organisation_id")
    name = serializers.CharField()
    months = serializers.ListField(child=serializers.IntegerField(), help_text="January first.")
    total = serializers.IntegerField()


class EmployerRegistrationsSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    months = serializers.ListField(
        child=serializers.IntegerField(), help_text="The sum over the employers, January first."
    )
    total = serializers.IntegerField()
    employers = EmployerRegistrationsRowSerializer(many=True)


class EmployerRegistrationsView(APIView):
    """Floating workers registered by employers' own accounts (以业管人, P7 「全年登记录入流动人口
    35万人」), per employer and month of a year, and summed: an office's area, an enterprise's
    own. Counts only, of the caller's scope."""

    @extend_schema(
        parameters=[EmployerRegistrationsQuerySerializer],
        responses={200: EmployerRegistrationsSerializer},
    )
    def get(self, request):
        query = EmployerRegistrationsQuerySerializer(
            data=request.query_params, context={"request": request}
        )
        query.is_valid(raise_exception=True)
        figures = selectors.employer_registration_figures(
            user=request.user,
            token=request_token(request),
            year=query.validated_data.get("year") or timezone.localdate().year,
            area=query.validated_data.get("area"),
        )
        return Response(EmployerRegistrationsSerializer(figures).data)
