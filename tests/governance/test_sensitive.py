"""Sensitive values: SM4-GCM with key ids, bound to their field; HMAC-SM3 blind index; the
model fields that store them; and what reaches the audit log."""

import base64

import pytest
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.core.exceptions import FieldError, ImproperlyConfigured, ValidationError
from django.db import connection, models
from django.test.utils import isolate_apps
from hypothesis import given
from hypothesis import strategies as st

from governance.identity import id_number_validate
from governance.sensitive import (
    BlindIndexField,
    EncryptedCharField,
    SensitiveDataError,
    blind_index,
    blind_index_of,
    check_sensitive_keys,
    decrypt,
    encrypt,
    key_id_of,
    parse_keys,
)

CONTEXT = "population.Resident.id_number"
OLD = "k2025:00112233445566778899aabbccddeeff"
NEW = "k2026:ffeeddccbbaa99887766554433221100"
ID_NUMBER = "11010519491231002X"


@pytest.fixture
def two_keys(settings):
    settings.SENSITIVE_DATA_KEYS = f"{OLD},{NEW}"
    settings.SENSITIVE_DATA_KEY_ID = "k2025"
    return settings


@given(st.text(max_size=200))
def test_any_text_comes_back_as_it_went_in(plain):
    assert decrypt(encrypt(plain, context=CONTEXT), context=CONTEXT) == plain


def test_the_stored_form_names_the_key_and_hides_the_value():
    token = encrypt(ID_NUMBER, context=CONTEXT)
    version, kid, payload = token.split(":")
    assert (version, kid) == ("v1", "dev")
    assert ID_NUMBER not in token and "1949" not in token
    assert len(base64.b64decode(payload)) == 12 + len(ID_NUMBER) + 16  # nonce, ct, tag


def test_the_same_value_encrypts_differently_each_time():
    assert encrypt(ID_NUMBER, context=CONTEXT) != encrypt(ID_NUMBER, context=CONTEXT)


def test_a_value_copied_into_another_field_does_not_decrypt():
    token = encrypt(ID_NUMBER, context=CONTEXT)
    with pytest.raises(SensitiveDataError, match="another field"):
        decrypt(token, context="population.Resident.phone")


def test_a_value_relabelled_with_another_key_id_does_not_decrypt(two_keys):
    token = encrypt(ID_NUMBER, context=CONTEXT)
    with pytest.raises(SensitiveDataError):
        decrypt(token.replace(":k2025:", ":k2026:"), context=CONTEXT)


@given(st.data())
def test_any_changed_byte_of_the_stored_value_is_detected(data):
    token = encrypt(ID_NUMBER, context=CONTEXT)
    prefix, payload = token.rsplit(":", 1)
    raw = bytearray(base64.b64decode(payload))
    position = data.draw(st.integers(0, len(raw) - 1))
    raw[position] ^= data.draw(st.integers(1, 255))
    with pytest.raises(SensitiveDataError):
        decrypt(f"{prefix}:{base64.b64encode(bytes(raw)).decode()}", context=CONTEXT)


@pytest.mark.parametrize(
    "token", ["", "11010519491231002X", "v1:dev:", "v1:dev:%%%", "v1:dev:AAAA"]
)
def test_a_value_that_is_not_a_ciphertext_is_refused_without_echoing_it(token):
    with pytest.raises(SensitiveDataError) as caught:
        decrypt(token, context=CONTEXT)
    assert "1949" not in str(caught.value)


def test_rotation_reads_old_values_with_the_old_key_and_writes_with_the_new(two_keys):
    old_token = encrypt(ID_NUMBER, context=CONTEXT)
    two_keys.SENSITIVE_DATA_KEY_ID = "k2026"
    new_token = encrypt(ID_NUMBER, context=CONTEXT)
    assert (key_id_of(old_token), key_id_of(new_token)) == ("k2025", "k2026")
    assert decrypt(old_token, context=CONTEXT) == decrypt(new_token, context=CONTEXT) == ID_NUMBER
    two_keys.SENSITIVE_DATA_KEYS = NEW  # the old key withdrawn too early
    with pytest.raises(SensitiveDataError, match="k2025"):
        decrypt(old_token, context=CONTEXT)


