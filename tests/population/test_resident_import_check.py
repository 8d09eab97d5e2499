"""The dry run: every row's problems, with row number, column and message; nothing written."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from population.identities import id_number_make
from population.imports import resident_import_check
from population.models import Resident, ResidentImport
from tests.factories import ResidentFactory, id_number_for

HEADER = "网格编码,姓名,公民身份号码,联系电话,人口类型,居住地址,工作单位"


def csv_of(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def check(user, content: bytes) -> ResidentImport:
    return resident_import_check(actor=user, file_name="residents.csv", content=content)


def problems_of(resident_import: ResidentImport) -> list[tuple[int, str, str]]:
    return [(p["row"], p["column"], p["message"]) for p in resident_import.problems]


def test_a_clean_file_is_checked_kept_and_nothing_is_written(users, areas):
    grid = areas["grid_a"]
    content = csv_of(
        f"{grid.code},王秀英,{id_number_for(1)},13900001111,户籍,1幢101,",
        f"{grid.code},张伟,{id_number_for(2)},,流动,,某物流公司",
    )
    checked = check(users["grid_worker_a"], content)
    assert checked.is_clean and checked.row_count == 2 and checked.valid_count == 2
    assert checked.status == "checked" and checked.area == grid
    assert not Resident.objects.exists()
    assert ResidentImport.objects.get().uploaded_by == users["grid_worker_a"]


def test_a_bad_id_checksum_is_reported_with_row_column_and_the_identity_message(users, areas):
    number = id_number_for(3)
    wrong = number[:17] + ("1" if number[17] == "0" else "0")
    checked = check(users["grid_worker_a"], csv_of(f"{areas['grid_a'].code},王,{wrong},,,,"))
    [(row, column, message)] = problems_of(checked)
    assert (row, column) == (2, "id_number") and "check character" in message


def test_an_unknown_grid_and_a_grid_outside_the_uploaders_area_read_the_same(users, areas):
    content = csv_of(
        f"{areas['grid_b'].code},王,{id_number_for(4)},,,,",
        f"999999999999999,李,{id_number_for(5)},,,,",
        f"{areas['grid_a'].code},赵,{id_number_for(6)},,,,",
    )
    checked = check(users["grid_worker_a"], content)
    assert problems_of(checked) == [
        (2, "grid_code", f"No grid has the code “{areas['grid_b'].code}” in your area."),
        (3, "grid_code", "No grid has the code “999999999999999” in your area."),
    ]
    assert checked.valid_count == 1
    # The street's office sees grid_b: the same row is fine for them.
    assert check(users["street_office"], content).rejected_rows == {3}


def test_a_person_already_registered_is_reported_naming_the_grid_only_in_scope(users, areas):
    ResidentFactory(grid=areas["grid_b"], id_number=id_number_for(7))
    content = csv_of(f"{areas['grid_a'].code},王,{id_number_for(7)},,,,")
    [(row, column, message)] = problems_of(check(users["community_office"], content))
    assert (row, column) == (2, "id_number") and areas["grid_b"].name in message
    [(_row, _column, hidden)] = problems_of(check(users["grid_worker_a"], content))
    assert areas["grid_b"].name not in hidden and "another area" in hidden


def test_the_same_person_twice_in_the_file_is_reported_on_the_second_row(users, areas):
    code = areas["grid_a"].code
    content = csv_of(
        f"{code},王,{id_number_for(8)},,,,",
        f"{code},李,{id_number_for(9)},,,,",
        f"{code},王二,{id_number_for(8).lower()},,,,",
    )
    assert problems_of(check(users["grid_worker_a"], content)) == [
        (4, "id_number", "The same person as row 2.")
    ]


def test_missing_fields_bad_phone_and_bad_status_are_each_reported(users, areas):
    code = areas["grid_a"].code
    content = csv_of(
        f",王,{id_number_for(10)},,,,",
        f"{code},,,12345,居住,,",
    )
    assert problems_of(check(users["grid_worker_a"], content)) == [
        (2, "grid_code", "The grid code is required."),
        (3, "name", "The name is required."),
        (3, "id_number", "The ID number is required."),
        (3, "phone", "Enter an 11-digit mobile number or a landline with its area code "
         "(0571-87654321)."),
        (3, "status", "Value '居住' is not a valid choice."),
    ]  # fmt: skip


def test_english_headers_in_another_order_are_accepted(users, areas):
    content = csv_of(
        f"王,{id_number_for(11)},{areas['grid_a'].code},floating",
        header="Name,ID number,Grid code,Status",
    )
    assert check(users["grid_worker_a"], content).is_clean


def test_an_unknown_or_missing_column_rejects_the_whole_file(users, areas):
    content = csv_of(f"王,{id_number_for(12)},x", header="姓名,公民身份号码,备注")
    checked = check(users["grid_worker_a"], content)
    assert problems_of(checked) == [
        (1, "", "Unknown column “备注”."),
        (1, "grid_code", "The column is missing."),
    ]
    assert checked.valid_count == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (HEADER.encode() + b"\n", "The file has a header but no rows."),
        (b"PK\x03\x04broken", "The file is not a readable XLSX workbook."),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_and_nothing_is_kept(users, content, message):
    with pytest.raises(ValidationError) as error:
        check(users["grid_worker_a"], content)
    assert error.value.message_dict == {"file": [message]}
    assert not ResidentImport.objects.exists()


def test_a_gbk_csv_from_excel_is_read(users, areas):
    number = id_number_make(born=datetime.date(1980, 5, 1), serial=3)
    content = f"{HEADER}\n{areas['grid_a'].code},王秀英,{number},,户籍,,\n".encode("gb18030")
    assert check(users["grid_worker_a"], content).is_clean


def test_a_leader_may_not_import(users):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        check(users["leader"], csv_of("x,y,z,,,,"))


def test_the_check_costs_the_same_queries_for_3_rows_as_for_60(users, areas):
    """Bulk: one query for the file's grids, one for the people already registered."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from population.imports import check_rows, read_sheet

    def queries(rows: int, first: int) -> int:
        grids = [areas["grid_a"].code, areas["grid_b"].code]
        lines = [f"{grids[n % 2]},王{n},{id_number_for(first + n)},,,," for n in range(rows)]
        sheet = read_sheet(csv_of(*lines))
        with CaptureQueriesContext(connection) as captured:
            checked = check_rows(actor=users["community_office"], sheet=sheet)
        assert len(checked.residents) == rows
        return len(captured)

    assert queries(3, 200) == queries(60, 300) == 2
