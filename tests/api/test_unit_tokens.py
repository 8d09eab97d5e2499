"""Unit tokens: the own system of a member department or an enterprise (P7) holds a token
scoped to its unit, which sees exactly what the unit's people see through the unit rule and
nothing by area; an area token is unchanged."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from disputes.case_services import case_accept, case_hand_off, case_register
from disputes.models import DisputeCategory
from governance.models import ApiToken, Role
from governance.scoping import scope_root, scope_unit_id
from governance.services import api_token_issue
from grid.models import UnitKind
from population.identities import id_number_make
from population.services import employer_worker_register
from tests.conftest import login
from tests.factories import ResidentFactory, UnitFactory
from tests.population.employer_fixtures import Employer, employer_create

ENDPOINTS = [
    "/api/v1/areas/",
    "/api/v1/units/",
    "/api/v1/disputes/",
    "/api/v1/screenings/",
    "/api/v1/residents/",
    "/api/v1/organisations/",
    "/api/v1/houses/",
    "/api/v1/visits/",
]


def token_client(key: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def session_client(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    login(client, user)
    return client


def ids(client: APIClient, url: str) -> set[int]:
    response = client.get(url, {"page_size": 500})
    assert response.status_code == 200, (url, response.content)
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def employer(users, areas) -> Employer:
    return employer_create(users, areas)


@pytest.fixture
def department_key(users) -> str:
    department = users["department"]
    _, key = api_token_issue(
        actor=users["admin"], client=department, name="司法局系统", unit=department.unit
    )
    return key


@pytest.fixture
def handed_case(users, areas):
    """A case handed by community_a's office to the department (区司法局)."""
    office = users["community_office"]
    UnitFactory(area=areas["community_a"], kind=UnitKind.OFFICE, name="社区综治中心")
    case = case_register(
        actor=users["grid_worker_a"],
        grid=areas["grid_a"],
        title="劳资纠纷",
        summary="工资拖欠",
        category=DisputeCategory.objects.get(code="neighbour"),
        source="visit",
        occurred_on=timezone.localdate(),
        parties=[{"role": "applicant", "name": "张三"}],
    )
    case_accept(actor=office, case=case, measures="上门调解")
    case_hand_off(
        actor=office, case=case, to_unit=users["department"].unit, kind="transfer", reason="职能"
    )
    return case


def test_a_unit_token_sees_exactly_what_its_units_people_see_and_nothing_by_area(
    users, department_key, handed_case, employer: Employer
):
    department = users["department"]
    token = token_client(department_key)
    person = session_client(department)
    for url in ENDPOINTS:
        assert ids(token, url) == ids(person, url), url
    assert ids(token, "/api/v1/disputes/") == {handed_case.pk}
    assert ids(token, "/api/v1/units/") == {department.unit_id}
    assert ids(token, "/api/v1/areas/") == set()
    # The enterprise's token: its workers and its own organisation, as its people see them.
    worker = employer_worker_register(
        actor=employer.person,
        name="刘洋",
        id_number=id_number_make(born=datetime.date(1998, 4, 12), serial=61),
    ).resident
    ResidentFactory(grid=employer.organisation.grid)
    enterprise = employer.api()
    for url in ENDPOINTS:
        assert ids(enterprise, url) == ids(session_client(employer.person), url), url
    assert ids(enterprise, "/api/v1/residents/") == {worker.pk}
    assert ids(enterprise, "/api/v1/organisations/") == {employer.organisation.pk}
    assert ids(enterprise, "/api/v1/disputes/") == set()


