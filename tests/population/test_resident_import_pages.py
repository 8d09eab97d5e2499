"""The import pages, the import API and the masked export: the wiring of the services."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from population.models import Resident, ResidentImport
from tests.conftest import login
from tests.factories import ResidentFactory, id_number_for
from tests.population.test_resident_import_check import csv_of


def upload(client, content: bytes, name="residents.csv"):
    # The report is written in the uploader's language, when the file is checked.
    return client.post(
        reverse("residents:import-new"),
        {"file": SimpleUploadedFile(name, content)},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_a_grid_worker_checks_a_file_sees_each_problem_and_loads_the_valid_rows(
    client, users, areas
):
    login(client, users["grid_worker_a"])
    wrong = id_number_for(2)[:17] + ("1" if id_number_for(2)[17] == "0" else "0")
    content = csv_of(
        f"{areas['grid_a'].code},王秀英,{id_number_for(1)},,,,",
        f"{areas['grid_a'].code},李,{wrong},,,,",
    )
    response = upload(client, content)
    resident_import = ResidentImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("residents:import", args=[resident_import.pk])
    page = client.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "check character" in page and 'data-testid="load-valid"' in page
    assert not Resident.objects.exists()
    rejected = client.get(reverse("residents:import-rejected", args=[resident_import.pk]))
    rows = list(csv.reader(io.StringIO(rejected.content.decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == ["李"]
    load = reverse("residents:import-load", args=[resident_import.pk])
    assert client.post(load, {"valid_only": "1"}).status_code == 302
    assert client.post(load, {"valid_only": "1"}).status_code == 302  # a second click
    assert list(Resident.objects.values_list("name", flat=True)) == ["王秀英"]
    assert "loaded" in client.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_a_file_that_cannot_be_read_is_shown_on_the_form_and_nothing_kept(client, users):
    login(client, users["street_office"])
    response = upload(client, b"", name="empty.csv")
    assert response.status_code == 200
    assert not ResidentImport.objects.exists()


def test_a_leader_sees_the_report_but_neither_loads_nor_downloads_the_rows(client, users, areas):
    from tests.population.factories import ResidentImportFactory

    resident_import = ResidentImportFactory(area=areas["street_a"])
    login(client, users["leader"])
    page = client.get(reverse("residents:import", args=[resident_import.pk])).content.decode()
    assert 'data-testid="load"' not in page
    assert (
        'data-testid="import-form"'
        not in client.get(reverse("residents:import-new")).content.decode()
    )
    load = reverse("residents:import-load", args=[resident_import.pk])
    assert client.post(load).status_code == 403
    rejected = reverse("residents:import-rejected", args=[resident_import.pk])
    assert client.get(rejected).status_code == 403
    assert not Resident.objects.exists()


def test_the_export_is_masked_and_holds_only_the_area_asked_for_in_scope(client, users, areas):
    ResidentFactory(
        grid=areas["grid_a"], name="王秀英", id_number=id_number_for(3), phone="13912345678"
    )
    ResidentFactory(grid=areas["grid_b"], name="李四", id_number=id_number_for(4))
    ResidentFactory(grid=areas["grid_other_street"], name="赵五", id_number=id_number_for(5))
    login(client, users["street_office"])

    def exported(**params) -> list[tuple]:
        response = client.get(reverse("residents:export"), params)
        assert response.status_code == 200
        workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        return list(workbook.worksheets[0].iter_rows(values_only=True))[1:]

    everything = exported()
    assert sorted(row[2] for row in everything) == ["李四", "王秀英"]
    wang = next(row for row in everything if row[2] == "王秀英")
    assert wang[3] == id_number_for(3)[0] + "*" * 16 + id_number_for(3)[-1]
    assert wang[6] == "139****5678"
    assert [row[2] for row in exported(area=areas["grid_a"].pk)] == ["王秀英"]
    hidden = client.get(reverse("residents:export"), {"area": areas["grid_other_street"].pk})
    assert hidden.status_code == 404


def test_the_resident_list_links_the_import_and_the_export(client, users):
    login(client, users["grid_worker_a"])
    page = client.get(reverse("residents:list")).content.decode()
    assert reverse("residents:import-new") in page and reverse("residents:export") in page


def api(users, areas, person="street_office") -> APIClient:
    client = APIClient()
    login(client, users[person])
    return client


def test_the_api_dry_run_returns_the_per_row_report_and_writes_nothing(users, areas):
    client = api(users, areas)
    rows = [
        {"grid_code": areas["grid_a"].code, "name": "王", "id_number": id_number_for(6)},
        {"grid_code": areas["grid_other_street"].code, "name": "李", "id_number": id_number_for(7)},
        {"grid_code": areas["grid_a"].code, "name": "", "id_number": id_number_for(6)},
    ]
    response = client.post(reverse("api:resident-import-list"), {"rows": rows}, format="json")
    assert response.status_code == 201, response.content
    report = response.json()
    assert (report["status"], report["row_count"], report["valid_count"]) == ("checked", 3, 1)
    assert [(p["row"], p["column"]) for p in report["problems"]] == [
        (3, "grid_code"),
        (4, "name"),
        (4, "id_number"),
    ]
    assert not Resident.objects.exists()
    load = reverse("api:resident-import-load", args=[report["id"]])
    refused = client.post(load, {}, format="json")
    assert refused.status_code == 400 and len(refused.json()["rows"]) == 3
    loaded = client.post(load, {"valid_only": True}, format="json")
    assert loaded.status_code == 200 and loaded.json()["loaded_count"] == 1
    assert client.post(load, {"valid_only": True}, format="json").json()["loaded_count"] == 1
    assert Resident.objects.count() == 1


def test_the_api_loads_a_clean_xlsx_file_at_once_and_refuses_a_dirty_one_whole(users, areas):
    from tests.population.test_resident_import_load import xlsx_of

    client = api(users, areas)
    code = areas["grid_a"].code
    clean = xlsx_of([["网格编码", "姓名", "公民身份号码"], [code, "王", id_number_for(8)]])
    response = client.post(
        reverse("api:resident-import-list"),
        {"file": SimpleUploadedFile("r.xlsx", clean), "dry_run": "false"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert (response.json()["status"], response.json()["loaded_count"]) == ("loaded", 1)
    dirty = xlsx_of(
        [["网格编码", "姓名", "公民身份号码"], [code, "李", "123"], [code, "赵", id_number_for(9)]]
    )
    response = client.post(
        reverse("api:resident-import-list"),
        {"file": SimpleUploadedFile("r.xlsx", dirty), "dry_run": "false"},
        format="multipart",
    )
    assert response.status_code == 400 and response.json()["rows"][0]["row"] == 2
    assert Resident.objects.count() == 1 and ResidentImport.objects.count() == 1


def test_the_api_wants_rows_or_a_file(users, areas):
    response = api(users, areas).post(reverse("api:resident-import-list"), {}, format="json")
    assert response.status_code == 400 and "rows" in response.json()
