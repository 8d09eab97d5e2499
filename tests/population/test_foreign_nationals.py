"""Foreign nationals registered without a Chinese ID number (issue 7, P10): known by their
passport, with sex and birth date entered instead of derived."""

import datetime
import importlib

import openpyxl
import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from population.exports import resident_export_xlsx
from population.imports import resident_import_check
from population.models import Resident, ResidentStatus
from population.selectors import resident_list
from population.services import resident_register, resident_status_change, resident_update
from tests.conftest import login
from tests.factories import id_number_for

BORN = datetime.date(1988, 5, 1)
PASSPORT = "M70001234"


def register_foreign(actor, grid, **fields):
    values = {
        "name": "KIM MINJUN",
        "status": ResidentStatus.FOREIGN,
        "passport_number": PASSPORT,
        "nationality": "KOR",
        "sex": "male",
        "birth_date": BORN,
    }
    return resident_register(actor=actor, grid=grid, **{**values, **fields})


def api_for(user) -> APIClient:
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    login(api, user)
    return api


def test_a_foreign_national_is_registered_on_the_page_without_an_id_number(client, users, areas):
    """P10: 境外来华人员登记 — passport, nationality, stay; no 身份证 needed."""
    login(client, users["grid_worker_a"])
    response = client.post(
        reverse("residents:new"),
        {
            "grid": areas["grid_a"].pk,
            "name": "KIM MINJUN",
            "status": "foreign",
            "passport_number": "m7000 1234",
            "nationality": "KOR",
            "sex": "male",
            "birth_date": "1988-05-01",
        },
    )
    resident = Resident.objects.get()
    assert response.status_code == 302
    assert (resident.id_number, resident.id_number_index) == ("", None)
    assert (resident.sex, resident.birth_date, resident.passport_number) == ("male", BORN, PASSPORT)
    assert resident.passport_index
    page = client.get(reverse("residents:detail", args=[resident.pk])).content.decode()
    assert 'data-testid="id-number">—<' in page and PASSPORT not in page
    listed = client.get(reverse("residents:list")).content.decode()
    assert "KIM MINJUN" in listed


