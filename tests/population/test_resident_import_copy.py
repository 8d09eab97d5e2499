"""The fast path of the resident import (issue 7's speed target): the bulk encryptor and blind
indexer give what encrypt() and blind_index() give, the rows' instances are those
Resident(...) builds, and the COPYed rows and events read back through the model as a
registration's do; a failure at any step of the load writes nothing."""

import base64
import contextlib
from unittest import mock

import pytest
from django.db import connection
from django.db.models import signals

from governance.sensitive import (
    BlindIndexField,
    blind_index,
    blind_index_of,
    blind_indexer,
    decrypt,
    encrypt,
    encryptor,
    key_id_of,
)
from population import imports
from population.imports import resident_import_check, resident_import_load
from population.models import Resident, ResidentEvent
from tests.factories import ResidentFactory, id_number_for
from tests.population.test_resident_import_check import csv_of

CONTEXT = "population.Resident.id_number"


def check(user, content: bytes):
    return resident_import_check(actor=user, file_name="residents.csv", content=content)


def test_the_bulk_encryptor_seals_each_value_with_its_own_nonce_as_encrypt_does():
    """A pool of nonces drawn at once still gives every value fresh ones, across refills."""
    seal = encryptor(context=CONTEXT, nonces_at_once=2)
    values = [id_number_for(n) for n in range(5)] + [id_number_for(0)]
    sealed = [seal(value) for value in values]
    nonces = [base64.b64decode(token.split(":")[2])[:12] for token in sealed]
    assert len(set(nonces)) == len(values)  # the same number twice: two nonces
    assert [decrypt(token, context=CONTEXT) for token in sealed] == values
    single = encrypt(values[0], context=CONTEXT)
    assert {key_id_of(token) for token in sealed} == {key_id_of(single)}
    assert len(sealed[0]) == len(single) and sealed[0] != sealed[-1]


def test_the_bulk_indexer_gives_blind_index_and_the_fields_index():
    index = blind_indexer(context=CONTEXT)
    number = id_number_for(1)
    assert index(number) == blind_index(number, context=CONTEXT)
    assert index(number) == index(number)  # the keyed state is copied, never consumed
    for name, value in (("id_number", number.lower()), ("phone", "139 0000 1111")):
        field = Resident._meta.get_field(f"{name}_index")
        assert isinstance(field, BlindIndexField)
        assert (
            field.indexer()(value) == field.index_of(value) == blind_index_of(Resident, name, value)
        )
        assert field.indexer()("") is None
    with pytest.raises(TypeError):
        Resident._meta.get_field("passport_index").indexer()  # indexed with the nationality


def test_a_rows_instance_is_what_resident_builds(users, areas):
    make = imports._resident_maker(created_by=users["grid_worker_a"])
    values = {
        "name": "王",
        "id_number": id_number_for(1),
        "phone": "",
        "status": "floating",
        "address": "1幢",
        "employer": "",
    }
    made = make(grid=areas["grid_a"], **values)
    built = Resident(grid=areas["grid_a"], created_by=users["grid_worker_a"], **values)

    def state(resident):
        return {key: value for key, value in vars(resident).items() if key != "_state"}

    assert state(made) == state(built)
    assert made.grid == areas["grid_a"] and made.created_by == users["grid_worker_a"]
    assert made._state.adding and make(grid=None, **values).grid_id is None
    # Each row its own instance: a value set on one is not seen by the next.
    made.name = "李"
    assert make(grid=areas["grid_a"], **values).name == "王"


def test_a_listener_of_model_initialisation_gets_plain_resident_calls(users, areas):
    seen = []

    def listener(sender, instance, **kwargs):
        seen.append(instance)

    signals.post_init.connect(listener, sender=Resident)
    try:
        make = imports._resident_maker(created_by=None)
        made = make(grid=areas["grid_a"], name="王")
    finally:
        signals.post_init.disconnect(listener, sender=Resident)
    assert seen[-1] is made


