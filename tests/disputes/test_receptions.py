"""Leaders' public appointment receptions (D24: 领导公开预约接访): leaders publish reception
slots, citizens book them, and a reception may open a case (source "leader's reception")."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from disputes.models import BookingStatus, DisputeCategory, ReceptionBooking
from disputes.reception_services import (
    reception_book,
    reception_no_show,
    reception_receive,
    reception_slot_cancel,
    reception_slot_publish,
)
from governance.errors import Conflict
from tests.conftest import login
from tests.disputes.factories import (
    ReceptionBookingFactory,
    ReceptionSlotFactory,
    office_staff_of,
)

pytestmark = pytest.mark.django_db


def at(days: int, hour: int) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def publish(actor, leader, **more):
    fields = {"starts_at": at(2, 9), "ends_at": at(2, 11), "venue": "街道信访接待室"}
    return reception_slot_publish(actor=actor, leader=leader, **(fields | more))


def book(actor, slot, **more):
    fields = {"name": "张建国", "phone": "13912345678", "subject": "小区违建长期未处理"}
    return reception_book(actor=actor, slot=slot, **(fields | more))


def test_the_office_publishes_its_leaders_reception_and_a_leader_their_own_D24(users):
    slot = publish(users["street_office"], users["street_leader"], capacity=3, topic="物业纠纷专场")
    assert (
        slot.area == users["street_leader"].home_area
        and slot.published_by == users["street_office"]
    )
    assert publish(
        users["street_leader"], users["street_leader"], starts_at=at(3, 9), ends_at=at(3, 10)
    )
    with pytest.raises(PermissionDenied, match="their own receptions"):
        publish(users["street_leader"], users["leader"], starts_at=at(4, 9), ends_at=at(4, 10))
    # The district leader is not of the street office's area.
    with pytest.raises(ValidationError) as refused:
        publish(users["street_office"], users["leader"], starts_at=at(4, 9), ends_at=at(4, 10))
    assert "your own area" in " ".join(refused.value.message_dict["leader"])
    with pytest.raises(PermissionDenied):
        publish(users["grid_worker_a"], users["street_leader"])


@pytest.mark.parametrize(
    ("more", "field"),
    [
        ({"starts_at": at(-1, 9), "ends_at": at(-1, 10)}, "starts_at"),
        ({"ends_at": at(2, 8)}, "ends_at"),
        ({"ends_at": at(3, 9)}, "ends_at"),
        ({"venue": " "}, "venue"),
        ({"capacity": 0}, "capacity"),
        ({"starts_at": at(2, 10), "ends_at": at(2, 12)}, "starts_at"),  # overlaps the first
    ],
)
def test_a_bad_slot_names_its_field_and_saves_nothing(users, more, field):
    publish(users["street_office"], users["street_leader"])
    with pytest.raises(ValidationError) as refused:
        publish(users["street_office"], users["street_leader"], **more)
    assert field in refused.value.message_dict


def test_bookings_are_taken_up_to_the_capacity_once_per_phone_D24(users, areas):
    slot = ReceptionSlotFactory(area=areas["street_a"], capacity=2)
    first = book(users["street_office"], slot, phone="13912345678")
    assert first.phone_masked == "139****5678"
    with pytest.raises(ValidationError) as refused:
        book(users["street_office"], slot, phone="13912345678", name="张建国之子")
    assert "booked at this reception already" in " ".join(refused.value.message_dict["phone"])
    book(users["street_leader"], slot, phone="13800000000", name="李秀英")
    with pytest.raises(ValidationError, match="fully booked"):
        book(users["street_office"], slot, phone="13700000000", name="王强")
    assert ReceptionBooking.objects.count() == 2
    with pytest.raises(ValidationError) as refused:
        book(users["street_office"], slot, phone="12345", name="王强")
    assert set(refused.value.message_dict) == {"slot"}  # full comes first


def test_no_booking_outside_the_area_or_once_the_reception_begins(users, areas):
    elsewhere = ReceptionSlotFactory(area=areas["street_b"])
    with pytest.raises(ValidationError) as refused:
        book(users["street_office"], elsewhere)
    assert "your own area" in " ".join(refused.value.message_dict["slot"])
    begun = ReceptionSlotFactory(area=areas["street_a"], starts_at=at(0, 0), ends_at=at(1, 0))
    with pytest.raises(ValidationError, match="bookings are closed"):
        book(users["street_office"], begun)
    with pytest.raises(PermissionDenied):
        book(users["grid_worker_a"], ReceptionSlotFactory(area=areas["street_a"]))


@pytest.mark.django_db(transaction=True)
def test_two_desks_booking_the_last_place_at_once_one_wins(users, areas):
    slot = ReceptionSlotFactory(area=areas["street_a"], capacity=1)
    outcomes = []
    barrier = threading.Barrier(2)

    def attempt(phone):
        try:
            barrier.wait()
            book(users["street_office"], slot, phone=phone, name=phone)
            outcomes.append("booked")
        except ValidationError:
            outcomes.append("full")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(p,)) for p in ("13900000001", "13900000002")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["booked", "full"]
    assert ReceptionBooking.objects.filter(slot=slot).count() == 1


def test_a_reception_opens_a_case_the_leader_takes_D24_D12(users, areas):
    """D24: a reception may open a case (source: the leader's reception); the leader who heard
    it takes it personally (领导包案, D12)."""
    office_staff_of(areas["community_a"])  # the office that owns what it registers
    booking = ReceptionBookingFactory(
        slot=ReceptionSlotFactory(area=areas["street_a"], leader=users["street_leader"]),
        people_count=6,
    )
    with pytest.raises(ValidationError) as refused:
        reception_receive(actor=users["street_leader"], booking=booking, notes="x", open_case=True)
    assert set(refused.value.message_dict) == {"category"}
    done = reception_receive(
        actor=users["street_leader"],
        booking=booking,
        notes="已当面听取诉求，责成社区三日内答复",
        open_case=True,
        grid=areas["grid_a"],
        category=DisputeCategory.objects.get(code="property_construction"),
    )
    case = done.case
    assert done.status == BookingStatus.RECEIVED and done.received_by == users["street_leader"]
    assert case.source == "leader_reception" and case.responsible_leader == users["street_leader"]
    assert case.petition and case.collective_petition
    assert case.actions.filter(action="take").exists()
    with pytest.raises(Conflict, match="Received already"):
        reception_no_show(actor=users["street_office"], booking=done)


def test_only_the_leader_or_the_office_records_a_reception(users, areas):
    booking = ReceptionBookingFactory(slot=ReceptionSlotFactory(area=areas["street_a"]))
    for actor in (users["grid_worker_a"], users["api_client"], users["other_street_office"]):
        with pytest.raises(PermissionDenied, match="leader or the office"):
            reception_no_show(actor=actor, booking=booking)
    assert reception_no_show(actor=users["street_office"], booking=booking).status == "no_show"
    tomorrow = ReceptionBookingFactory(slot=ReceptionSlotFactory(area=areas["street_a"]))
    tomorrow.slot.starts_at, tomorrow.slot.ends_at = at(1, 9), at(1, 10)
    tomorrow.slot.save()
    with pytest.raises(ValidationError, match="not taken place yet"):
        reception_receive(actor=users["street_office"], booking=tomorrow, notes="x")


def test_cancelling_a_reception_cancels_its_bookings_and_frees_the_phone(users, areas):
    slot = ReceptionSlotFactory(area=areas["street_a"])
    booking = book(users["street_office"], slot)
    with pytest.raises(ValidationError):
        reception_slot_cancel(actor=users["street_office"], slot=slot, reason=" ")
    reception_slot_cancel(actor=users["street_office"], slot=slot, reason="领导临时公务")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    with pytest.raises(Conflict):
        reception_slot_cancel(actor=users["street_office"], slot=slot, reason="again")
    with pytest.raises(ValidationError, match="cancelled"):
        book(users["street_office"], slot, phone="13800000000")


def test_the_pages_publish_book_and_receive(client, users, areas):
    login(client, users["street_office"])
    published = client.post(
        reverse("cases:receptions"),
        {
            "leader": users["street_leader"].pk,
            "starts_at": at(2, 9).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": at(2, 11).strftime("%Y-%m-%dT%H:%M"),
            "venue": "街道信访接待室",
            "capacity": 4,
        },
    )
    assert published.status_code == 302, published.content.decode()[:2000]
    slot = users["street_leader"].reception_slots.get()
    url = reverse("cases:reception", kwargs={"pk": slot.pk})
    booked = client.post(
        url,
        {
            "step": "book",
            "book-name": "王强",
            "book-phone": "13912340000",
            "book-subject": "噪音扰民",
            "book-people_count": 1,
        },
    )
    assert booked.status_code == 302
    page = client.get(url).content.decode()
    assert "王强" in page and "139****0000" in page and "13912340000" not in page
    bad = client.post(
        url,
        {
            "step": "book",
            "book-name": "赵敏",
            "book-phone": "abc",
            "book-subject": "x",
            "book-people_count": 1,
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert bad.status_code == 200 and "赵敏" in bad.content.decode()
    assert ReceptionBooking.objects.count() == 1
    listed = client.get(reverse("cases:receptions"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 of 4 booked" in listed


def test_the_api_lists_books_and_receives(client, users, areas, street_token):
    slot = ReceptionSlotFactory(area=areas["street_a"], leader=users["street_leader"])
    auth = {"HTTP_AUTHORIZATION": f"Token {street_token}"}
    listed = client.get(reverse("api:reception-slot-list") + "?upcoming=true", **auth).json()
    assert [row["id"] for row in listed["results"]] == [slot.pk]
    created = client.post(
        reverse("api:reception-booking-list"),
        {
            "slot": slot.pk,
            "name": "刘洋",
            "phone": "13912345670",
            "subject": "拆迁补偿",
            "category": "property_construction",
        },
        content_type="application/json",
        **auth,
    )
    assert created.status_code == 201, created.content
    assert created.json()["phone"] == "139****5670"
    refused = client.post(
        reverse("api:reception-booking-receive", kwargs={"pk": created.json()["id"]}),
        {"notes": "x"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **auth,
    )
    assert refused.status_code == 403 and "leader or the office" in refused.json()["detail"]
    assert (
        client.get(reverse("api:reception-slot-list"), **auth).json()["results"][0]["booked"] == 1
    )