def test_a_foreign_national_is_registered_through_the_api_without_an_id_number(users, areas):
    """P10 through the API: the masked ID number is null, sex and birth date as entered."""
    api = api_for(users["grid_worker_a"])
    response = api.post(
        "/api/v1/residents/",
        {
            "grid": areas["grid_a"].pk,
            "name": "TANAKA YUI",
            "status": "foreign",
            "passport_number": "TR1234567",
            "nationality": "JPN",
            "sex": "female",
            "birth_date": "1995-02-03",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["id_number"], body["sex"], body["birth_date"]) == (None, "female", "1995-02-03")
    assert body["passport_number"] == "TR*****67"


def test_many_foreign_nationals_without_id_numbers_fit_the_unique_index(users, areas):
    register_foreign(users["grid_worker_a"], areas["grid_a"])
    register_foreign(users["grid_worker_a"], areas["grid_a"], passport_number="M70005678")
    # The same number from another issuing state is another passport.
    register_foreign(users["grid_worker_a"], areas["grid_a"], nationality="USA")
    assert Resident.objects.filter(id_number_index__isnull=True).count() == 3


def test_a_foreign_national_without_an_id_number_needs_sex_and_a_past_birth_date(users, areas):
    actor, grid = users["grid_worker_a"], areas["grid_a"]
    with pytest.raises(ValidationError) as missing:
        register_foreign(actor, grid, sex="", birth_date=None)
    assert set(missing.value.message_dict) == {"sex", "birth_date"}
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    for wrong in (tomorrow, datetime.date(1899, 12, 31)):
        with pytest.raises(ValidationError) as error:
            register_foreign(actor, grid, birth_date=wrong)
        assert set(error.value.message_dict) == {"birth_date"}
    assert not Resident.objects.exists()


def test_a_foreign_nationals_id_number_when_given_still_gives_sex_and_birth_date(users, areas):
    number = id_number_for(7)
    resident = register_foreign(
        users["grid_worker_a"], areas["grid_a"], id_number=number, sex="", birth_date=None
    )
    assert resident.id_number == number and resident.birth_date.year > 1900 and resident.sex


@pytest.mark.parametrize("status", [ResidentStatus.REGISTERED, ResidentStatus.FLOATING])
def test_registered_and_floating_people_still_need_an_id_number(client, users, areas, status):
    with pytest.raises(ValidationError) as error:
        resident_register(
            actor=users["grid_worker_a"], grid=areas["grid_a"], name="王芳", status=status,
            sex="female", birth_date=BORN,
        )  # fmt: skip
    assert set(error.value.message_dict) == {"id_number"}
    api = api_for(users["grid_worker_a"])
    response = api.post(
        "/api/v1/residents/",
        {"grid": areas["grid_a"].pk, "name": "王芳", "status": status, "sex": "female",
         "birth_date": "1988-05-01"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400 and "id_number" in response.json()
    assert not Resident.objects.exists()


def test_a_passport_registered_already_is_refused_naming_the_field_and_grid(users, areas):
    """One person, one row for foreign nationals too; the grid named only if the actor sees
    it (as for an ID number)."""
    first = register_foreign(users["grid_worker_a"], areas["grid_a"])
    with pytest.raises(ValidationError) as seen:
        register_foreign(users["grid_worker_a"], areas["grid_a"], passport_number="m7000 1234")
    assert seen.value.message_dict == {
        "passport_number": [f"This person is already registered (已登记) in “{first.grid}”."]
    }
    with pytest.raises(ValidationError) as unseen:
        register_foreign(users["grid_worker_b"], areas["grid_b"], name="KIM M.")
    assert unseen.value.message_dict == {
        "passport_number": ["This person is already registered (已登记) in another area."]
    }
    other = register_foreign(users["grid_worker_a"], areas["grid_a"], passport_number="M70009999")
    with pytest.raises(ValidationError) as corrected:
        resident_update(actor=users["grid_worker_a"], resident=other, passport_number=PASSPORT)
    assert set(corrected.value.message_dict) == {"passport_number"}
    assert Resident.objects.count() == 2


def test_the_api_refuses_a_registered_passport_naming_the_field(users, areas):
    register_foreign(users["grid_worker_a"], areas["grid_a"])
    api = api_for(users["grid_worker_a"])
    response = api.post(
        "/api/v1/residents/",
        {"grid": areas["grid_a"].pk, "name": "KIM", "status": "foreign", "nationality": "KOR",
         "passport_number": PASSPORT, "sex": "male", "birth_date": "1988-05-01"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400 and "passport_number" in response.json()
    assert Resident.objects.count() == 1


def test_a_whole_passport_number_finds_the_person_in_scope_only(users, areas):
    wanted = register_foreign(users["grid_worker_a"], areas["grid_a"])
    register_foreign(users["grid_worker_a"], areas["grid_a"], name="LEE", passport_number="M7000")
    worker = users["grid_worker_a"]
    assert list(resident_list(user=worker, query="m7000 1234")) == [wanted]
    assert list(resident_list(user=worker, query=PASSPORT[:6])) == []  # whole numbers only
    assert list(resident_list(user=users["grid_worker_b"], query=PASSPORT)) == []
    response = api_for(worker).post("/api/v1/residents/search/", {"q": PASSPORT}, format="json")
    assert [row["id"] for row in response.json()["results"]] == [wanted.pk]


def test_the_reveal_shows_the_passport_and_no_id_number(client, users, areas):
    resident = register_foreign(users["grid_worker_a"], areas["grid_a"])
    login(client, users["grid_worker_a"])
    detail = client.get(
        reverse("residents:detail", args=[resident.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Show the phone and passport number in full" in detail
    page = client.post(
        reverse("residents:reveal", args=[resident.pk]), {"reason": "核对护照"}
    ).content.decode()
    assert PASSPORT in page and 'data-testid="id-number">—<' in page
    entry = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).get()
    assert entry.additional_data["fields"] == ["phone", "passport_number"]
    revealed = api_for(users["grid_worker_a"]).post(
        f"/api/v1/residents/{resident.pk}/reveal/", {"reason": "核对护照"}, format="json"
    )
    assert (revealed.json()["passport_number"], revealed.json()["id_number"]) == (PASSPORT, "")


def test_the_export_shows_a_dash_for_no_id_number(users, areas):
    register_foreign(users["grid_worker_a"], areas["grid_a"])
    sheet = openpyxl.load_workbook(resident_export_xlsx(Resident.objects.all())).active
    row = [cell.value for cell in sheet[2]]
    assert "KIM MINJUN" in row and "—" in row and BORN.isoformat() in row


def test_the_import_keeps_requiring_an_id_number_of_a_foreign_national(users, areas):
    content = (
        "网格编码,姓名,公民身份号码,联系电话,人口类型,居住地址,工作单位\n"
        f"{areas['grid_a'].code},KIM MINJUN,,,境外,,\n"
    ).encode()
    checked = resident_import_check(
        actor=users["grid_worker_a"], file_name="people.csv", content=content
    )
    assert [(p["row"], p["column"]) for p in checked.problems] == [(2, "id_number")]


def test_a_foreign_national_without_an_id_number_cannot_become_registered(users, areas):
    resident = register_foreign(users["grid_worker_a"], areas["grid_a"])
    with pytest.raises(ValidationError) as error:
        resident_status_change(
            actor=users["grid_worker_a"], resident=resident, status=ResidentStatus.REGISTERED,
            happened_on=timezone.localdate(),
        )  # fmt: skip
    assert set(error.value.message_dict) == {"new_status"}
    resident.refresh_from_db()
    assert resident.status == ResidentStatus.FOREIGN and resident.passport_number == PASSPORT


def test_the_migration_indexes_the_passports_already_stored(users, areas):
    resident = register_foreign(users["grid_worker_a"], areas["grid_a"])
    index = resident.passport_index
    Resident.objects.filter(pk=resident.pk).update(passport_index=None)
    migration = importlib.import_module("population.migrations.0013_foreign_nationals")
    migration.passports_index(apps, None)
    resident.refresh_from_db()
    assert resident.passport_index == index
