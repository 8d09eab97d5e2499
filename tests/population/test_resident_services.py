import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from population.identities import id_number_make
from population.models import Resident, Sex
from population.services import resident_register, resident_update
from tests.factories import ResidentFactory

# A woman born on 1985-03-12 in Hangzhou's Xihu district.
NUMBER = id_number_make(born=datetime.date(1985, 3, 12), serial=12, female=True)


def messages_of(error: ValidationError, field: str) -> str:
    return " ".join(error.message_dict[field])


def test_a_registration_derives_sex_and_birth_date_from_the_id_number(users, areas):
    resident = resident_register(
        actor=users["grid_worker_a"], grid=areas["grid_a"], name=" 王秀英 ", id_number=NUMBER
    )
    resident.refresh_from_db()
    assert resident.name == "王秀英"
    assert resident.sex == Sex.FEMALE
    assert resident.birth_date == datetime.date(1985, 3, 12)
    assert resident.id_number == NUMBER
    assert resident.created_by == users["grid_worker_a"]


def test_a_lower_case_check_character_is_stored_upper_case(users, areas):
    number = next(
        id_number_make(born=datetime.date(1990, 1, 1), serial=n)
        for n in range(100)
        if id_number_make(born=datetime.date(1990, 1, 1), serial=n).endswith("X")
    )
    resident = resident_register(
        actor=users["street_office"], grid=areas["grid_b"], name="李", id_number=number.lower()
    )
    assert resident.id_number == number


def test_a_bad_checksum_is_refused_with_the_identity_message(users, areas):
    wrong = NUMBER[:17] + ("0" if NUMBER[17] != "0" else "1")
    with pytest.raises(ValidationError) as error:
        resident_register(
            actor=users["grid_worker_a"], grid=areas["grid_a"], name="王", id_number=wrong
        )
    assert "check character" in messages_of(error.value, "id_number")
    assert not Resident.objects.exists()


def test_a_person_is_registered_once_and_the_grid_is_named_in_scope(users, areas):
    ResidentFactory(grid=areas["grid_a"], id_number=NUMBER)
    with pytest.raises(ValidationError) as error:
        resident_register(
            actor=users["street_office"], grid=areas["grid_b"], name="王", id_number=NUMBER
        )
    assert areas["grid_a"].name in messages_of(error.value, "id_number")
    assert Resident.objects.count() == 1


def test_a_duplicate_outside_scope_is_refused_without_naming_its_grid(users, areas):
    ResidentFactory(grid=areas["grid_a"], id_number=NUMBER)
    with pytest.raises(ValidationError) as error:
        resident_register(
            actor=users["grid_worker_b"], grid=areas["grid_b"], name="王", id_number=NUMBER
        )
    message = messages_of(error.value, "id_number")
    assert "already registered" in message and areas["grid_a"].name not in message
    assert Resident.objects.count() == 1


def test_a_grid_outside_the_actors_scope_is_refused(users, areas):
    with pytest.raises(ValidationError) as error:
        resident_register(
            actor=users["grid_worker_a"], grid=areas["grid_b"], name="王", id_number=NUMBER
        )
    assert "your own area" in messages_of(error.value, "grid")
    assert not Resident.objects.exists()


def test_a_resident_lives_in_a_grid_not_a_larger_area(users, areas):
    with pytest.raises(ValidationError) as error:
        resident_register(
            actor=users["street_office"], grid=areas["community_a"], name="王", id_number=NUMBER
        )
    assert "grid, not in a larger area" in messages_of(error.value, "grid")
    assert not Resident.objects.exists()


def test_leaders_read_the_ledger_but_do_not_keep_it(users, areas):
    with pytest.raises(PermissionDenied):
        resident_register(
            actor=users["street_leader"], grid=areas["grid_a"], name="王", id_number=NUMBER
        )
    resident = ResidentFactory(grid=areas["grid_a"])
    with pytest.raises(PermissionDenied):
        resident_update(actor=users["street_leader"], resident=resident, name="改")
    assert users["street_leader"].has_perm("population.view_resident", resident)


def test_an_update_with_a_new_id_number_rederives_sex_and_birth_date(users, areas):
    resident = ResidentFactory(grid=areas["grid_a"])
    updated = resident_update(
        actor=users["grid_worker_a"], resident=resident, id_number=NUMBER, employer=" 某厂 "
    )
    updated.refresh_from_db()
    assert (updated.sex, updated.birth_date) == (Sex.FEMALE, datetime.date(1985, 3, 12))
    assert updated.employer == "某厂"


def test_an_update_cannot_take_another_persons_id_number(users, areas):
    ResidentFactory(grid=areas["grid_a"], id_number=NUMBER)
    other = ResidentFactory(grid=areas["grid_a"])
    with pytest.raises(ValidationError):
        resident_update(actor=users["grid_worker_a"], resident=other, id_number=NUMBER)
    other.refresh_from_db()
    assert other.id_number != NUMBER


def test_an_invalid_phone_is_refused(users, areas):
    with pytest.raises(ValidationError) as error:
        resident_register(
            actor=users["grid_worker_a"],
            grid=areas["grid_a"],
            name="王",
            id_number=NUMBER,
            phone="12345",
        )
    assert "phone" in error.value.message_dict
    assert not Resident.objects.exists()


def test_the_id_number_is_stored_encrypted(users, areas):
    resident = ResidentFactory(grid=areas["grid_a"], id_number=NUMBER)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM population_resident WHERE id = %s", [resident.pk])
        (column,) = cursor.fetchone()
    assert NUMBER not in column and column.startswith("v1:")
    assert Resident.objects.get(pk=resident.pk).id_number == NUMBER
