"""Loading a checked import: clean, valid rows only with the rejected rows as a file, once."""

import csv
import io
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook, load_workbook

from population import imports
from population.imports import (
    rejected_rows_file,
    resident_import_check,
    resident_import_load,
    template_file,
)
from population.models import Resident, ResidentImport
from tests.factories import ResidentFactory, id_number_for
from tests.population.test_resident_import_check import HEADER, csv_of


def xlsx_of(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def check(user, content: bytes, name="residents.csv") -> ResidentImport:
    return resident_import_check(actor=user, file_name=name, content=content)


def test_a_clean_file_loads_every_row_through_the_residents_rules(users, areas):
    code = areas["grid_a"].code
    content = csv_of(
        f"{code}, 王秀英 ,{id_number_for(1).lower()},13900001111,流动,1幢101,某公司",
        f"{code},张伟,{id_number_for(2)},,,,",
    )
    checked = check(users["grid_worker_a"], content)
    loaded = resident_import_load(actor=users["grid_worker_a"], resident_import=checked)
    assert (loaded.status, loaded.loaded_count, loaded.valid_only) == ("loaded", 2, False)
    first = Resident.objects.get(name="王秀英")
    assert first.id_number == id_number_for(1)  # normalised as a registration is
    assert (first.status, first.phone, first.employer) == ("floating", "13900001111", "某公司")
    assert first.birth_date and first.sex and first.created_by == users["grid_worker_a"]
    assert Resident.objects.get(name="张伟").status == "registered"  # the model's default
    # The blind index was written: the person is found by their number.
    from population.selectors import resident_list

    found = resident_list(user=users["grid_worker_a"], query=id_number_for(1))
    assert list(found) == [first]


def test_each_loaded_person_starts_their_history_with_a_move_in(users, areas):
    """P2: an imported person has the dated history a registered one has."""
    from django.utils import timezone

    from population.models import ResidentEvent

    code = areas["grid_b"].code
    checked = check(
        users["street_office"],
        csv_of(
            f"{code},王秀英,{id_number_for(11)},,流动,,", f"{code},张伟,{id_number_for(12)},,,,"
        ),
    )
    resident_import_load(actor=users["street_office"], resident_import=checked)
    events = ResidentEvent.objects.order_by("resident__name")
    assert [(e.resident.name, e.kind, e.to_grid, e.new_status) for e in events] == [
        ("张伟", "move_in", areas["grid_b"], "registered"),
        ("王秀英", "move_in", areas["grid_b"], "floating"),
    ]
    assert {e.happened_on for e in events} == {timezone.localdate()}
    assert {e.recorded_by for e in events} == {users["street_office"]}


def test_a_file_with_problems_loads_nothing_unless_asked_for_the_valid_rows(users, areas):
    code = areas["grid_a"].code
    wrong = id_number_for(4)[:17] + ("1" if id_number_for(4)[17] == "0" else "0")
    content = csv_of(
        f"{code},王,{id_number_for(3)},,,,",
        f"{code},李,{wrong},,,,",
        f"{code},赵,{id_number_for(5)},12345,,,",
    )
    checked = check(users["street_office"], content)
    assert checked.rejected_rows == {3, 4} and checked.valid_count == 1
    strict = resident_import_load(actor=users["street_office"], resident_import=checked)
    assert strict.status == "checked" and not Resident.objects.exists()
    partial = resident_import_load(
        actor=users["street_office"], resident_import=checked, valid_only=True
    )
    assert (partial.status, partial.loaded_count, partial.valid_only) == ("loaded", 1, True)
    assert list(Resident.objects.values_list("name", flat=True)) == ["王"]
    # The rejected rows, parsed back: same columns, the two bad rows, a problems column.
    rejected = list(csv.reader(io.StringIO(rejected_rows_file(partial).decode("utf-8-sig"))))
    assert rejected[0] == [*HEADER.split(","), "problems"]
    assert [row[1] for row in rejected[1:]] == ["李", "赵"]
    assert "check character" in rejected[1][-1] and "phone" in rejected[2][-1]
    assert rejected[1][2] == wrong  # the row as uploaded, to be corrected


def test_the_corrected_rejected_rows_file_uploads_again_as_it_is(users, areas):
    code = areas["grid_a"].code
    checked = check(users["grid_worker_a"], csv_of(f"{code},李,{id_number_for(6)},12345,,,"))
    resident_import_load(actor=users["grid_worker_a"], resident_import=checked, valid_only=False)
    fixed = rejected_rows_file(checked).decode("utf-8-sig").replace(",12345,", ",13900001111,")
    again = check(users["grid_worker_a"], fixed.encode())
    assert again.is_clean
    assert (
        resident_import_load(actor=users["grid_worker_a"], resident_import=again).loaded_count == 1
    )


def test_a_second_load_loads_nothing_twice(users, areas):
    checked = check(
        users["grid_worker_a"], csv_of(f"{areas['grid_a'].code},王,{id_number_for(7)},,,,")
    )
    first = resident_import_load(actor=users["grid_worker_a"], resident_import=checked)
    again = resident_import_load(actor=users["community_office"], resident_import=checked)
    assert first.status == again.status == "loaded"
    assert Resident.objects.count() == 1 and again.loaded_count == 1


def test_a_crash_mid_load_leaves_nothing_loaded_with_bulk_create(users, areas):
    code = areas["grid_a"].code
    content = csv_of(*(f"{code},居民{n},{id_number_for(100 + n)},,,," for n in range(5)))
    checked = check(users["grid_worker_a"], content)
    real_bulk_create = Resident.objects.bulk_create
    calls = []

    def crash_on_second_batch(objs, *args, **kwargs):
        calls.append(len(objs))
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real_bulk_create(objs, *args, **kwargs)

    with (
        mock.patch.object(
            imports, "COPY_FIELD_TYPES", frozenset()
        ),  # the bulk_create path, in batches of 2
        mock.patch.object(imports, "BATCH", 2),
        mock.patch.object(Resident.objects, "bulk_create", crash_on_second_batch),
        pytest.raises(RuntimeError),
    ):
        resident_import_load(actor=users["grid_worker_a"], resident_import=checked)
    assert calls == [2, 2] and not Resident.objects.exists()
    checked.refresh_from_db()
    assert checked.status == "checked"
    assert (
        resident_import_load(actor=users["grid_worker_a"], resident_import=checked).loaded_count
        == 5
    )


def test_a_person_registered_since_the_check_is_caught_at_load(users, areas):
    checked = check(
        users["grid_worker_a"], csv_of(f"{areas['grid_a'].code},王,{id_number_for(8)},,,,")
    )
    ResidentFactory(grid=areas["grid_a"], id_number=id_number_for(8))
    reloaded = resident_import_load(actor=users["grid_worker_a"], resident_import=checked)
    assert reloaded.status == "checked" and reloaded.rejected_rows == {2}
    assert Resident.objects.count() == 1
    with pytest.raises(ValidationError) as error:
        resident_import_load(actor=users["grid_worker_a"], resident_import=checked, valid_only=True)
    assert "file" in error.value.message_dict


def test_an_xlsx_file_is_checked_and_loaded_and_its_rejected_rows_are_xlsx(users, areas):
    code = areas["grid_a"].code
    content = xlsx_of(
        [
            ["grid code", "name", "ID number", "phone"],
            [code, "王秀英", id_number_for(9), 13900001111],  # a phone typed as a number
            [code, "李", int(id_number_for(10)[:15]), ""],  # an ID number Excel shortened
        ]
    )
    checked = check(users["grid_worker_a"], content, name="residents.xlsx")
    assert checked.file_format == "xlsx" and checked.rejected_rows == {3}
    resident_import_load(actor=users["grid_worker_a"], resident_import=checked, valid_only=True)
    assert Resident.objects.get().phone == "13900001111"
    sheet = load_workbook(io.BytesIO(rejected_rows_file(checked))).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("grid code", "name", "ID number", "phone", "problems")
    assert rows[1][1] == "李" and "18 characters" in rows[1][-1]


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_the_empty_template_checks_as_a_header_without_rows(users, file_format):
    with pytest.raises(ValidationError) as error:
        check(users["grid_worker_a"], template_file(file_format))
    assert error.value.message_dict == {"file": ["The file has a header but no rows."]}


def test_the_filled_in_xlsx_template_loads(users, areas):
    workbook = load_workbook(io.BytesIO(template_file("xlsx")))
    workbook.worksheets[0].append([areas["grid_a"].code, "王", id_number_for(11)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    checked = check(users["grid_worker_a"], buffer.getvalue(), name="t.xlsx")
    assert checked.is_clean
    assert (
        resident_import_load(actor=users["grid_worker_a"], resident_import=checked).loaded_count
        == 1
    )


def test_the_kept_file_is_encrypted_at_rest(users, areas):
    from django.db import connection

    number = id_number_for(12)
    check(users["grid_worker_a"], csv_of(f"{areas['grid_a'].code},王,{number},,,,"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM population_residentimport")
        [(stored,)] = cursor.fetchall()
    assert stored.startswith("v1:") and number not in stored


def test_the_chinese_template_has_the_chinese_headers_and_loads(users, areas):
    from django.utils import translation

    with translation.override("zh-hans"):
        template = template_file("csv").decode("utf-8-sig")
    assert template.strip() == HEADER
    content = (template + f"{areas['grid_a'].code},王,{id_number_for(13)},,户籍,,\n").encode()
    assert check(users["grid_worker_a"], content).is_clean


def test_a_crash_after_the_copy_leaves_nothing_loaded(users, areas):
    code = areas["grid_a"].code
    content = csv_of(*(f"{code},居民{n},{id_number_for(120 + n)},,,," for n in range(3)))
    checked = check(users["grid_worker_a"], content)
    real_insert = imports._insert

    def insert_then_crash(residents):
        real_insert(residents)
        assert Resident.objects.count() == 3  # written, inside the transaction
        raise RuntimeError("worker killed")

    with mock.patch.object(imports, "_insert", insert_then_crash), pytest.raises(RuntimeError):
        resident_import_load(actor=users["grid_worker_a"], resident_import=checked)
    assert not Resident.objects.exists()


def test_copy_and_bulk_create_store_the_same_values_tabs_backslashes_and_all(users, areas):
    code = areas["grid_a"].code
    rows = [
        [code, "\\N", id_number_for(130), "", "境外", "3幢\t2单元\\501", "某公司\n分部"],
        [code, "李", id_number_for(131), "0571-87654321", "", "", ""],
    ]
    text = io.StringIO()
    csv.writer(text).writerows([HEADER.split(","), *rows])
    fields = [f for f in Resident._meta.concrete_fields if not f.primary_key]
    assert all(f.get_internal_type() in imports.COPY_FIELD_TYPES for f in fields)  # COPY
    stored = {}
    for path, copy_types in (("copy", imports.COPY_FIELD_TYPES), ("bulk_create", frozenset())):
        Resident.objects.all().delete()
        checked = check(users["grid_worker_a"], text.getvalue().encode())
        with mock.patch.object(imports, "COPY_FIELD_TYPES", copy_types):
            resident_import_load(actor=users["grid_worker_a"], resident_import=checked)
        stored[path] = sorted(
            (r.name, r.id_number, r.phone, r.status, r.address, r.employer, r.sex, r.birth_date)
            for r in Resident.objects.all()
        )
    assert stored["copy"] == stored["bulk_create"]
    assert ("\\N", id_number_for(130), "", "foreign", "3幢\t2单元\\501", "某公司\n分部") == (
        stored["copy"][0][:6]
    )


def test_a_person_registered_while_the_file_loads_stops_the_whole_load(users, areas):
    """The check ran before the other registration committed: the unique blind index
    refuses the COPY, and the load says so, with nothing loaded."""
    code = areas["grid_a"].code
    content = csv_of(f"{code},王,{id_number_for(140)},,,,", f"{code},李,{id_number_for(141)},,,,")
    checked = check(users["grid_worker_a"], content)
    ResidentFactory(grid=areas["grid_b"], id_number=id_number_for(141))
    with (
        mock.patch.object(imports, "_registered", lambda **kwargs: {}),
        pytest.raises(ValidationError) as error,
    ):
        resident_import_load(actor=users["grid_worker_a"], resident_import=checked)
    assert "registered by someone else" in error.value.message_dict["file"][0]
    assert Resident.objects.count() == 1
    checked.refresh_from_db()
    assert checked.status == "checked"
