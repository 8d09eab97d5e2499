"""Leaders' receptions through the API (D24): /api/v1/reception-slots/ and
/api/v1/reception-bookings/. A petition portal lists the coming receptions and books citizens
in; the office records how each went. Thin: the services hold the rules."""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from disputes import reception_selectors as selectors
from disputes import reception_services as services
from disputes.models import BookingStatus, DisputeCategory, ReceptionBooking, ReceptionSlot
from governance.api_base import (
    IdCursorPagination,
    RejectUnknownFieldsMixin,
    ScopedFieldsMixin,
    request_token,
    visible_choices,
)
from governance.api_filters import BooleanFilter, PortalFilterSet
from governance.models import User
from grid.models import Area


class ReceptionSlotSerializer(serializers.ModelSerializer):
    leader_name = serializers.CharField(source="leader.display_name", read_only=True)
    booked = serializers.IntegerField(read_only=True)
    waiting = serializers.IntegerField(read_only=True)

    class Meta:
        model = ReceptionSlot
        fields = [
            "id",
            "area",
            "leader",
            "leader_name",
            "starts_at",
            "ends_at",
            "venue",
            "topic",
            "capacity",
            "booked",
            "waiting",
            "cancelled_at",
            "cancel_reason",
        ]
        read_only_fields = fields


class ReceptionSlotCreateSerializer(
    ScopedFieldsMixin, RejectUnknownFieldsMixin, serializers.Serializer
):
    scoped_fields = {"leader": visible_choices(User)}

    leader = serializers.PrimaryKeyRelatedField(queryset=User.objects.none())
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    venue = serializers.CharField(max_length=200)
    topic = serializers.CharField(max_length=200, required=False, allow_blank=True)
    capacity = serializers.IntegerField(min_value=1, max_value=50, required=False)


class ReceptionCancelSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class ReceptionSlotFilter(PortalFilterSet):
    area = django_filters.ModelChoiceFilter(queryset=visible_choices(Area), method="within")
    upcoming = BooleanFilter(method="filter_upcoming", label=_("Not ended yet"))

    class Meta:
        model = ReceptionSlot
        fields = ["area", "upcoming"]

    def within(self, queryset, name, value):
        return queryset.filter(area__path__startswith=value.path)

    def filter_upcoming(self, queryset, name, value):
        now = timezone.now()
        return queryset.filter(ends_at__gt=now) if value else queryset.filter(ends_at__lte=now)


class ReceptionSlotViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Leaders' public receptions of the caller's areas (领导公开预约接访, D24), each with how
    many are booked and how many still wait to be received."""

    filterset_class = ReceptionSlotFilter
    pagination_class = IdCursorPagination
    action_permissions = {"cancel": "view"}

    def get_queryset(self):
        return selectors.reception_slot_list(
            user=self.request.user, token=request_token(self.request)
        )

    def get_serializer_class(self):
        if self.action == "create":
            return ReceptionSlotCreateSerializer
        if self.action == "cancel":
            return ReceptionCancelSerializer
        return ReceptionSlotSerializer

    def _answer(self, slot: ReceptionSlot, code: int = 200) -> Response:
        return Response(
            ReceptionSlotSerializer(self.get_queryset().get(pk=slot.pk)).data, status=code
        )

    @extend_schema(request=ReceptionSlotCreateSerializer, responses={201: ReceptionSlotSerializer})
    def create(self, request):
        # The rule before the payload's checks: a leader naming anyone else is refused
        # whether or not they may see that person.
        named = request.data.get("leader") if isinstance(request.data, dict) else None
        services.leader_publishes_own(request.user, named if isinstance(named, int) else None)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        slot = services.reception_slot_publish(actor=request.user, **serializer.validated_data)
        return self._answer(slot, status.HTTP_201_CREATED)

    @extend_schema(request=ReceptionCancelSerializer, responses={200: ReceptionSlotSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a reception that has not begun, and its bookings with it."""
        slot = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.reception_slot_cancel(actor=request.user, slot=slot, **serializer.validated_data)
        return self._answer(slot)


