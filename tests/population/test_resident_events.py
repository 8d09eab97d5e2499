"""Dynamic management of the actual population (seed-rules P2): move-in, move-out, death and
status changes are dated events with a history per person, not silent overwrites."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from population.identities import id_number_make
from population.models import EventKind, Presence, Resident, ResidentEvent, ResidentStatus
from population.services import (
    resident_event_add,
    resident_move_grid,
    resident_move_in,
    resident_move_out,
    resident_record_death,
    resident_register,
    resident_status_change,
    resident_update,
)
from tests.conftest import login
from tests.factories import ResidentFactory

BORN = datetime.date(1980, 5, 4)
NUMBER = id_number_make(born=BORN, serial=21)


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def message(error: pytest.ExceptionInfo, field: str) -> str:
    return " ".join(error.value.message_dict[field])


@pytest.fixture
def resident(areas):
    return ResidentFactory(
        grid=areas["grid_a"], id_number=NUMBER, name="周建国", moved_in_on=days_ago(365)
    )


def test_registration_is_the_first_event_dated_as_given(users, areas):
    """P2: the move-in is an event of the person's history."""
    resident = resident_register(
        actor=users["grid_worker_a"],
        grid=areas["grid_a"],
        name="周建国",
        id_number=NUMBER,
        moved_in_on=days_ago(400),
    )
    event = resident.events.get()
    assert (event.kind, event.happened_on, event.to_grid) == (
        EventKind.MOVE_IN,
        days_ago(400),
        areas["grid_a"],
    )
    assert event.recorded_by == users["grid_worker_a"]


def test_a_status_change_keeps_the_old_and_the_new_status(users, resident):
    """P2: a status change is a dated event, not an overwrite."""
    event = resident_status_change(
        actor=users["grid_worker_a"],
        resident=resident,
        status=ResidentStatus.FLOATING,
        happened_on=days_ago(3),
        note="户口迁往外省,仍在此居住",
    )
    resident.refresh_from_db()
    assert resident.status == ResidentStatus.FLOATING
    assert (event.old_status, event.new_status) == (ResidentStatus.REGISTERED, "floating")
    assert [e.kind for e in resident.events.all()] == [EventKind.STATUS_CHANGE, EventKind.MOVE_IN]


def test_the_same_status_again_is_refused_naming_the_field(users, resident):
    with pytest.raises(ValidationError) as error:
        resident_status_change(
            actor=users["grid_worker_a"],
            resident=resident,
            status=ResidentStatus.REGISTERED,
            happened_on=days_ago(1),
        )
    assert "already" in message(error, "new_status")
    assert resident.events.count() == 1


def test_status_is_no_longer_an_edit(users, resident):
    with pytest.raises(ValueError, match="status"):
        resident_update(actor=users["grid_worker_a"], resident=resident, status="floating")


def test_moving_to_another_grid_moves_the_person_and_records_both_grids(users, areas, resident):
    event = resident_move_grid(
        actor=users["street_office"],
        resident=resident,
        grid=areas["grid_b"],
        happened_on=days_ago(2),
    )
    resident.refresh_from_db()
    assert resident.grid == areas["grid_b"]
    assert (event.from_grid, event.to_grid) == (areas["grid_a"], areas["grid_b"])


@pytest.mark.parametrize(
    "target, expected",
    [("grid_other_street", "within your own area"), ("grid_a", "already"), ("street_a", "grid")],
)
def test_a_move_to_a_grid_outside_scope_itself_or_an_area_is_refused(
    users, areas, resident, target, expected
):
    with pytest.raises(ValidationError) as error:
        resident_move_grid(
            actor=users["street_office"],
            resident=resident,
            grid=areas[target],
            happened_on=days_ago(1),
        )
    assert expected in message(error, "to_grid")
    resident.refresh_from_db()
    assert resident.grid == areas["grid_a"] and resident.events.count() == 1


def test_a_moved_out_person_stays_with_their_history_and_can_move_in_again(users, areas, resident):
    resident_move_out(
        actor=users["grid_worker_a"], resident=resident, happened_on=days_ago(30), note="迁往杭州"
    )
    resident.refresh_from_db()
    assert resident.presence == Presence.MOVED_OUT
    with pytest.raises(ValidationError) as error:
        resident_status_change(
            actor=users["grid_worker_a"],
            resident=resident,
            status=ResidentStatus.FLOATING,
            happened_on=days_ago(1),
        )
    assert "Moved out" in message(error, "kind")
    resident_move_in(
        actor=users["street_office"],
        resident=resident,
        grid=areas["grid_b"],
        happened_on=days_ago(1),
    )
    resident.refresh_from_db()
    assert (resident.presence, resident.grid) == (Presence.PRESENT, areas["grid_b"])
    assert [e.kind for e in resident.events.all()] == ["move_in", "move_out", "move_in"]


def test_moving_in_a_person_who_lives_here_is_refused(users, areas, resident):
    with pytest.raises(ValidationError) as error:
        resident_move_in(
            actor=users["street_office"],
            resident=resident,
            grid=areas["grid_b"],
            happened_on=days_ago(1),
        )
    assert "moved out" in message(error, "kind")


def test_death_ends_the_history(users, resident):
    resident_record_death(actor=users["grid_worker_a"], resident=resident, happened_on=days_ago(5))
    resident.refresh_from_db()
    assert resident.presence == Presence.DECEASED
    for record in (resident_record_death, resident_move_out):
        with pytest.raises(ValidationError):
            record(actor=users["grid_worker_a"], resident=resident, happened_on=days_ago(1))
    assert resident.events.count() == 2


