"""Residents' phones: encrypted at rest, searched by the whole number through a blind index,
never in clear in the audit trail; the data migration that encrypted the phones stored before."""

import importlib

from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from rest_framework.test import APIClient

from population.models import Resident
from population.selectors import resident_list
from population.services import resident_update
from tests.conftest import login
from tests.factories import ResidentFactory

MOBILE = "13912345678"
LANDLINE = "0571-87654321"


def stored(resident: Resident, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM population_resident WHERE id = %s", [resident.pk])
        return cursor.fetchone()[0]


def test_a_phone_is_stored_encrypted_and_read_back_plain(users, areas):
    resident = ResidentFactory(grid=areas["grid_a"], phone=MOBILE)
    raw = stored(resident, "phone")
    assert raw.startswith("v1:") and MOBILE not in raw and MOBILE[-4:] not in raw
    assert len(stored(resident, "phone_index")) == 64
    assert Resident.objects.get(pk=resident.pk).phone == MOBILE


def test_a_resident_is_found_by_the_whole_phone_number_however_it_is_typed(users, areas):
    mobile = ResidentFactory(grid=areas["grid_a"], name="甲", phone=MOBILE)
    landline = ResidentFactory(grid=areas["grid_a"], name="乙", phone=LANDLINE)
    ResidentFactory(grid=areas["grid_a"], name="丙")
    worker = users["grid_worker_a"]

    def found(query: str) -> list[Resident]:
        return list(resident_list(user=worker, query=query))

    assert found(MOBILE) == found("139 1234 5678") == found("+86 13912345678") == [mobile]
    assert found("057187654321") == found(LANDLINE) == [landline]


def test_part_of_a_phone_number_finds_no_one(users, areas):
    """Partial phone search was given up: the column is encrypted."""
    ResidentFactory(grid=areas["grid_a"], phone=MOBILE)
    assert not resident_list(user=users["grid_worker_a"], query=MOBILE[:7]).exists()


def test_a_phone_search_stays_within_the_searchers_area(users, areas):
    ResidentFactory(grid=areas["grid_b"], phone=MOBILE)
    assert not resident_list(user=users["grid_worker_a"], query=MOBILE).exists()
    assert resident_list(user=users["community_office"], query=MOBILE).exists()


def test_the_page_search_finds_by_phone(client, users, areas):
    ResidentFactory(grid=areas["grid_a"], name="陈桂英", phone=MOBILE)
    login(client, users["grid_worker_a"])
    found = client.post("/residents/", {"q": MOBILE}).content.decode()
    assert "陈桂英" in found


def test_the_audit_trail_never_holds_an_id_number_or_phone_in_clear(users, areas):
    resident = ResidentFactory(grid=areas["grid_a"], phone=MOBILE)
    number = resident.id_number
    resident_update(actor=users["grid_worker_a"], resident=resident, phone=LANDLINE)
    entries = LogEntry.objects.get_for_object(resident)
    created = entries.get(action=LogEntry.Action.CREATE)
    updated = entries.get(action=LogEntry.Action.UPDATE)
    assert updated.changes_dict == {"phone": ["*" * len(MOBILE), "*" * len(LANDLINE)]}
    assert created.changes_dict["id_number"][1] == "*" * 18
    assert "phone_index" not in created.changes_dict
    assert "id_number_index" not in created.changes_dict
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT changes::text, changes_text, serialized_data::text FROM auditlog_logentry "
            "WHERE object_id = %s AND content_type_id = %s",
            [resident.pk, ContentType.objects.get_for_model(Resident).pk],
        )
        logged = str(cursor.fetchall())
    for secret in (number, number[6:14], MOBILE, MOBILE[-4:], LANDLINE, "87654321"):
        assert secret not in logged


migration = importlib.import_module("population.migrations.0002_resident_phone_encrypted")


class SchemaEditor:
    connection = connection


def test_the_data_migration_encrypts_the_phones_stored_in_clear_and_masks_the_audit_trail(
    users, areas
):
    before = ResidentFactory(grid=areas["grid_a"], phone=MOBILE)
    untouched = ResidentFactory(grid=areas["grid_a"], phone=LANDLINE)
    already = stored(untouched, "phone")
    # The state 0001 left: the phone in clear, no index, and an audit entry showing it.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE population_resident SET phone = %s, phone_index = NULL WHERE id = %s",
            [MOBILE, before.pk],
        )
    entry = LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Resident),
        object_pk=str(before.pk),
        object_id=before.pk,
        object_repr=before.name,
        action=LogEntry.Action.UPDATE,
        changes={"phone": ["", MOBILE], "name": ["a", "b"]},
    )
    migration.phones_encrypt(apps, SchemaEditor())
    migration.phones_encrypt(apps, SchemaEditor())  # a second run changes nothing
    assert stored(before, "phone").startswith("v1:")
    assert stored(untouched, "phone") == already
    assert list(resident_list(user=users["grid_worker_a"], query=MOBILE)) == [before]
    entry.refresh_from_db()
    assert entry.changes == {"phone": ["", "*" * 11], "name": ["a", "b"]}


def test_the_data_migration_reverses_to_phones_in_clear(users, areas):
    resident = ResidentFactory(grid=areas["grid_a"], phone=MOBILE)
    migration.phones_decrypt(apps, SchemaEditor())
    assert (stored(resident, "phone"), stored(resident, "phone_index")) == (MOBILE, None)


def test_the_api_masks_the_phone(users, areas):
    ResidentFactory(grid=areas["grid_a"], phone=MOBILE)
    client = APIClient()
    login(client, users["grid_worker_a"])
    row = client.get("/api/v1/residents/").json()["results"][0]
    assert row["phone"] == "139****5678"


def test_the_admin_shows_the_phone_masked(client, users, areas):
    resident = ResidentFactory(grid=areas["grid_a"], phone=MOBILE)
    login(client, users["street_admin"])
    page = client.get(f"/admin/population/resident/{resident.pk}/change/").content.decode()
    assert "139****5678" in page and MOBILE not in page
