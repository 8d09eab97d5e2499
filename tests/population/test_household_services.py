import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from population.models import Household, HouseholdEvent, Relationship, Resident
from population.selectors import household_candidates
from population.services import (
    household_member_add,
    household_member_remove,
    household_register,
    household_update,
)
from tests.factories import ResidentFactory
from tests.population.factories import HouseFactory, HouseholdFactory


def messages_of(error: ValidationError, field: str) -> str:
    return " ".join(error.message_dict[field])


def test_a_household_is_registered_at_a_house_with_its_head(users, areas):
    house = HouseFactory(grid=areas["grid_a"])
    head = ResidentFactory(grid=areas["grid_a"], name="王建国")
    household = household_register(
        actor=users["grid_worker_a"],
        house=house,
        kind="registered",
        number=" 330106001 ",
        head=head,
    )
    head.refresh_from_db()
    assert household.number == "330106001"
    assert household.head == head
    assert (head.household, head.relationship) == (household, Relationship.HEAD)


def test_joining_and_leaving_are_dated_events(users, areas):
    """P2: moving in and out of a household is a dated event with its history, not an edit."""
    household = HouseholdFactory(house=HouseFactory(grid=areas["grid_a"]))
    person = ResidentFactory(grid=areas["grid_a"])
    joined, left = datetime.date(2024, 5, 1), datetime.date(2025, 1, 15)
    household_member_add(
        actor=users["grid_worker_a"],
        household=household,
        resident=person,
        relationship="tenant",
        on=joined,
    )
    household_member_remove(
        actor=users["grid_worker_a"], household=household, resident=person, on=left
    )
    person.refresh_from_db()
    assert person.household is None and person.relationship == ""
    history = list(
        HouseholdEvent.objects.filter(resident=person)
        .order_by("on")
        .values_list("kind", "on", "relationship")
    )
    assert history == [("joined", joined, "tenant"), ("left", left, "tenant")]