def test_the_blind_index_is_stable_per_field_and_key_and_reveals_nothing(settings):
    index = blind_index(ID_NUMBER, context=CONTEXT)
    assert index == blind_index(ID_NUMBER, context=CONTEXT)
    assert len(index) == 64 and ID_NUMBER.lower() not in index
    assert index != blind_index("110105194912310029", context=CONTEXT)
    assert index != blind_index(ID_NUMBER, context="population.Landlord.id_number")
    settings.SENSITIVE_INDEX_KEY = "ab" * 16
    assert index != blind_index(ID_NUMBER, context=CONTEXT)


def test_the_blind_index_is_hmac_sm3():
    from cryptography.hazmat.primitives import hashes, hmac

    mac = hmac.HMAC(bytes.fromhex("101112131415161718191a1b1c1d1e1f"), hashes.SM3())
    mac.update(f"{CONTEXT}\0{ID_NUMBER}".encode())
    assert blind_index(ID_NUMBER, context=CONTEXT) == mac.finalize().hex()


def test_encryption_is_sm4_gcm_with_the_context_as_associated_data():
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    raw = base64.b64decode(encrypt(ID_NUMBER, context=CONTEXT).split(":")[2])
    nonce, sealed, tag = raw[:12], raw[12:-16], raw[-16:]
    key = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(f"v1:dev:{CONTEXT}".encode())
    assert (decryptor.update(sealed) + decryptor.finalize()).decode() == ID_NUMBER


@pytest.mark.parametrize(
    "keys",
    ["", "k1", "k1:0011", "k1:" + "zz" * 16, "bad id:" + "00" * 16, f"{OLD},{OLD}"],
)
def test_malformed_keys_are_refused_by_name(keys):
    with pytest.raises(ImproperlyConfigured, match="SENSITIVE_DATA_KEYS"):
        parse_keys(keys)


def test_the_system_check_names_an_active_key_id_that_is_not_listed(settings):
    assert check_sensitive_keys() == []
    settings.SENSITIVE_DATA_KEY_ID = "missing"
    [error] = check_sensitive_keys()
    assert "SENSITIVE_DATA_KEY_ID" in error.msg
    settings.SENSITIVE_DATA_KEY_ID = "dev"
    settings.SENSITIVE_INDEX_KEY = "00" * 8
    [error] = check_sensitive_keys()
    assert "SENSITIVE_INDEX_KEY" in error.msg


# --- The model fields -----------------------------------------------------------------------


def test_the_field_stores_ciphertext_and_reads_plain_text():
    field = EncryptedCharField(max_length=18, context=CONTEXT)
    stored = field.get_db_prep_save(ID_NUMBER, connection)
    assert stored.startswith("v1:dev:") and ID_NUMBER not in stored
    assert field.from_db_value(stored, None, connection) == ID_NUMBER
    assert field.get_db_prep_save(None, connection) is None
    assert field.get_db_prep_save("", connection) == ""
    assert field.from_db_value(None, None, connection) is None
    assert field.db_type(connection) == "text"


def test_the_field_keeps_its_context_in_migrations():
    field = EncryptedCharField(max_length=18, context=CONTEXT)
    _name, path, _args, kwargs = field.deconstruct()
    assert path == "governance.sensitive.EncryptedCharField"
    assert kwargs == {"max_length": 18, "context": CONTEXT}


def test_the_index_field_rebuilds_from_its_migration_form():
    from django.db.migrations.writer import MigrationWriter

    field = BlindIndexField(source="id_number", normalize=id_number_validate)
    _name, path, args, kwargs = field.deconstruct()
    assert kwargs == {"source": "id_number", "normalize": id_number_validate}
    rebuilt = BlindIndexField(*args, **kwargs)
    for attribute in ("max_length", "db_index", "editable", "null", "blank", "normalize"):
        assert getattr(rebuilt, attribute) == getattr(field, attribute)
    code, imports = MigrationWriter.serialize(BlindIndexField(source="x", editable=True))
    assert "editable=True" in code
    assert "governance.identity.id_number_validate" in MigrationWriter.serialize(field)[0]


