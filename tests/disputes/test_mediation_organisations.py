"""The register of mediation organisations (D19: 行业性、专业性调解组织; 人民调解室、平和司法室、
警民联调室、行政调解室; 一站一室三中心五联调): kind, host unit, categories handled, venue; cases
are routed to them by area and category; mediators belong to one."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from disputes.case_selectors import mediation_organisations_routed
from disputes.case_services import case_accept, case_mediate
from disputes.mediator_services import (
    mediation_organisation_add,
    mediation_organisation_update,
    mediator_add,
    mediator_update,
)
from disputes.models import DisputeCategory
from grid.models import UnitKind
from tests.conftest import login
from tests.disputes.factories import CaseFactory, MediationOrganisationFactory, MediatorFactory
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 30)


def category(code: str) -> DisputeCategory:
    return DisputeCategory.objects.get(code=code)


def test_offices_register_organisations_with_their_categories_D19(users, areas):
    office = users["street_office"]
    justice = UnitFactory(area=areas["street_a"], kind=UnitKind.DEPARTMENT, name="街道司法所")
    room = mediation_organisation_add(
        actor=office,
        area=areas["street_a"],
        name=" 劳动争议调解室 ",
        kind="administrative_room",
        host_unit=justice,
        categories=[category("labour")],
        venue="街道办事处一楼",
    )
    assert room.name == "劳动争议调解室"
    assert list(room.categories.values_list("code", flat=True)) == ["labour"]
    with pytest.raises(PermissionDenied):
        mediation_organisation_add(
            actor=office, area=areas["street_b"], name="别处调解室", kind="peoples_room"
        )
    with pytest.raises(PermissionDenied):
        mediation_organisation_add(
            actor=users["grid_worker_a"], area=areas["grid_a"], name="x", kind="peoples_room"
        )
    elsewhere = UnitFactory(area=areas["street_b"], kind=UnitKind.DEPARTMENT, name="别处司法所")
    with pytest.raises(ValidationError) as refused:
        mediation_organisation_add(
            actor=office,
            area=areas["street_a"],
            name="警民联调室",
            kind="police_joint_room",
            host_unit=elsewhere,
        )
    assert set(refused.value.message_dict) == {"host_unit"}
    with pytest.raises(ValidationError) as refused:
        mediation_organisation_add(actor=office, area=areas["street_a"], name="x", kind="club")
    assert set(refused.value.message_dict) == {"kind"}
    mediation_organisation_update(actor=office, organisation=room, active=False, categories=[])
    room.refresh_from_db()
    assert not room.active and not room.categories.exists()


def test_mediators_belong_to_one_organisation_of_their_area_D19(users, areas):
    office = users["street_office"]
    committee = MediationOrganisationFactory(area=areas["street_a"], name="街道人民调解委员会")
    member = mediator_add(
        actor=office,
        area=areas["community_a"],
        name="王大伯",
        kind="peoples",
        mediation_organisation=committee,
    )
    assert list(committee.members.all()) == [member]
    other = MediationOrganisationFactory(area=areas["community_b"], name="别的社区调解室")
    with pytest.raises(ValidationError) as refused:
        mediator_update(actor=office, mediator=member, mediation_organisation=other)
    assert "another area's roster" in " ".join(refused.value.message_dict["mediation_organisation"])
    # The organisation cannot move away from its members.
    with pytest.raises(ValidationError) as refused:
        mediation_organisation_update(
            actor=users["admin"],
            organisation=committee,
            area=areas["street_b"],
        )
    assert "王大伯" in " ".join(refused.value.message_dict["area"])


def test_a_case_is_routed_by_area_and_category_specialised_first_D19(users, areas):
    case = CaseFactory(grid=areas["grid_a"], category=category("labour"))
    district_labour = MediationOrganisationFactory(
        area=areas["district"],
        name="区劳动争议调解中心",
        kind="centre",
        categories=[category("labour")],
    )
    street_general = MediationOrganisationFactory(area=areas["street_a"], name="街道人民调解委员会")
    community_general = MediationOrganisationFactory(
        area=areas["community_a"], name="社区人民调解室", kind="peoples_room"
    )
    MediationOrganisationFactory(
        area=areas["district"],
        name="区医患纠纷调解委员会",
        kind="professional",
        categories=[category("medical")],
    )
    MediationOrganisationFactory(area=areas["street_b"], name="别的街道调委会")
    MediationOrganisationFactory(area=areas["street_a"], name="已撤销调解室", active=False)

    routed = list(mediation_organisations_routed(case=case))
    assert routed == [district_labour, community_general, street_general]
    assert [each.specialised for each in routed] == [True, False, False]


def test_a_session_is_held_by_an_organisation_the_case_is_routed_to_D19(users, areas):
    case = CaseFactory(grid=areas["grid_a"], category=category("neighbour"))
    office = users["community_office"]
    case_accept(actor=office, case=case, measures="调解")
    medical = MediationOrganisationFactory(
        area=areas["district"], name="区医患纠纷调解委员会", categories=[category("medical")]
    )
    room = MediationOrganisationFactory(area=areas["community_a"], name="社区人民调解室")
    with pytest.raises(ValidationError) as refused:
        case_mediate(
            actor=office,
            case=case,
            kind="peoples",
            held_on=TODAY,
            outcome="x",
            mediators="张",
            organisation=medical,
        )
    assert "does not mediate 邻里纠纷 disputes" in " ".join(
        refused.value.message_dict["organisation"]
    )
    assert not case.mediations.exists()
    session = case_mediate(
        actor=office,
        case=case,
        kind="peoples",
        held_on=TODAY,
        outcome="达成初步意向",
        mediators="张",
        organisation=room,
    )
    assert session.organisation == room


def test_the_register_pages_and_the_case_page(client, users, areas):
    MediationOrganisationFactory(area=areas["street_b"], name="别的街道调委会")
    login(client, users["street_office"])
    added = client.post(
        reverse("cases:mediation-organisations"),
        {
            "area": areas["street_a"].pk,
            "name": "交通事故损害赔偿纠纷调处中心",
            "kind": "centre",
            "categories": [category("traffic_accident").pk],
            "venue": "交警大队一楼",
            "active": "on",
        },
    )
    assert added.status_code == 302
    page = client.get(reverse("cases:mediation-organisations")).content.decode()
    assert "交通事故损害赔偿纠纷调处中心" in page and "别的街道调委会" not in page
    filtered = client.get(reverse("cases:mediation-organisations") + "?category=labour")
    assert "交通事故损害赔偿纠纷调处中心" not in filtered.content.decode()
    bad = client.post(reverse("cases:mediation-organisations"), {"area": areas["street_a"].pk})
    assert bad.status_code == 400

    case = CaseFactory(grid=areas["grid_a"], category=category("traffic_accident"))
    shown = client.get(reverse("cases:detail", kwargs={"pk": case.pk})).content.decode()
    assert 'data-testid="routed"' in shown and "交通事故损害赔偿纠纷调处中心" in shown


def test_the_register_api(client, users, areas):
    login(client, users["street_office"])
    url = reverse("api:mediation-organisation-list")
    created = client.post(
        url,
        {
            "area": areas["street_a"].pk,
            "name": "平和司法室",
            "kind": "peace_justice_room",
            "categories": ["family", "neighbour"],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert sorted(created.json()["categories"]) == ["family", "neighbour"]
    assert created.json()["member_count"] == 0
    MediatorFactory(
        area=areas["community_a"], mediation_organisation_id=created.json()["id"], name="李阿姨"
    )
    listed = client.get(url + "?category=family").json()["results"]
    assert [(row["name"], row["member_count"]) for row in listed] == [("平和司法室", 1)]
    assert client.get(url + "?category=labour").json()["results"] == []
    members = client.get(
        reverse("api:mediator-list") + f"?mediation_organisation={created.json()['id']}"
    ).json()["results"]
    assert [row["name"] for row in members] == ["李阿姨"]
    bad = client.post(
        url,
        {"area": areas["street_b"].pk, "name": "x", "kind": "peoples_room", "categories": ["nope"]},
        content_type="application/json",
    )
    assert bad.status_code == 400 and set(bad.json()) == {"area", "categories"}
