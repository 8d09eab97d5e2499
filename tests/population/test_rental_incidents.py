"""Incidents at rental houses and the accountability they bring (seed rule P5: 「出租房一旦发生
刑事治安案件,要严肃追究房主责任以及社区、农村负责人的责任」)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from governance.errors import Conflict
from governance.models import Notification
from grid.models import UnitKind
from population.incident_services import rental_accountability_decide, rental_incident_record
from population.models import RentalAccountability, RentalIncident
from tests.conftest import login
from tests.disputes.factories import CaseFactory
from tests.factories import ResidentFactory, UnitFactory
from tests.population.factories import HouseFactory, RentalIncidentFactory

YESTERDAY = datetime.date.today() - datetime.timedelta(days=1)


@pytest.fixture
def rental(areas):
    landlord = ResidentFactory(grid=areas["grid_a"], name="钱房东")
    return HouseFactory(
        grid=areas["grid_a"], is_rented=True, landlord_name="钱房东", landlord_resident=landlord
    )


@pytest.fixture
def community_head(users, areas):
    """The community office names its first responsible person (第一责任人)."""
    UnitFactory(
        area=areas["community_a"],
        kind=UnitKind.OFFICE,
        name="社区综治中心",
        first_responsible=users["community_office"],
    )
    return users["community_office"]


def record(actor, house, **more):
    fields = {"kind": "criminal", "occurred_on": YESTERDAY, "summary": "租户在屋内持刀伤人"}
    return rental_incident_record(actor=actor, house=house, **(fields | more))


def test_an_incident_flags_the_landlord_and_the_community_head_by_name(
    users, areas, rental, community_head
):
    """P5: recording a criminal case at a rental house holds its landlord and the community's
    head to account, named as they stand that day, awaiting the level above's decision."""
    incident = record(users["grid_worker_a"], rental, police_reference="A2026-118")

    flagged = {row.person: row for row in incident.accountability.all()}
    assert flagged["landlord"].name == "钱房东"
    assert flagged["landlord"].resident == rental.landlord_resident
    assert flagged["community_head"].user == community_head
    assert flagged["community_head"].name == community_head.display_name
    assert not any(row.is_decided for row in flagged.values())
    assert incident.recorded_by == users["grid_worker_a"]


def test_the_street_and_district_above_hear_of_it_at_once(users, areas, rental, community_head):
    """P5: the offices and leaders of the street and the district are told; the community's
    own office (whose head is held to account) and the other street are not."""
    incident = record(users["grid_worker_a"], rental)
    told = set(
        Notification.objects.filter(kind="rental_incident").values_list("recipient", flat=True)
    )
    assert {users["street_office"].pk, users["leader"].pk, users["street_leader"].pk} <= told
    assert users["community_office"].pk not in told
    assert users["other_street_office"].pk not in told
    assert Notification.objects.filter(
        url=reverse("houses:incident", kwargs={"pk": incident.pk})
    ).exists()


def test_a_community_office_naming_nobody_leaves_the_head_unnamed(users, rental):
    """The portal warns where a name is missing: the row is kept, with no name."""
    incident = record(users["grid_worker_a"], rental)
    head = incident.accountability.get(person="community_head")
    assert head.name == "" and head.user is None