def test_a_member_of_another_household_is_not_moved_without_saying_so(users, areas):
    first = HouseholdFactory(house=HouseFactory(grid=areas["grid_a"]))
    second = HouseholdFactory(house=HouseFactory(grid=areas["grid_a"]))
    person = ResidentFactory(grid=areas["grid_a"])
    household_member_add(
        actor=users["grid_worker_a"], household=first, resident=person, relationship="head"
    )
    with pytest.raises(ValidationError) as error:
        household_member_add(
            actor=users["grid_worker_a"], household=second, resident=person, relationship="head"
        )
    assert first.house.label in messages_of(error.value, "resident")
    person.refresh_from_db()
    assert person.household == first
    moved = household_member_add(
        actor=users["grid_worker_a"],
        household=second,
        resident=person,
        relationship="head",
        move=True,
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert moved.household == second and second.head == moved
    assert first.head is None  # the mover headed it
    assert list(first.events.values_list("kind", flat=True).order_by("pk")) == ["joined", "left"]


def test_a_person_cannot_join_the_same_household_twice(users, areas):
    household = HouseholdFactory(house=HouseFactory(grid=areas["grid_a"]))
    person = ResidentFactory(grid=areas["grid_a"])
    household_member_add(
        actor=users["grid_worker_a"], household=household, resident=person, relationship="child"
    )
    with pytest.raises(ValidationError) as error:
        household_member_add(
            actor=users["grid_worker_a"],
            household=household,
            resident=person,
            relationship="child",
            move=True,
        )
    assert "already a member" in messages_of(error.value, "resident")
    assert household.events.count() == 1


def test_a_household_has_one_head(users, areas):
    head = ResidentFactory(grid=areas["grid_a"])
    household = HouseholdFactory(house=HouseFactory(grid=areas["grid_a"]), head=head)
    with pytest.raises(ValidationError) as error:
        household_member_add(
            actor=users["grid_worker_a"],
            household=household,
            resident=ResidentFactory(grid=areas["grid_a"]),
            relationship="head",
        )
    assert "already has a head" in messages_of(error.value, "relationship")
    assert list(household.members.all()) == [head]


def test_members_live_in_the_grid_of_the_house(users, areas):
    household = HouseholdFactory(house=HouseFactory(grid=areas["grid_a"]))
    elsewhere = ResidentFactory(grid=areas["grid_b"], name="孙丽")
    with pytest.raises(ValidationError) as error:
        household_member_add(
            actor=users["street_office"],
            household=household,
            resident=elsewhere,
            relationship="spouse",
        )
    message = messages_of(error.value, "resident")
    assert "孙丽" in message and areas["grid_b"].name in message
    elsewhere.refresh_from_db()
    assert elsewhere.household is None


def test_a_household_or_resident_outside_the_scope_is_refused_naming_the_field(users, areas):
    house_b = HouseFactory(grid=areas["grid_b"])
    with pytest.raises(ValidationError) as error:
        household_register(actor=users["grid_worker_a"], house=house_b)
    assert "your own area" in messages_of(error.value, "house")
    household_b = HouseholdFactory(house=house_b)
    person_b = ResidentFactory(grid=areas["grid_b"])
    with pytest.raises(ValidationError) as error:
        household_member_add(
            actor=users["grid_worker_a"],
            household=household_b,
            resident=person_b,
            relationship="other",
        )
    assert "your own area" in messages_of(error.value, "household")
    household_a = HouseholdFactory(house=HouseFactory(grid=areas["grid_a"]))
    with pytest.raises(ValidationError) as error:
        household_member_add(
            actor=users["grid_worker_a"],
            household=household_a,
            resident=person_b,
            relationship="other",
        )
    assert "your own area" in messages_of(error.value, "resident")
    assert not Resident.objects.filter(household__isnull=False).exists()


def test_bad_kind_relationship_or_date_is_refused_and_nothing_is_saved(users, areas):
    house = HouseFactory(grid=areas["grid_a"])
    with pytest.raises(ValidationError) as error:
        household_register(actor=users["grid_worker_a"], house=house, kind="tribe")
    assert "kind" in error.value.message_dict
    household = HouseholdFactory(house=house)
    person = ResidentFactory(grid=areas["grid_a"])
    with pytest.raises(ValidationError) as error:
        household_member_add(
            actor=users["grid_worker_a"],
            household=household,
            resident=person,
            relationship="cousin",
        )
    assert "relationship" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        household_member_add(
            actor=users["grid_worker_a"],
            household=household,
            resident=person,
            relationship="child",
            on=datetime.date.today() + datetime.timedelta(days=2),
        )
    assert "future" in messages_of(error.value, "on")
    assert Household.objects.count() == 1 and not household.events.exists()


def test_a_head_that_cannot_join_leaves_no_household_behind(users, areas):
    house = HouseFactory(grid=areas["grid_a"])
    with pytest.raises(ValidationError) as error:
        household_register(
            actor=users["street_office"], house=house, head=ResidentFactory(grid=areas["grid_b"])
        )
    assert "grid of its house" in messages_of(error.value, "head")
    assert not Household.objects.exists()


def test_removing_someone_not_in_the_household_is_refused(users, areas):
    household = HouseholdFactory(house=HouseFactory(grid=areas["grid_a"]))
    with pytest.raises(ValidationError) as error:
        household_member_remove(
            actor=users["grid_worker_a"],
            household=household,
            resident=ResidentFactory(grid=areas["grid_a"]),
        )
    assert "not a member" in messages_of(error.value, "resident")


def test_another_member_becomes_head(users, areas):
    head = ResidentFactory(grid=areas["grid_a"])
    household = HouseholdFactory(house=HouseFactory(grid=areas["grid_a"]), head=head)
    spouse = ResidentFactory(grid=areas["grid_a"])
    household_member_add(
        actor=users["grid_worker_a"], household=household, resident=spouse, relationship="spouse"
    )
    with pytest.raises(ValidationError) as error:
        household_update(
            actor=users["grid_worker_a"],
            household=household,
            head=ResidentFactory(grid=areas["grid_a"]),
        )
    assert "member of this household" in messages_of(error.value, "head")
    updated = household_update(
        actor=users["grid_worker_a"], household=household, head=spouse, kind="floating"
    )
    head.refresh_from_db()
    spouse.refresh_from_db()
    assert (updated.head, updated.kind) == (spouse, "floating")
    assert (spouse.relationship, head.relationship) == ("head", "other")


def test_leaders_read_households_but_do_not_keep_them(users, areas):
    household = HouseholdFactory(house=HouseFactory(grid=areas["grid_a"]))
    with pytest.raises(PermissionDenied):
        household_member_add(
            actor=users["street_leader"],
            household=household,
            resident=ResidentFactory(grid=areas["grid_a"]),
            relationship="other",
        )
    with pytest.raises(PermissionDenied):
        household_register(actor=users["street_leader"], house=household.house)
    assert users["street_leader"].has_perm("population.view_household", household)


def test_the_candidates_are_the_grids_residents_outside_the_household_free_ones_first(users, areas):
    household = HouseholdFactory(house=HouseFactory(grid=areas["grid_a"]))
    other = HouseholdFactory(house=HouseFactory(grid=areas["grid_a"]))
    member = ResidentFactory(grid=areas["grid_a"], name="甲")
    taken = ResidentFactory(grid=areas["grid_a"], name="乙")
    free = ResidentFactory(grid=areas["grid_a"], name="丙")
    ResidentFactory(grid=areas["grid_b"], name="丁")
    household_member_add(
        actor=users["grid_worker_a"], household=household, resident=member, relationship="head"
    )
    household_member_add(
        actor=users["grid_worker_a"], household=other, resident=taken, relationship="head"
    )
    names = [r.name for r in household_candidates(user=users["street_office"], household=household)]
    assert names == ["丙", "乙"]
    assert free.household is None
