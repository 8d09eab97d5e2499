"""Units beside the areas (issue 8): offices, member departments and reporting enterprises,
the people each names, and the unit half of the one scoping rule."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from governance.models import Role, User
from governance.scoping import in_scope, unit_rule, visible_to
from grid.generation import units_build
from grid.models import Area, Unit, UnitKind
from grid.services import unit_create, unit_update
from tests.conftest import login
from tests.factories import ResidentFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_department_staff_see_their_unit_and_colleagues_not_the_area(users, areas):
    department = users["department"]
    other = UnitFactory(area=areas["district"], name="区公安分局")
    colleague = UserFactory(role=Role.DEPARTMENT, home_area=areas["district"], unit=department.unit)
    ResidentFactory(grid=areas["grid_a"])

    assert list(visible_to(department, Unit.objects.all())) == [department.unit]
    assert set(visible_to(department, User.objects.all())) == {department, colleague}
    assert not visible_to(department, Area.objects.all()).exists()
    from population.models import Resident

    assert not visible_to(department, Resident.objects.all()).exists()
    assert in_scope(department, department.unit)
    assert not in_scope(department, other)
    assert not in_scope(department, areas["district"])


def test_office_staff_see_their_area_and_their_office(users, areas):
    office = UnitFactory(area=areas["street_a"], kind=UnitKind.OFFICE, name="街道综治中心")
    staff = UserFactory(role=Role.OFFICE_STAFF, home_area=areas["street_a"], unit=office)
    elsewhere = UnitFactory(area=areas["street_b"], name="另一街道派出所")
    assert in_scope(staff, office)
    assert not in_scope(staff, elsewhere)
    assert set(visible_to(staff, Unit.objects.all())) == {office}


def test_a_token_is_scoped_by_area_alone(users, areas, street_token):
    from governance.models import ApiToken

    token = ApiToken.objects.get(area=areas["street_a"])
    department_unit = users["department"].unit
    assert not in_scope(users["api_client"], department_unit, token=token)


def test_unit_rule_of_a_model_units_do_not_act_on_is_none():
    assert unit_rule(Area, 1) is None


@pytest.mark.parametrize(
    ("role", "unit_kind", "home", "field"),
    [
        (Role.DEPARTMENT, None, "district", "unit"),  # department staff without a unit
        (Role.DEPARTMENT, UnitKind.OFFICE, "district", "unit"),  # ... of an office
        (Role.OFFICE_STAFF, UnitKind.DEPARTMENT, "district", "role"),  # a department's office staff
        (Role.OFFICE_STAFF, UnitKind.OFFICE, "street_a", "unit"),  # another area's office
    ],
)
def test_account_and_unit_must_agree(areas, role, unit_kind, home, field):
    unit = UnitFactory(area=areas["district"], kind=unit_kind) if unit_kind else None
    with pytest.raises(ValidationError) as error:
        UserFactory(role=role, home_area=areas[home], unit=unit)
    assert field in error.value.message_dict


def test_one_office_per_area(areas):
    UnitFactory(area=areas["street_a"], kind=UnitKind.OFFICE, name="综治中心")
    with pytest.raises(ValidationError) as error:
        UnitFactory(area=areas["street_a"], kind=UnitKind.OFFICE, name="第二个综治中心")
    assert "This area already has its office." in str(error.value)


def test_a_unit_with_people_stays_in_its_area(users, areas):
    unit = users["department"].unit
    with pytest.raises(ValidationError) as error:
        unit_update(actor=users["admin"], unit=unit, area=areas["street_a"])
    assert error.value.message_dict == {
        "area": ["A unit with accounts stays in its area; move its people first."]
    }
    unit.refresh_from_db()
    assert unit.area == areas["district"]


def test_administrators_keep_units_in_their_area_only(users, areas):
    with pytest.raises(PermissionDenied):
        unit_create(
            actor=users["street_admin"], area=areas["street_b"], kind=UnitKind.OFFICE, name="x"
        )
    with pytest.raises(PermissionDenied):
        unit_create(actor=users["street_office"], area=areas["street_a"], kind="office", name="x")
    with pytest.raises(ValidationError) as error:
        unit_create(
            actor=users["street_admin"],
            area=areas["street_a"],
            kind=UnitKind.ENTERPRISE,
            name="某企业",
            liaison=users["other_street_office"],
        )
    assert error.value.message_dict == {"liaison": ["Name someone within your own area."]}
    made = unit_create(
        actor=users["street_admin"],
        area=areas["street_a"],
        kind=UnitKind.ENTERPRISE,
        name="某企业",
        liaison=users["street_office"],
    )
    assert made.names_missing() == [
        "综治 lead",
        "first responsible person (第一责任人)",
        "reporting leader (分管领导)",
    ]


def test_units_build_makes_offices_departments_and_enterprises_once(users, areas):
    district = areas["district"]
    made = units_build(district=district)
    # 1 district + 2 streets + 4 communities offices, 7 departments, 2 enterprises.
    assert made == 7 + 7 + 2
    assert units_build(district=district) == 0
    office = Unit.objects.get(area=areas["street_a"], kind=UnitKind.OFFICE)
    users["street_office"].refresh_from_db()
    assert users["street_office"].unit == office
    assert office.lead is not None and office.liaison is not None


def test_unit_pages_warn_of_missing_names(client, users, areas):
    unit = users["department"].unit
    login(client, users["admin"])
    listing = client.get(reverse("units:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert unit.name in listing
    assert "Not named: 综治 lead、first responsible person (第一责任人)" in listing
    page = client.get(reverse("units:detail", args=[unit.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "This unit has not named:" in page.content.decode()
    assert users["department"].display_name in page.content.decode()


def test_units_api_lists_the_callers_units(client, users, areas):
    login(client, users["department"])
    answer = client.get(reverse("api:unit-list")).json()
    assert [row["name"] for row in answer["results"]] == ["区司法局"]
    assert answer["results"][0]["kind"] == "department"
    bad = client.get(reverse("api:unit-list"), {"kind": "ministry"})
    assert bad.status_code == 400
    assert "kind" in bad.json()


def test_the_account_form_shows_the_unit_rule(client, users, areas):
    login(client, users["admin"])
    answer = client.post(
        reverse("admin:governance_user_add"),
        {
            "username": "dept2",
            "password1": "Zz#8a9b0c1d2",
            "password2": "Zz#8a9b0c1d2",
            "usable_password": "true",
            "role": Role.DEPARTMENT,
            "home_area": areas["district"].pk,
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert answer.status_code == 200
    assert "Department staff work for a member department or an enterprise." in (
        answer.content.decode()
    )
    assert not User.objects.filter(username="dept2").exists()
