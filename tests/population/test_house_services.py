import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from population.models import House
from population.services import house_register, house_update
from tests.factories import ResidentFactory
from tests.population.factories import HouseFactory

PHONE = "13912345678"


def messages_of(error: ValidationError, field: str) -> str:
    return " ".join(error.message_dict[field])


def test_a_grid_worker_registers_a_house_at_an_address_of_their_grid(users, areas):
    house = house_register(
        actor=users["grid_worker_a"], grid=areas["grid_a"], building=" 3 ", unit="2", room="502"
    )
    house.refresh_from_db()
    assert (house.building, house.unit, house.room) == ("3", "2", "502")
    assert house.label == "3幢2单元502"
    assert house.created_by == users["grid_worker_a"]
    assert not house.is_rented


def test_the_same_address_in_a_grid_is_refused_with_a_clear_message(users, areas):
    HouseFactory(grid=areas["grid_a"], building="3", unit="2", room="502")
    with pytest.raises(ValidationError) as error:
        house_register(
            actor=users["grid_worker_a"], grid=areas["grid_a"], building="3", unit="2", room="502"
        )
    assert "3幢2单元502 is already registered" in messages_of(error.value, "room")
    assert House.objects.count() == 1
    # The same address in the next grid is another house.
    HouseFactory(grid=areas["grid_b"], building="3", unit="2", room="502")


def test_a_grid_outside_the_actors_scope_is_refused_naming_the_grid(users, areas):
    with pytest.raises(ValidationError) as error:
        house_register(actor=users["grid_worker_a"], grid=areas["grid_b"], building="1")
    assert "your own area" in messages_of(error.value, "grid")
    with pytest.raises(ValidationError) as error:
        house_register(actor=users["street_office"], grid=areas["community_a"], building="1")
    assert "not in a larger area" in messages_of(error.value, "grid")
    assert not House.objects.exists()


def test_the_building_is_required(users, areas):
    with pytest.raises(ValidationError) as error:
        house_register(actor=users["grid_worker_a"], grid=areas["grid_a"], building="  ")
    assert "building" in error.value.message_dict


def test_a_rental_records_landlord_filing_and_responsibility_letter(users, areas):
    """P4: 出租房屋登记备案 and 出租人、承租人的治安责任 are kept with the house; the landlord's
    phone is stored encrypted and shown masked."""
    house = house_register(
        actor=users["grid_worker_a"],
        grid=areas["grid_a"],
        building="7",
        unit="3",
        room="602",
        is_rented=True,
        landlord_name="赵国庆",
        landlord_phone=PHONE,
        filed_on=datetime.date(2025, 3, 1),
        responsibility_letter_signed_on=datetime.date(2025, 3, 1),
    )
    assert house.landlord_phone_masked == "139****5678"
    with connection.cursor() as cursor:
        cursor.execute("SELECT landlord_phone FROM population_house WHERE id = %s", [house.pk])
        (column,) = cursor.fetchone()
    assert PHONE not in column and column.startswith("v1:")
    assert House.objects.get(pk=house.pk).landlord_phone == PHONE


def test_a_rented_house_names_its_landlord(users, areas):
    """P4: the rental record names its landlord."""
    with pytest.raises(ValidationError) as error:
        house_register(
            actor=users["grid_worker_a"], grid=areas["grid_a"], building="1", is_rented=True
        )
    assert "landlord" in messages_of(error.value, "landlord_name")
    assert not House.objects.exists()


def test_a_landlord_in_the_ledger_gives_the_name(users, areas):
    landlord = ResidentFactory(grid=areas["grid_b"], name="钱大海")
    house = house_register(
        actor=users["community_office"],
        grid=areas["grid_a"],
        building="1",
        is_rented=True,
        landlord_resident=landlord,
    )
    assert house.landlord_name == "钱大海"
    assert list(landlord.houses_let.all()) == [house]


def test_a_landlord_outside_the_actors_scope_is_refused(users, areas):
    landlord = ResidentFactory(grid=areas["grid_b"])
    with pytest.raises(ValidationError) as error:
        house_register(
            actor=users["grid_worker_a"],
            grid=areas["grid_a"],
            building="1",
            is_rented=True,
            landlord_resident=landlord,
        )
    assert "your own area" in messages_of(error.value, "landlord_resident")


def test_rental_data_on_a_house_not_rented_is_refused_not_dropped(users, areas):
    house = HouseFactory(grid=areas["grid_a"], is_rented=True, landlord_name="赵")
    with pytest.raises(ValidationError) as error:
        house_update(actor=users["grid_worker_a"], house=house, is_rented=False)
    assert "mark the house as rented" in messages_of(error.value, "is_rented")
    house.refresh_from_db()
    assert house.is_rented and house.landlord_name == "赵"
    updated = house_update(
        actor=users["grid_worker_a"], house=house, is_rented=False, landlord_name=""
    )
    assert not updated.is_rented


def test_a_bad_landlord_phone_or_a_future_date_is_refused_naming_the_field(users, areas):
    house = HouseFactory(grid=areas["grid_a"])
    rented = {"is_rented": True, "landlord_name": "赵"}
    with pytest.raises(ValidationError) as error:
        house_update(actor=users["grid_worker_a"], house=house, landlord_phone="12345", **rented)
    assert "landlord_phone" in error.value.message_dict
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    for field in ("filed_on", "responsibility_letter_signed_on"):
        with pytest.raises(ValidationError) as error:
            house_update(actor=users["grid_worker_a"], house=house, **{field: tomorrow}, **rented)
        assert "future" in messages_of(error.value, field)
    house.refresh_from_db()
    assert not house.is_rented


def test_an_update_cannot_take_the_address_of_another_house(users, areas):
    HouseFactory(grid=areas["grid_a"], building="1", unit="1", room="101")
    house = HouseFactory(grid=areas["grid_a"], building="1", unit="1", room="102")
    with pytest.raises(ValidationError) as error:
        house_update(actor=users["grid_worker_a"], house=house, room="101")
    assert "already registered" in messages_of(error.value, "room")
    house.refresh_from_db()
    assert house.room == "102"


def test_a_house_does_not_move_and_leaders_do_not_edit(users, areas):
    house = HouseFactory(grid=areas["grid_a"])
    with pytest.raises(ValueError):
        house_update(actor=users["street_office"], house=house, grid=areas["grid_b"])
    with pytest.raises(PermissionDenied):
        house_update(actor=users["street_leader"], house=house, building="9")
    with pytest.raises(PermissionDenied):
        house_register(actor=users["street_leader"], grid=areas["grid_a"], building="9")