@pytest.mark.parametrize(
    "happened_on, expected",
    [
        (lambda: days_ago(-1), "future"),
        (lambda: BORN - datetime.timedelta(days=1), "birth date"),
        (lambda: days_ago(10_000), "latest event"),
    ],
)
def test_impossible_dates_are_refused_naming_the_date(users, resident, happened_on, expected):
    with pytest.raises(ValidationError) as error:
        resident_move_out(
            actor=users["grid_worker_a"], resident=resident, happened_on=happened_on()
        )
    assert expected in message(error, "happened_on")
    resident.refresh_from_db()
    assert resident.presence == Presence.PRESENT


def test_an_event_cannot_be_dated_before_the_latest_one(users, resident):
    resident_status_change(
        actor=users["grid_worker_a"],
        resident=resident,
        status=ResidentStatus.FLOATING,
        happened_on=days_ago(2),
    )
    with pytest.raises(ValidationError) as error:
        resident_move_out(actor=users["grid_worker_a"], resident=resident, happened_on=days_ago(3))
    assert days_ago(2).isoformat() in message(error, "happened_on")


def test_leaders_read_the_history_but_do_not_record_it(users, resident):
    with pytest.raises(PermissionDenied):
        resident_move_out(actor=users["street_leader"], resident=resident, happened_on=days_ago(1))
    assert resident.events.count() == 1


def test_each_kind_names_what_it_lacks(users, resident):
    with pytest.raises(ValidationError) as error:
        resident_event_add(
            actor=users["grid_worker_a"],
            resident=resident,
            kind=EventKind.STATUS_CHANGE,
            happened_on=days_ago(1),
        )
    assert "new status" in message(error, "new_status")
    with pytest.raises(ValidationError) as error:
        resident_event_add(
            actor=users["grid_worker_a"],
            resident=resident,
            kind=EventKind.GRID_MOVE,
            happened_on=days_ago(1),
        )
    assert "grid" in message(error, "to_grid")


def test_the_page_records_an_event_and_shows_the_history(client, users, areas, resident):
    login(client, users["grid_worker_a"])
    url = reverse("residents:event-new", args=[resident.pk])
    response = client.post(
        url,
        {"kind": "status_change", "happened_on": days_ago(1).isoformat(), "new_status": "floating"},
    )
    assert response.status_code == 302
    page = client.get(reverse("residents:detail", args=[resident.pk])).content.decode()
    assert days_ago(1).strftime("%Y-%m-%d") in page
    assert Resident.objects.get(pk=resident.pk).status == "floating"


def test_the_page_shows_the_services_message_next_to_the_field(client, users, resident):
    login(client, users["grid_worker_a"])
    response = client.post(
        reverse("residents:event-new", args=[resident.pk]),
        {"kind": "move_out", "happened_on": days_ago(-3).isoformat()},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "The date cannot be in the future." in response.content.decode()
    assert resident.events.count() == 1


def test_a_leader_sees_the_history_without_the_form(client, users, resident):
    login(client, users["street_leader"])
    detail = client.get(reverse("residents:detail", args=[resident.pk])).content.decode()
    assert reverse("residents:event-new", args=[resident.pk]) not in detail
    page = client.get(reverse("residents:event-new", args=[resident.pk])).content.decode()
    assert 'data-testid="event-form"' not in page


def test_the_api_records_an_event_and_filters_the_history(street_token, areas, resident):
    client = APIClient(HTTP_AUTHORIZATION=f"Token {street_token}", HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        "/api/v1/resident-events/",
        {
            "resident": resident.pk,
            "kind": "grid_move",
            "happened_on": days_ago(1).isoformat(),
            "to_grid": areas["grid_b"].pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["from_grid"] == areas["grid_a"].pk
    listed = client.get(
        "/api/v1/resident-events/", {"resident": resident.pk, "kind": "grid_move"}
    ).json()["results"]
    assert [row["to_grid"] for row in listed] == [areas["grid_b"].pk]
    refused = client.post(
        "/api/v1/resident-events/",
        {"resident": resident.pk, "kind": "move_out", "happened_on": days_ago(5).isoformat()},
        format="json",
    )
    assert refused.status_code == 400 and "happened_on" in refused.json()
    assert ResidentEvent.objects.filter(resident=resident).count() == 2


def test_the_api_no_longer_takes_a_status_in_an_update(street_token, resident):
    client = APIClient(HTTP_AUTHORIZATION=f"Token {street_token}")
    response = client.patch(
        f"/api/v1/residents/{resident.pk}/", {"status": "floating"}, format="json"
    )
    assert response.status_code == 400 and "status" in response.json()
    resident.refresh_from_db()
    assert resident.status == ResidentStatus.REGISTERED


@pytest.mark.parametrize("leave", ["move_out", "death", "grid_move"])
def test_moving_away_or_dying_ends_the_household_membership_that_day(users, areas, resident, leave):
    """P2 with P25: the household file shows that the person left, and when."""
    from population.models import HouseholdEvent
    from population.services import household_member_add
    from tests.population.factories import HouseFactory, HouseholdFactory

    household = HouseholdFactory(house=HouseFactory(grid=areas["grid_a"]))
    household_member_add(
        actor=users["grid_worker_a"],
        household=household,
        resident=resident,
        relationship="head",
        on=days_ago(100),
    )
    resident_event_add(
        actor=users["street_office"],
        resident=resident,
        kind=leave,
        happened_on=days_ago(2),
        to_grid=areas["grid_b"] if leave == "grid_move" else None,
    )
    resident.refresh_from_db()
    household.refresh_from_db()
    assert (resident.household, resident.relationship, household.head) == (None, "", None)
    left = HouseholdEvent.objects.filter(household=household).latest("pk")
    assert (left.resident, left.kind, left.on) == (resident, "left", days_ago(2))