def test_the_kernel_gives_a_unit_token_its_unit_and_no_area(users, department_key, areas):
    token = ApiToken.objects.get(unit__isnull=False)
    department = users["department"]
    assert scope_root(department, token) is None
    assert scope_unit_id(department, token) == department.unit_id
    street = ApiToken.objects.create(
        client=users["api_client"],
        name="s",
        area=areas["street_a"],
        prefix="p1",
        secret_hash="x",
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    assert scope_unit_id(users["api_client"], street) is None
    assert scope_root(users["api_client"], street) == areas["street_a"]


def test_an_area_token_is_unchanged_and_sees_no_units_handed_rows(
    street_token, users, areas, handed_case, employer: Employer
):
    client = token_client(street_token)
    # The street's residents, the enterprise's worker among them (by area, as before).
    worker = employer_worker_register(
        actor=employer.person,
        name="刘洋",
        id_number=id_number_make(born=datetime.date(1998, 4, 12), serial=61),
    ).resident
    far = ResidentFactory(grid=areas["grid_other_street"])
    listed = ids(client, "/api/v1/residents/")
    assert worker.pk in listed and far.pk not in listed
    assert ids(client, "/api/v1/disputes/") == {handed_case.pk}  # in street_a, by area
    units = ids(client, "/api/v1/units/")
    assert users["department"].unit_id not in units  # a district department: not by area
    assert employer.unit.pk in units  # the enterprise's unit lies in street_a


@pytest.mark.parametrize("change", ["left_the_unit", "sees_by_area", "disabled"])
def test_a_unit_token_is_refused_once_its_client_leaves_the_unit(
    users, areas, department_key, change
):
    department = users["department"]
    if change == "left_the_unit":
        other = UnitFactory(area=areas["district"], name="区人社局")
        department.unit = other
    elif change == "sees_by_area":
        department.role = Role.OFFICE_STAFF
        department.unit = None
    else:
        department.is_active = False
    department.save()
    response = token_client(department_key).get("/api/v1/units/")
    assert response.status_code == 401
    if change != "disabled":
        assert "no longer one of its unit's people" in response.json()["detail"]


def test_unit_tokens_are_issued_to_the_units_own_people_only(users, areas):
    department = users["department"]
    office = UnitFactory(area=areas["street_a"], kind=UnitKind.OFFICE, name="街道综治中心")
    cases = [
        ({"client": users["api_client"], "unit": department.unit}, "client"),
        ({"client": users["street_office"], "unit": department.unit}, "client"),
        ({"client": department, "unit": office}, "unit"),
        ({"client": department, "unit": department.unit, "area": areas["district"]}, "area"),
        ({"client": department}, "area"),
    ]
    for fields, field in cases:
        with pytest.raises(ValidationError) as error:
            api_token_issue(actor=users["admin"], name="x", **fields)
        assert field in error.value.message_dict, fields
    with pytest.raises(ValidationError) as error:
        api_token_issue(
            actor=users["street_admin"], client=department, name="x", unit=department.unit
        )
    assert "unit" in error.value.message_dict  # a district department: not the street's
    assert not ApiToken.objects.exists()


def test_the_database_holds_a_token_to_an_area_or_a_unit_never_both(users, areas):
    department = users["department"]
    for area, unit in ((areas["district"], department.unit), (None, None)):
        with pytest.raises(IntegrityError), transaction.atomic():
            ApiToken.objects.create(
                client=department,
                name="x",
                area=area,
                unit=unit,
                prefix=f"p{bool(area)}",
                secret_hash="x",
                expires_at=timezone.now() + datetime.timedelta(days=1),
            )


def test_administrators_see_and_revoke_the_unit_tokens_of_their_area(
    client, users, department_key, employer: Employer
):
    """A unit token has no area: it is the business of the administrators whose area holds
    its unit (the district's for the district's department, street_a's for its enterprise)."""
    department_token = ApiToken.objects.get(unit=users["department"].unit)
    login(client, users["admin"])
    listing = client.get("/admin/governance/apitoken/").content.decode()
    assert department_token.prefix in listing and employer.token.prefix in listing
    street_admin = users["street_admin"]
    login(client, street_admin)
    listing = client.get("/admin/governance/apitoken/").content.decode()
    assert employer.token.prefix in listing and department_token.prefix not in listing
    assert street_admin.has_perm("governance.change_apitoken", employer.token)
    assert not street_admin.has_perm("governance.view_apitoken", department_token)
    response = client.post(
        "/admin/governance/apitoken/",
        {"action": "revoke", "_selected_action": [employer.token.pk]},
    )
    assert response.status_code == 302
    employer.token.refresh_from_db()
    assert employer.token.revoked_at is not None


def test_an_administrator_issues_a_unit_token_in_the_admin(client, users):
    """The token admin issues a unit token (the unit instead of the area) and shows its key
    once; the same rules as the service, as form errors."""
    department = users["department"]
    login(client, users["admin"])
    refused = client.post(
        "/admin/governance/apitoken/add/",
        {"client": users["api_client"].pk, "name": "x", "unit": department.unit_id},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 200
    errors = refused.context["adminform"].form.errors
    assert "one of the unit's own people" in errors["client"][0]
    assert not ApiToken.objects.exists()
    response = client.post(
        "/admin/governance/apitoken/add/",
        {"client": department.pk, "name": "司法局系统", "unit": department.unit_id},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert response.status_code == 200
    token = ApiToken.objects.get()
    assert token.unit_id == department.unit_id and token.area_id is None
    key = next(word for word in response.content.decode().split() if word.startswith("ggp_")).split(
        "<"
    )[0]
    assert token_client(key).get("/api/v1/units/").status_code == 200
