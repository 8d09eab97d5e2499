"""manage.py sensitive_rotate: every encrypted value moved to the current key, in batches,
resumable, every row readable throughout; blind indexes recomputed under a new index key."""

import pytest
from django.core.management import call_command
from django.db import connection

import governance.sensitive_rotation as rotation
from governance.sensitive import key_id_of
from population.models import Resident
from tests.factories import ResidentFactory, id_number_for

OLD = "old:00112233445566778899aabbccddeeff"
NEW = "new:ffeeddccbbaa99887766554433221100"
CORRECTED = id_number_for(99_999)


def stored_key_ids() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM population_resident ORDER BY id")
        return [key_id_of(value) for row in cursor.fetchall() for value in row if value]


@pytest.fixture
def residents_under_the_old_key(settings, areas):
    settings.SENSITIVE_DATA_KEYS = OLD
    settings.SENSITIVE_DATA_KEY_ID = "old"
    made = [
        ResidentFactory(grid=areas["grid_a"], phone=f"1391234{n:04d}" if n % 2 else "")
        for n in range(5)
    ]
    settings.SENSITIVE_DATA_KEYS = f"{OLD},{NEW}"  # the new key added and made current
    settings.SENSITIVE_DATA_KEY_ID = "new"
    return {person.pk: (person.id_number, person.phone) for person in made}


def plain_values() -> dict[int, tuple[str, str]]:
    return {person.pk: (person.id_number, person.phone) for person in Resident.objects.all()}


def test_the_models_to_rotate_are_found_in_the_app_registry():
    assert Resident in rotation.models_with_encrypted_fields()


def test_every_value_is_re_encrypted_under_the_current_key(residents_under_the_old_key, capsys):
    assert set(stored_key_ids()) == {"old"}
    call_command("sensitive_rotate", "--batch-size", "2")
    assert set(stored_key_ids()) == {"new"}
    assert plain_values() == residents_under_the_old_key
    assert (
        "population.Resident: 7 values re-encrypted, 0 under other keys" in capsys.readouterr().out
    )
    call_command("sensitive_rotate")  # nothing left to do
    assert "population.Resident: 0 values re-encrypted" in capsys.readouterr().out


def test_the_old_key_can_go_once_the_rotation_is_done(settings, residents_under_the_old_key):
    call_command("sensitive_rotate")
    settings.SENSITIVE_DATA_KEYS = NEW
    assert plain_values() == residents_under_the_old_key


def test_a_crash_leaves_every_row_readable_and_a_re_run_finishes(
    residents_under_the_old_key, monkeypatch
):
    real_encrypt = rotation.encrypt
    calls = {"n": 0}

    def failing_encrypt(plain, *, context):
        calls["n"] += 1
        if calls["n"] > 3:  # dies in the second batch of two rows
            raise RuntimeError("killed")
        return real_encrypt(plain, context=context)

    monkeypatch.setattr(rotation, "encrypt", failing_encrypt)
    with pytest.raises(RuntimeError):
        call_command("sensitive_rotate", "--batch-size", "2")
    halfway = stored_key_ids()
    assert set(halfway) == {"old", "new"}  # the first batch committed, the rest untouched
    assert plain_values() == residents_under_the_old_key
    monkeypatch.setattr(rotation, "encrypt", real_encrypt)
    call_command("sensitive_rotate", "--batch-size", "2")
    assert set(stored_key_ids()) == {"new"}
    assert plain_values() == residents_under_the_old_key


def test_a_value_saved_meanwhile_by_the_portal_is_not_overwritten(
    residents_under_the_old_key, monkeypatch
):
    """The portal saves a row between the rotation's read and its write: the UPDATE names the
    ciphertext it read, so it leaves the portal's (current-key) value alone."""
    pk = min(residents_under_the_old_key)
    real_decrypt = rotation.decrypt

    def portal_saves_first(token, *, context):
        if not saved:
            saved.append(True)
            person = Resident.objects.get(pk=pk)
            person.id_number = CORRECTED  # corrected by a grid worker meanwhile
            person.save()
        return real_decrypt(token, context=context)

    saved: list[bool] = []
    monkeypatch.setattr(rotation, "decrypt", portal_saves_first)
    call_command("sensitive_rotate")
    assert Resident.objects.get(pk=pk).id_number == CORRECTED
    assert set(stored_key_ids()) == {"new"}


def test_a_new_index_key_is_taken_up_by_reindex(settings, residents_under_the_old_key):
    number, _phone = next(iter(residents_under_the_old_key.values()))
    phone = next(p for _n, p in residents_under_the_old_key.values() if p)
    settings.SENSITIVE_INDEX_KEY = "ab" * 16
    superuser_search = Resident.objects.all()
    assert (
        not superuser_search.filter(id_number_index__isnull=False)
        .filter(id_number_index=Resident._meta.get_field("id_number_index").index_of(number))
        .exists()
    )
    call_command("sensitive_rotate", "--reindex")
    index = Resident._meta.get_field("id_number_index").index_of(number)
    assert superuser_search.filter(id_number_index=index).count() == 1
    phone_index = Resident._meta.get_field("phone_index").index_of(phone)
    assert superuser_search.filter(phone_index=phone_index).count() == 1


def test_a_passport_index_is_recomputed_with_its_nationality(settings, users, areas):
    """The passport's index is keyed by nationality too (population.PassportIndexField)."""
    from tests.population.test_foreign_nationals import register_foreign

    person = register_foreign(users["grid_worker_a"], areas["grid_a"])
    field = Resident._meta.get_field("passport_index")
    settings.SENSITIVE_INDEX_KEY = "cd" * 16
    assert Resident.objects.get(pk=person.pk).passport_index != field.passport_index_of(
        person.nationality, person.passport_number
    )
    call_command("sensitive_rotate", "--reindex")
    assert Resident.objects.get(pk=person.pk).passport_index == field.passport_index_of(
        person.nationality, person.passport_number
    )


def test_the_batch_size_must_be_positive(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("sensitive_rotate", "--batch-size", "0")