def test_the_copied_rows_are_what_a_registration_stores(users, areas):
    """The load's own encoders: ciphertext under the active key that the field decrypts,
    indexes that the search finds, derived facts, one timestamp, and a move-in each (P2)."""
    code = areas["grid_a"].code
    content = csv_of(
        f"{code},王秀英,{id_number_for(21).lower()},13900001111,流动,1幢101,某公司",
        f"{code},张伟,{id_number_for(22)},,,,",
    )
    loaded = resident_import_load(
        actor=users["grid_worker_a"], resident_import=check(users["grid_worker_a"], content)
    )
    assert loaded.loaded_count == 2
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, phone, created_at = updated_at FROM population_resident "
            "ORDER BY name"
        )
        raw = cursor.fetchall()
    assert all(token.startswith("v1:") and id_number_for(21) not in token for token, *_ in raw)
    assert [same for *_, same in raw] == [True, True]
    first = Resident.objects.get(
        id_number_index=blind_index_of(Resident, "id_number", id_number_for(21))
    )
    assert (first.name, first.id_number, first.phone) == (
        "王秀英",
        id_number_for(21),
        "13900001111",
    )
    assert first.phone_index == blind_index_of(Resident, "phone", "139 0000 1111")
    assert first.sex and first.birth_date and first.status == "floating"
    assert first.created_by == users["grid_worker_a"]
    assert Resident.objects.get(name="张伟").phone_index is None  # no phone, no index
    events = ResidentEvent.objects.order_by("resident__name")
    assert [(e.resident.name, e.kind, e.to_grid, e.new_status, e.recorded_by) for e in events] == [
        ("张伟", "move_in", areas["grid_a"], "registered", users["grid_worker_a"]),
        ("王秀英", "move_in", areas["grid_a"], "floating", users["grid_worker_a"]),
    ]
    # The keys were drawn from the table's sequence: the next registration follows them.
    later = ResidentFactory(grid=areas["grid_a"], id_number=id_number_for(23))
    assert later.pk > max(Resident.objects.exclude(pk=later.pk).values_list("pk", flat=True))


@pytest.mark.parametrize("copy", [True, False], ids=["copy", "bulk_create"])
def test_a_failure_while_the_events_are_written_leaves_nothing_loaded(users, areas, copy):
    code = areas["grid_a"].code
    content = csv_of(*(f"{code},居民{n},{id_number_for(150 + n)},,,," for n in range(3)))
    checked = check(users["grid_worker_a"], content)

    def fail(*args, **kwargs):
        assert Resident.objects.count() == 3  # the people are in, inside the transaction
        raise RuntimeError("worker killed")

    with contextlib.ExitStack() as patches:
        if copy:
            real_copy = imports._copy

            def copy_or_fail(db, model, *rest):
                return (fail if model is ResidentEvent else real_copy)(db, model, *rest)

            patches.enter_context(mock.patch.object(imports, "_copy", copy_or_fail))
        else:
            patches.enter_context(mock.patch.object(imports, "COPY_FIELD_TYPES", frozenset()))
            patches.enter_context(mock.patch.object(ResidentEvent.objects, "bulk_create", fail))
        with pytest.raises(RuntimeError):
            resident_import_load(actor=users["grid_worker_a"], resident_import=checked)
    assert not Resident.objects.exists() and not ResidentEvent.objects.exists()
    checked.refresh_from_db()
    assert checked.status == "checked"
    loaded = resident_import_load(actor=users["grid_worker_a"], resident_import=checked)
    assert loaded.loaded_count == 3 == ResidentEvent.objects.count()


def test_the_bulk_create_path_records_the_move_ins_too(users, areas):
    code = areas["grid_b"].code
    checked = check(users["street_office"], csv_of(f"{code},王,{id_number_for(160)},,流动,,"))
    with mock.patch.object(imports, "COPY_FIELD_TYPES", frozenset()):
        resident_import_load(actor=users["street_office"], resident_import=checked)
    event = ResidentEvent.objects.get()
    assert (event.resident.name, event.to_grid, event.new_status) == (
        "王",
        areas["grid_b"],
        "floating",
    )
