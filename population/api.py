import django_filters
from django.db.models import Count, Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from governance.api_base import (
    CreatedCursorPagination,
    RejectUnknownFieldsMixin,
    ScopedQuerysetMixin,
    request_token,
)
from governance.api_filters import BooleanFilter, PortalFilterSet
from governance.scoping import visible_to
from grid.models import Area, AreaLevel
from population import selectors, services
from population.models import (
    House,
    Household,
    HouseholdKind,
    Relationship,
    Resident,
    ResidentStatus,
)


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

    base_queryset = Resident.objects.select_related("grid")
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


# --- Houses, households and rental houses ------------------------------------------------------


def _visible_residents(request):
    return visible_to(
        getattr(request, "user", None), Resident.objects.all(), token=request_token(request)
    )


def _visible_houses(request):
    return visible_to(
        getattr(request, "user", None), House.objects.all(), token=request_token(request)
    )


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
            "household_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class HouseUpdateSerializer(ScopedChoicesMixin, RejectUnknownFieldsMixin, serializers.Serializer):
    scoped_fields = {"grid": _visible_grids, "landlord_resident": _visible_residents}

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