@pytest.mark.parametrize(
    ("more", "field", "message"),
    [
        (
            {"occurred_on": datetime.date.today() + datetime.timedelta(days=1)},
            "occurred_on",
            "future",
        ),
        ({"summary": "  "}, "summary", "Say what happened"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(users, rental, more, field, message):
    with pytest.raises(ValidationError) as error:
        record(users["grid_worker_a"], rental, **more)
    assert message in " ".join(error.value.message_dict[field])
    assert not RentalIncident.objects.exists()
    assert not RentalAccountability.objects.exists()


def test_a_house_not_let_is_refused_naming_the_house(users, areas):
    house = HouseFactory(grid=areas["grid_a"])
    with pytest.raises(ValidationError) as error:
        record(users["grid_worker_a"], house)
    assert "not marked as rented out" in " ".join(error.value.message_dict["house"])
    assert not RentalIncident.objects.exists()


def test_the_linked_case_lies_in_the_houses_grid(users, areas, rental):
    elsewhere = CaseFactory(grid=areas["grid_b"])
    with pytest.raises(ValidationError) as error:
        record(users["street_office"], rental, case=elsewhere)
    assert "another grid" in " ".join(error.value.message_dict["case"])
    here = CaseFactory(grid=areas["grid_a"])
    assert record(users["street_office"], rental, case=here).case == here


def test_outside_the_actors_area_and_for_leaders_recording_is_refused(users, areas, rental):
    for actor in (users["grid_worker_b"], users["leader"], users["other_street_office"]):
        with pytest.raises(PermissionDenied):
            record(actor, rental)
    assert not RentalIncident.objects.exists()


def test_the_street_decides_each_person_once(users, rental, community_head):
    """P5: the street's office records the finding and sanction; a second decision on the
    same person is a conflict and changes nothing."""
    incident = record(users["grid_worker_a"], rental)
    decided = rental_accountability_decide(
        actor=users["street_office"],
        incident=incident,
        person="landlord",
        finding="未落实出租人治安责任,未登记租户",
        sanction="警告并责令整改",
    )
    assert decided.decided_by == users["street_office"] and decided.decided_at is not None
    with pytest.raises(Conflict):
        rental_accountability_decide(
            actor=users["leader"],
            incident=incident,
            person="landlord",
            finding="x",
            sanction="罚款",
        )
    decided.refresh_from_db()
    assert decided.sanction == "警告并责令整改"
    assert incident.accountability.get(person="community_head").decided_at is None


def test_the_community_and_its_grid_workers_do_not_judge_their_own_head(
    users, rental, community_head
):
    incident = record(users["grid_worker_a"], rental)
    for actor in (users["community_office"], users["grid_worker_a"], users["other_street_office"]):
        with pytest.raises(PermissionDenied) as error:
            rental_accountability_decide(
                actor=actor, incident=incident, person="community_head", finding="x", sanction="无"
            )
        assert "street or district above the community" in str(error.value)
    assert not RentalAccountability.objects.filter(decided_at__isnull=False).exists()


@pytest.mark.parametrize(
    ("person", "finding", "sanction", "field"),
    [
        ("landlord", " ", "警告", "finding"),
        ("landlord", "失职", "", "sanction"),
        ("owner", "x", "y", "person"),
    ],
)
def test_a_decision_needs_its_finding_and_sanction(users, rental, person, finding, sanction, field):
    incident = record(users["grid_worker_a"], rental)
    with pytest.raises(ValidationError) as error:
        rental_accountability_decide(
            actor=users["street_office"],
            incident=incident,
            person=person,
            finding=finding,
            sanction=sanction,
        )
    assert field in error.value.message_dict
    assert not RentalAccountability.objects.filter(decided_at__isnull=False).exists()


# --- API -----------------------------------------------------------------------------------


def test_api_records_lists_and_decides(client, users, areas, rental, community_head):
    login(client, users["street_office"])
    created = client.post(
        "/api/v1/rental-incidents/",
        {
            "house": rental.pk,
            "kind": "public_security",
            "occurred_on": str(YESTERDAY),
            "summary": "聚众赌博",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["open_decisions"] == 2
    assert {row["person"] for row in body["accountability"]} == {"landlord", "community_head"}

    listed = client.get("/api/v1/rental-incidents/?awaiting_decision=true").json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]

    url = f"/api/v1/rental-incidents/{body['id']}/decide/"
    payload = {"person": "community_head", "finding": "已尽责", "sanction": "无"}
    decided = client.post(url, payload, content_type="application/json")
    assert decided.status_code == 200, decided.content
    assert decided.json()["open_decisions"] == 1
    again = client.post(url, payload, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 409
    assert "already decided" in again.json()["detail"]
    assert client.get("/api/v1/rental-incidents/?awaiting_decision=false").json()["results"] == []


def test_api_refusals_name_the_field_or_the_rule(client, users, areas, rental, community_head):
    login(client, users["grid_worker_a"])
    bad = client.post(
        "/api/v1/rental-incidents/",
        {"house": rental.pk, "kind": "theft", "occurred_on": str(YESTERDAY), "summary": "x"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "kind" in bad.json()
    incident = RentalIncidentFactory(house=rental)
    refused = client.post(
        f"/api/v1/rental-incidents/{incident.pk}/decide/",
        {"person": "landlord", "finding": "x", "sanction": "y"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 403
    assert "street or district above the community" in refused.json()["detail"]


# --- Pages ---------------------------------------------------------------------------------


def test_a_grid_worker_records_one_from_the_house_page(client, users, rental, community_head):
    login(client, users["grid_worker_a"])
    page = client.get(reverse("houses:detail", kwargs={"pk": rental.pk}))
    new_url = reverse("houses:incident-new", kwargs={"pk": rental.pk})
    assert new_url in page.content.decode()
    response = client.post(
        new_url,
        {
            "kind": "criminal",
            "occurred_on": str(YESTERDAY),
            "summary": "入室盗窃",
            "police_reference": "",
        },
    )
    incident = RentalIncident.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "houses:incident", kwargs={"pk": incident.pk}
    )
    shown = client.get(reverse("houses:detail", kwargs={"pk": rental.pk})).content.decode()
    assert "钱房东" in shown and reverse("houses:incident", kwargs={"pk": incident.pk}) in shown


def test_a_bad_form_keeps_what_was_typed(client, users, rental):
    login(client, users["grid_worker_a"])
    future = datetime.date.today() + datetime.timedelta(days=3)
    response = client.post(
        reverse("houses:incident-new", kwargs={"pk": rental.pk}),
        {"kind": "criminal", "occurred_on": str(future), "summary": "入室盗窃"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "This date is in the future." in response.content.decode()
    assert "入室盗窃" in response.content.decode()
    assert not RentalIncident.objects.exists()


def test_the_street_office_decides_on_the_page_and_sees_the_waiting_list(
    client, users, rental, community_head
):
    incident = RentalIncidentFactory(house=rental)
    login(client, users["street_office"])
    waiting = client.get(reverse("houses:incidents") + "?awaiting=1").content.decode()
    assert reverse("houses:incident", kwargs={"pk": incident.pk}) in waiting
    url = reverse("houses:incident", kwargs={"pk": incident.pk})
    assert 'data-testid="decide-landlord"' in client.get(url).content.decode()
    response = client.post(
        url, {"person": "landlord", "finding": "未登记租户", "sanction": "罚款500元"}
    )
    assert response.status_code == 302
    landlord = incident.accountability.get(person="landlord")
    assert landlord.sanction == "罚款500元" and landlord.decided_by == users["street_office"]
    missing = client.post(url, {"person": "community_head", "finding": "", "sanction": "无"})
    assert missing.status_code == 200
    assert incident.accountability.get(person="community_head").decided_at is None


def test_the_community_office_reads_but_cannot_decide(client, users, rental, community_head):
    incident = RentalIncidentFactory(house=rental)
    login(client, users["community_office"])
    url = reverse("houses:incident", kwargs={"pk": incident.pk})
    page = client.get(url).content.decode()
    assert "decide-landlord" not in page
    response = client.post(url, {"person": "landlord", "finding": "x", "sanction": "y"})
    assert response.status_code == 403
    assert not RentalAccountability.objects.filter(decided_at__isnull=False).exists()
