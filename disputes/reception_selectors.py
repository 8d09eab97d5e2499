"""Reads of leaders' receptions (D24), scoped by the one rule."""

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from disputes.models import BookingStatus, ReceptionBooking, ReceptionSlot
from governance.models import ApiToken, Role, User
from governance.scoping import visible_to


def reception_slot_list(
    *, user: Any, token: ApiToken | None = None, upcoming: bool | None = None
) -> QuerySet[ReceptionSlot]:
    """The receptions of the caller's areas, with `booked` (bookings not cancelled) and
    `waiting` (booked, not yet received); `upcoming` True: not ended; False: ended."""
    slots = visible_to(user, ReceptionSlot.objects.all(), token=token)
    now = timezone.now()
    if upcoming is True:
        slots = slots.filter(ends_at__gt=now)
    elif upcoming is False:
        slots = slots.filter(ends_at__lte=now)
    return (
        slots.select_related("leader", "area")
        .defer("area__boundary")
        .annotate(
            booked=Count("bookings", filter=~Q(bookings__status=BookingStatus.CANCELLED)),
            waiting=Count("bookings", filter=Q(bookings__status=BookingStatus.BOOKED)),
        )
        .order_by("starts_at", "pk")
    )


def reception_booking_list(
    *, user: Any, token: ApiToken | None = None
) -> QuerySet[ReceptionBooking]:
    return (
        visible_to(user, ReceptionBooking.objects.all(), token=token)
        .select_related("slot__leader", "category", "case")
        .order_by("slot__starts_at", "booked_at", "pk")
    )


def reception_leaders(*, user: Any) -> QuerySet[User]:
    """The leaders whose receptions the user may publish: their own, or their area's."""
    if user.role == Role.LEADER and not user.is_superuser:
        return User.objects.filter(pk=user.pk)
    return visible_to(user, User.objects.filter(role=Role.LEADER, is_active=True)).order_by(
        "last_name", "username"
    )
