"""Issue 7: every change to a person, household, house, organisation or special-group record
(and a visit) leaves an audit trail (who, when, what changed), which office staff and
administrators of the record's area read on its page and through `<kind>/<id>/history/`;
grid workers, leaders and other systems do not. Encrypted fields stay masked; people outside
the reader's area are not named."""

import pytest
from auditlog.context import set_actor
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from governance.models import Role, User
from grid.models import Area, AreaLevel
from population.demo import DEMO_CORRECTED_ORGANISATION
from population.models import Organisation
from population.selectors import organisation_list, record_history
from population.services import (
    house_update,
    household_member_add,
    organisation_update,
    vital_part_update,
)
from tests.conftest import PEOPLE, login
from tests.factories import ResidentFactory, UserFactory
from tests.population.factories import (
    HouseFactory,
    HouseholdFactory,
    OrganisationFactory,
    SpecialGroupRecordFactory,
    VisitFactory,
    VitalPartFactory,
)

LANDLORD_PHONE = "13912345678"
LIAISON_PHONE = "13800001111"

# For records in grid_a: office staff and administrators whose area holds it, and superusers.
REVIEWERS = {"community_office", "street_office", "admin", "street_admin", "superuser"}

KINDS = [
    "resident",
    "house",
    "household",
    "organisation",
    "vital-part",
    "special-group-record",
    "visit",
]
PAGES = {
    "resident": "residents:detail",
    "house": "houses:detail",
    "household": "houses:household",
    "organisation": "organisations:detail",
    "special-group-record": "special_groups:detail",
    "visit": "visits:detail",
}


def make(kind: str, grid):
    if kind == "resident":
        return ResidentFactory(grid=grid)
    if kind == "house":
        return HouseFactory(grid=grid)
    if kind == "household":
        return HouseholdFactory(house=HouseFactory(grid=grid))
    if kind == "organisation":
        return OrganisationFactory(grid=grid)
    if kind == "vital-part":
        return VitalPartFactory(organisation=OrganisationFactory(grid=grid))
    if kind == "special-group-record":
        return SpecialGroupRecordFactory(resident=ResidentFactory(grid=grid))
    return VisitFactory(grid=grid)