@pytest.fixture
def resident_model():
    """A model of the shape population will use, its table made in the test's transaction."""
    with isolate_apps("governance"):

        class Resident(models.Model):
            name = models.CharField(max_length=50)
            id_number = EncryptedCharField(max_length=18, context=CONTEXT, blank=True)
            # Declared before or after its source, the index is computed from the plain value.
            id_number_index = BlindIndexField(source="id_number", normalize=id_number_validate)

            class Meta:
                app_label = "governance"

            def __str__(self) -> str:
                return self.name

        yield Resident


@pytest.fixture
def resident_table(db, resident_model):
    with connection.schema_editor() as editor:
        editor.create_model(resident_model)
    return resident_model


def test_a_row_round_trips_through_postgresql_encrypted(resident_table):
    Resident = resident_table
    person = Resident.objects.create(name="张三", id_number="11010519491231002x")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id_number, id_number_index FROM {Resident._meta.db_table} WHERE id = %s",
            [person.pk],
        )
        stored, index = cursor.fetchone()
    assert stored.startswith("v1:dev:") and "1949" not in stored
    assert index == blind_index(ID_NUMBER, context=CONTEXT)
    assert Resident.objects.get(pk=person.pk).id_number == "11010519491231002x"  # as entered
    found = Resident.objects.filter(
        id_number_index=blind_index_of(Resident, "id_number", ID_NUMBER)
    )
    assert list(found) == [person]


def test_bulk_create_fills_the_index_and_a_change_updates_it(resident_table):
    Resident = resident_table
    [person] = Resident.objects.bulk_create([Resident(name="李四", id_number=ID_NUMBER)])
    index_of = Resident._meta.get_field("id_number_index").index_of
    assert Resident.objects.get(name="李四").id_number_index == index_of(ID_NUMBER)
    person = Resident.objects.get(name="李四")
    person.id_number = "440524188001010014"
    person.save(update_fields=["id_number", "id_number_index"])
    assert Resident.objects.get(pk=person.pk).id_number_index == index_of("440524188001010014")
    person.id_number = ""
    person.save()
    assert Resident.objects.filter(pk=person.pk, id_number_index__isnull=True).exists()


def test_saving_the_encrypted_field_without_its_index_is_refused(resident_table):
    person = resident_table.objects.create(name="王五", id_number=ID_NUMBER)
    person.id_number = "440524188001010014"
    with pytest.raises(ValueError, match="id_number_index"):
        person.save(update_fields=["id_number"])


def test_a_lookup_on_the_encrypted_field_is_refused_with_the_way_to_search(resident_model):
    for lookup in ("id_number", "id_number__startswith", "id_number__in"):
        with pytest.raises(FieldError, match="BlindIndexField"):
            resident_model.objects.filter(**{lookup: ID_NUMBER})
    assert resident_model.objects.filter(id_number__isnull=True).query  # allowed


def test_searching_by_an_invalid_number_raises_its_validation_error(resident_model):
    with pytest.raises(ValidationError):
        blind_index_of(resident_model, "id_number", "110105194912310021")


def test_a_field_without_a_context_fails_the_system_check(resident_model):
    field = resident_model._meta.get_field("id_number")
    assert [e.id for e in field.check()] == []
    field.context = ""
    try:
        assert "governance.E101" in [e.id for e in field.check()]
    finally:
        field.context = CONTEXT


def test_the_audit_log_sees_the_id_number_masked_and_not_its_index(resident_table):
    """How population will register a model with an encrypted field: auditlog reads the plain
    (Python) value, so the field is masked entirely and its index left out."""
    Resident = resident_table
    auditlog.register(Resident, mask_fields=["id_number"], exclude_fields=["id_number_index"])
    try:
        person = Resident.objects.create(name="张三", id_number="440524188001010014")
        person.id_number = ID_NUMBER
        person.save()
    finally:
        auditlog.unregister(Resident)
    entries = LogEntry.objects.get_for_object(person)
    created = entries.get(action=LogEntry.Action.CREATE).changes_dict
    updated = entries.get(action=LogEntry.Action.UPDATE).changes_dict
    assert updated == {"id_number": ["*" * 18, "*" * 18]}
    assert created["id_number"][1] == "*" * 18
    assert "id_number_index" not in created
    logged = str(created) + str(updated)
    assert "0524" not in logged and "1949" not in logged
