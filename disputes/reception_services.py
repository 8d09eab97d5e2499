"""Leaders' public appointment receptions (D24: 领导公开预约接访): one function per step.

A slot is published for a leader of the area, booked up to its capacity, and each booking is
received (a case may be opened, which the leader who heard it takes: 领导包案), marked as a
no-show, or cancelled with its slot.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.case_services import case_register, case_take
from disputes.models import (
    BookingStatus,
    Case,
    CaseSource,
    DisputeCategory,
    ReceptionBooking,
    ReceptionSlot,
)
from governance.errors import Conflict
from governance.models import ApiToken, Role, User
from governance.permissions import require_perm
from governance.scoping import in_scope
from grid.models import Area

# A reception is held within a day; longer is a typing mistake.
LONGEST_RECEPTION = datetime.timedelta(hours=12)


def _text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def leader_publishes_own(actor: User, leader: User | int | None) -> None:
    """A leader publishes their own receptions only; their office publishes any of theirs."""
    leader_id = leader.pk if isinstance(leader, User) else leader
    if actor.role == Role.LEADER and not actor.is_superuser and leader_id != actor.pk:
        raise PermissionDenied(_("A leader publishes their own receptions."))


@transaction.atomic
def reception_slot_publish(
    *,
    actor: User,
    leader: User,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    venue: str,
    capacity: int = 5,
    topic: str = "",
) -> ReceptionSlot:
    """Publish a reception of a leader of the actor's area (a leader publishes their own)."""
    require_perm(actor, "disputes.add_receptionslot")
    leader_publishes_own(actor, leader)
    if leader.role != Role.LEADER or not leader.is_active or leader.home_area_id is None:
        raise ValidationError({"leader": _("Choose a leader.")})
    slot = ReceptionSlot(
        area=leader.home_area,
        leader=leader,
        starts_at=starts_at,
        ends_at=ends_at,
        venue=_text(venue, "venue", _("Say where the leader receives.")),
        topic=(topic or "").strip(),
        capacity=capacity,
        published_by=actor,
    )
    if not in_scope(actor, slot):
        raise ValidationError({"leader": _("Choose a leader of your own area.")})
    if starts_at <= timezone.now():
        raise ValidationError({"starts_at": _("A reception is published before it begins.")})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("It ends after it begins.")})
    if ends_at - starts_at > LONGEST_RECEPTION:
        raise ValidationError({"ends_at": _("A reception lasts at most 12 hours.")})
    slot.full_clean(exclude=["area", "leader", "published_by"])
    overlapping = ReceptionSlot.objects.filter(
        leader=leader, cancelled_at__isnull=True, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    if overlapping.exists():
        raise ValidationError({"starts_at": _("The leader receives at that time already.")})
    slot.save()
    return slot


def _locked_slot(slot: ReceptionSlot) -> ReceptionSlot:
    return (
        ReceptionSlot.objects.select_for_update(of=("self",)).select_related("area").get(pk=slot.pk)
    )


@transaction.atomic
def reception_slot_cancel(*, actor: User, slot: ReceptionSlot, reason: str) -> ReceptionSlot:
    """Cancel a reception that has not begun; its bookings are cancelled with it."""
    slot = _locked_slot(slot)
    require_perm(actor, "disputes.change_receptionslot", slot)
    if slot.cancelled_at is not None:
        raise Conflict(_("This reception is cancelled already."))
    if slot.starts_at <= timezone.now():
        raise Conflict(_("This reception has begun: receive or mark its bookings instead."))
    slot.cancelled_at = timezone.now()
    slot.cancel_reason = _text(reason, "reason", _("Say why it is cancelled."))
    slot.save(update_fields=["cancelled_at", "cancel_reason"])
    slot.bookings.filter(status=BookingStatus.BOOKED).update(status=BookingStatus.CANCELLED)
    return slot


@transaction.atomic
def reception_book(
    *,
    actor: User,
    slot: ReceptionSlot,
    name: str,
    phone: str,
    subject: str,
    category: DisputeCategory | None = None,
    people_count: int = 1,
    token: ApiToken | None = None,
) -> ReceptionBooking:
    """Book a place at a reception for a citizen, while it has room and has not begun."""
    slot = _locked_slot(slot)  # bookings of one slot are taken one at a time
    booking = ReceptionBooking(
        slot=slot,
        name=_text(name, "name", _("Give the name of whoever comes.")),
        phone=(phone or "").strip(),
        subject=_text(subject, "subject", _("Say what they want to raise.")),
        category=category,
        people_count=people_count,
        booked_by=actor,
    )
    require_perm(actor, "disputes.add_receptionbooking")
    if not in_scope(actor, booking, token=token):
        raise ValidationError({"slot": _("Choose a reception of your own area.")})
    if slot.cancelled_at is not None:
        raise ValidationError({"slot": _("This reception is cancelled.")})
    if slot.starts_at <= timezone.now():
        raise ValidationError({"slot": _("This reception has begun: bookings are closed.")})
    taken = slot.bookings.exclude(status=BookingStatus.CANCELLED).count()
    if taken >= slot.capacity:
        raise ValidationError({"slot": _("This reception is fully booked.")})
    if category is not None and not category.active:
        raise ValidationError({"category": _("This category is no longer in use.")})
    booking.full_clean(exclude=["slot", "category", "booked_by", "case", "phone_index"])
    try:
        with transaction.atomic():
            booking.save()
    except IntegrityError:
        raise ValidationError(
            {"phone": _("Someone with this phone number is booked at this reception already.")}
        ) from None
    return booking


def _locked_booking(booking: ReceptionBooking) -> ReceptionBooking:
    return (
        ReceptionBooking.objects.select_for_update(of=("self",))
        .select_related("slot__area", "slot__leader", "category")
        .get(pk=booking.pk)
    )


def _require_receiver(actor: User, booking: ReceptionBooking) -> None:
    if not actor.has_perm("disputes.receive_receptionbooking", booking):
        raise PermissionDenied(
            _("The leader or the office of the reception's area records how it went.")
        )
    if booking.status != BookingStatus.BOOKED:
        raise Conflict(
            _("This booking is %(status)s already.") % {"status": booking.get_status_display()}
        )
    if booking.slot.starts_at.date() > timezone.localdate():
        raise ValidationError({"slot": _("The reception has not taken place yet.")})


@transaction.atomic
def reception_receive(
    *,
    actor: User,
    booking: ReceptionBooking,
    notes: str,
    open_case: bool = False,
    grid: Area | None = None,
    category: DisputeCategory | None = None,
    title: str = "",
) -> ReceptionBooking:
    """Record how the reception went; a matter to be handled opens a case in the grid it
    concerns (source: the leader's reception), which the leader who heard it takes."""
    booking = _locked_booking(booking)
    _require_receiver(actor, booking)
    booking.notes = _text(notes, "notes", _("Write down what was raised and answered."))
    if open_case:
        category = category or booking.category
        if category is None:
            raise ValidationError({"category": _("Choose the dispute's category.")})
        if grid is None:
            raise ValidationError({"grid": _("Choose the grid the matter concerns.")})
        leader = booking.slot.leader
        case: Case = case_register(
            actor=actor,
            title=(title or "").strip() or booking.subject[:60],
            summary=f"{booking.subject}\n{booking.notes}",
            category=category,
            source=CaseSource.LEADER_RECEPTION,
            occurred_on=booking.slot.starts_at.date(),
            grid=grid,
            people_involved=max(booking.people_count, 1),
            petition=True,
            collective_petition=booking.people_count >= 5,
            parties=[{"role": "applicant", "name": booking.name}],
        )
        if leader.is_active and in_scope(leader, case.grid):
            case = case_take(actor=leader, case=case)
        booking.case = case
    booking.status = BookingStatus.RECEIVED
    booking.received_by, booking.received_at = actor, timezone.now()
    booking.save(update_fields=["notes", "status", "received_by", "received_at", "case"])
    return booking


@transaction.atomic
def reception_no_show(*, actor: User, booking: ReceptionBooking) -> ReceptionBooking:
    """Whoever booked did not come."""
    booking = _locked_booking(booking)
    _require_receiver(actor, booking)
    booking.status = BookingStatus.NO_SHOW
    booking.received_by, booking.received_at = actor, timezone.now()
    booking.save(update_fields=["status", "received_by", "received_at"])
    return booking