def api_client(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    login(client, user)
    return client


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("person", sorted(PEOPLE))
def test_who_reads_a_records_history(users, areas, kind, person):
    record = make(kind, areas["grid_a"])
    perm = f"population.history_{record._meta.model_name}"
    assert users[person].has_perm(perm, record) == (person in REVIEWERS)


@pytest.mark.parametrize("kind", list(PAGES))
def test_each_page_shows_the_history_to_office_staff_only(client, users, areas, kind):
    record = make(kind, areas["grid_a"])
    url = reverse(PAGES[kind], args=[record.pk])
    login(client, users["community_office"])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="history"' in page and "registered" in page
    for person in ("grid_worker_a", "street_leader"):
        client.logout()
        login(client, users[person])
        response = client.get(url)
        if kind == "special-group-record":  # their members are hidden from these roles
            assert response.status_code in {200, 404}
        else:
            assert response.status_code == 200
        assert 'data-testid="history"' not in response.content.decode()


@pytest.mark.parametrize("kind", KINDS)
def test_each_api_history_answers_by_role_and_area(users, areas, street_token, kind):
    record = make(kind, areas["grid_a"])
    route = f"api:{kind}-history"
    url = reverse(route, args=[record.pk])
    response = api_client(users["street_office"]).get(url)
    assert response.status_code == 200, response.content
    (created,) = [e for e in response.json()["results"] if e["part"] == ""]
    assert created["action"] == "create" and created["who"]
    assert api_client(users["other_street_office"]).get(url).status_code == 404
    assert api_client(users["leader"]).get(url).status_code in {403, 404}
    if kind != "special-group-record":
        assert api_client(users["grid_worker_a"]).get(url).status_code == 403
        other_system = APIClient(HTTP_AUTHORIZATION=f"Token {street_token}")
        assert other_system.get(url).status_code == 403


def test_encrypted_fields_stay_masked_in_the_history(client, users, areas):
    house = HouseFactory(grid=areas["grid_a"])
    organisation = OrganisationFactory(grid=areas["grid_a"])
    with set_actor(users["grid_worker_a"]):
        house_update(
            actor=users["grid_worker_a"],
            house=house,
            is_rented=True,
            landlord_name="房东",
            landlord_phone=LANDLORD_PHONE,
        )
        organisation_update(
            actor=users["grid_worker_a"],
            organisation=organisation,
            liaison_name="联络员",
            liaison_phone=LIAISON_PHONE,
        )
    login(client, users["community_office"])
    for name, record, phone, label in [
        ("houses:detail", house, LANDLORD_PHONE, "landlord&#x27;s phone"),
        ("organisations:detail", organisation, LIAISON_PHONE, "liaison"),
    ]:
        page = client.get(reverse(name, args=[record.pk]), HTTP_ACCEPT_LANGUAGE="en")
        text = page.content.decode()
        history = text[text.index('data-testid="history"') :]
        assert label in history and users["grid_worker_a"].display_name in history
        assert phone not in text and phone[-4:] not in history
    api = api_client(users["community_office"])
    for kind, record, phone in [
        ("house", house, LANDLORD_PHONE),
        ("organisation", organisation, LIAISON_PHONE),
    ]:
        body = api.get(reverse(f"api:{kind}-history", args=[record.pk])).content.decode()
        assert "changes" in body and phone not in body and phone[-4:] not in body


def test_people_outside_the_readers_area_are_not_named(client, users, areas):
    house = HouseFactory(grid=areas["grid_a"])
    outsider = users["other_street_office"]  # neither in nor above community_a
    with set_actor(users["superuser"]):
        house_update(actor=users["superuser"], house=house, address_line="北门")
    with set_actor(users["grid_worker_a"]):
        house_update(actor=users["grid_worker_a"], house=house, address_line="南门")
    history = record_history(user=users["community_office"], obj=house)
    who = [entry.who for entry in history if entry.action == 1]
    assert who == [users["grid_worker_a"].display_name, "someone outside your area"]
    body = (
        api_client(users["community_office"])
        .get(reverse("api:house-history", args=[house.pk]), HTTP_ACCEPT_LANGUAGE="en")
        .json()
    )
    assert users["superuser"].display_name not in str(body)
    assert outsider.display_name not in str(body)


def test_a_records_parts_are_in_its_history(users, areas):
    """A household's moves in and out and an organisation's vital parts change the record."""
    household = HouseholdFactory(house=HouseFactory(grid=areas["grid_a"]))
    household_member_add(
        actor=users["grid_worker_a"],
        household=household,
        resident=ResidentFactory(grid=areas["grid_a"]),
        relationship="other",
    )
    part = VitalPartFactory(organisation=OrganisationFactory(grid=areas["grid_a"]))
    vital_part_update(actor=users["grid_worker_a"], vital_part=part, person_responsible="赵")
    reader = users["community_office"]
    parts = {entry.part for entry in record_history(user=reader, obj=household)}
    assert parts >= {"", "household event"}
    org_history = record_history(user=reader, obj=part.organisation)
    changed = [e for e in org_history if e.part == "vital part" and e.action == 1]
    assert changed and ("person responsible", "王保卫", "赵") in changed[0].changes
    # the part's own history is the part alone
    assert {entry.part for entry in record_history(user=reader, obj=part)} == {""}


def test_the_api_history_is_paginated_newest_first(users, areas):
    house = HouseFactory(grid=areas["grid_a"])
    for n in range(3):
        house_update(actor=users["grid_worker_a"], house=house, address_line=f"门{n}")
    api = api_client(users["street_office"])
    first = api.get(reverse("api:house-history", args=[house.pk]), {"page_size": 2}).json()
    assert [e["action"] for e in first["results"]] == ["update", "update"]
    assert first["results"][0]["changes"][0]["new"] == "门2"
    rest = api.get(first["next"]).json()
    assert [e["action"] for e in rest["results"]] == ["update", "create"]
    assert rest["next"] is None


def _changes(house, users, count: int) -> None:
    for n in range(count):
        actor = UserFactory(role=Role.GRID_WORKER, home_area=house.grid)
        with set_actor(actor):
            house_update(actor=users["superuser"], house=house, address_line=f"{count}-{n}")


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


def test_the_history_costs_a_constant_number_of_queries(client, users, areas):
    short, long = HouseFactory(grid=areas["grid_a"]), HouseFactory(grid=areas["grid_a"])
    _changes(short, users, 1)
    _changes(long, users, 12)
    reader = users["street_office"]
    assert _queries(lambda: record_history(user=reader, obj=short)) == 2
    assert _queries(lambda: record_history(user=reader, obj=long)) == 2
    api = api_client(reader)
    counts = [
        _queries(lambda h=h: api.get(reverse("api:house-history", args=[h.pk])))
        for h in (short, long)
    ]
    assert counts[0] == counts[1]
    login(client, reader)
    pages = [
        _queries(lambda h=h: client.get(reverse("houses:detail", args=[h.pk])))
        for h in (short, long)
    ]
    assert pages[0] == pages[1]


def test_the_demo_shows_a_named_correction_in_every_grids_history(db, settings):
    settings.DEMO_MODE = True
    call_command("load_demo")
    office = User.objects.get(username="office")
    corrected = Organisation.objects.filter(name=DEMO_CORRECTED_ORGANISATION)
    assert corrected.count() == Area.objects.filter(level=AreaLevel.GRID).count()
    organisation = organisation_list(user=office).filter(name=DEMO_CORRECTED_ORGANISATION)[0]
    (update,) = [e for e in record_history(user=office, obj=organisation) if e.action == 1]
    assert update.who != "the system" and "13957100009" not in str(update.changes)
    call_command("load_demo")
    assert len([e for e in record_history(user=office, obj=organisation) if e.action == 1]) == 1