class ReceptionBookingSerializer(serializers.ModelSerializer):
    phone = serializers.CharField(source="phone_masked", read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = ReceptionBooking
        fields = [
            "id",
            "slot",
            "name",
            "phone",
            "subject",
            "category",
            "people_count",
            "status",
            "booked_at",
            "notes",
            "received_at",
            "case",
        ]
        read_only_fields = fields


class ReceptionBookingCreateSerializer(
    ScopedFieldsMixin, RejectUnknownFieldsMixin, serializers.Serializer
):
    scoped_fields = {"slot": visible_choices(ReceptionSlot)}

    slot = serializers.PrimaryKeyRelatedField(queryset=ReceptionSlot.objects.none())
    name = serializers.CharField(max_length=50)
    phone = serializers.CharField(max_length=20)
    subject = serializers.CharField(max_length=2000)
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=DisputeCategory.objects.all(), required=False, allow_null=True
    )
    people_count = serializers.IntegerField(min_value=1, max_value=500, required=False)


class ReceptionReceiveSerializer(
    ScopedFieldsMixin, RejectUnknownFieldsMixin, serializers.Serializer
):
    scoped_fields = {"grid": visible_choices(Area)}

    notes = serializers.CharField(max_length=4000)
    open_case = serializers.BooleanField(required=False, default=False)
    grid = serializers.PrimaryKeyRelatedField(
        queryset=Area.objects.none(), required=False, allow_null=True
    )
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=DisputeCategory.objects.all(), required=False, allow_null=True
    )
    title = serializers.CharField(max_length=120, required=False, allow_blank=True)


class ReceptionBookingFilter(PortalFilterSet):
    slot = django_filters.ModelChoiceFilter(queryset=visible_choices(ReceptionSlot))
    status = django_filters.ChoiceFilter(choices=BookingStatus.choices)

    class Meta:
        model = ReceptionBooking
        fields = ["slot", "status"]


class ReceptionBookingViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Bookings of the receptions of the caller's areas (phones masked). A booking is made
    while the reception has room and has not begun; the leader or the office records how it
    went (`receive`, possibly opening a case) or that nobody came (`no-show`)."""

    filterset_class = ReceptionBookingFilter
    pagination_class = IdCursorPagination
    # The services name the rule when they refuse.
    action_permissions = {"receive": "view", "no_show": "view"}

    def get_queryset(self):
        return selectors.reception_booking_list(
            user=self.request.user, token=request_token(self.request)
        )

    def get_serializer_class(self):
        if self.action == "create":
            return ReceptionBookingCreateSerializer
        if self.action == "receive":
            return ReceptionReceiveSerializer
        return ReceptionBookingSerializer

    def _answer(self, booking: ReceptionBooking, code: int = 200) -> Response:
        return Response(
            ReceptionBookingSerializer(self.get_queryset().get(pk=booking.pk)).data, status=code
        )

    @extend_schema(
        request=ReceptionBookingCreateSerializer, responses={201: ReceptionBookingSerializer}
    )
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        booking = services.reception_book(
            actor=request.user, token=request_token(request), **serializer.validated_data
        )
        return self._answer(booking, status.HTTP_201_CREATED)

    @extend_schema(request=ReceptionReceiveSerializer, responses={200: ReceptionBookingSerializer})
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        """Record how the reception went; `open_case` opens a case in `grid` (the leader who
        received them takes it)."""
        booking = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        done = services.reception_receive(
            actor=request.user, booking=booking, **serializer.validated_data
        )
        return self._answer(done)

    @extend_schema(request=None, responses={200: ReceptionBookingSerializer})
    @action(detail=True, methods=["post"], url_path="no-show")
    def no_show(self, request, pk=None):
        """Whoever booked did not come."""
        done = services.reception_no_show(actor=request.user, booking=self.get_object())
        return self._answer(done)
