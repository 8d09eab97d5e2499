"""The mediator roster (D20: 人民调解员队伍 and 和谐使者): kept by the offices of an area, named
in the mediation sessions of the cases their area serves."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from disputes.case_services import case_accept, case_mediate
from disputes.mediator_services import mediator_add, mediator_update
from tests.conftest import login
from tests.disputes.factories import CaseFactory, MediatorFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 30)


def test_offices_keep_their_areas_roster_D20(users, areas):
    office = users["community_office"]
    volunteer = mediator_add(
        actor=office, area=areas["community_a"], name=" 王大伯 ", kind="volunteer"
    )
    assert volunteer.name == "王大伯"
    with pytest.raises(PermissionDenied):
        mediator_add(actor=office, area=areas["community_b"], name="李阿姨", kind="volunteer")
    with pytest.raises(PermissionDenied):
        mediator_add(actor=users["grid_worker_a"], area=areas["grid_a"], name="x", kind="peoples")
    with pytest.raises(ValidationError) as refused:
        mediator_add(actor=office, area=areas["community_a"], name="赵", kind="x", phone="123")
    assert set(refused.value.message_dict) == {"kind", "phone"}
    mediator_update(actor=office, mediator=volunteer, active=False)
    volunteer.refresh_from_db()
    assert not volunteer.active


def test_a_session_names_mediators_serving_the_case_area(users, areas):
    case = CaseFactory(grid=areas["grid_a"])
    office = users["community_office"]
    case_accept(actor=office, case=case, measures="调解")
    ours = MediatorFactory(area=areas["community_a"], name="王大伯", kind="volunteer")
    street = MediatorFactory(area=areas["street_a"], name="街道调委会主任")
    elsewhere = MediatorFactory(area=areas["community_b"], name="别处调解员")
    with pytest.raises(ValidationError) as refused:
        case_mediate(
            actor=office, case=case, kind="peoples", held_on=TODAY, outcome="x", roster=[elsewhere]
        )
    assert set(refused.value.message_dict) == {"roster"}
    with pytest.raises(ValidationError) as refused:
        case_mediate(actor=office, case=case, kind="peoples", held_on=TODAY, outcome="x")
    assert set(refused.value.message_dict) == {"mediators"}
    session = case_mediate(
        actor=office,
        case=case,
        kind="peoples",
        held_on=TODAY,
        outcome="达成初步意向",
        roster=[ours, street],
        mediators="律师张某",
    )
    assert set(session.roster.all()) == {ours, street} and session.mediators == "律师张某"


def test_the_roster_page_and_api(client, users, areas):
    MediatorFactory(area=areas["community_b"], name="别处调解员")
    login(client, users["community_office"])
    added = client.post(
        reverse("cases:mediators"),
        {"area": areas["community_a"].pk, "name": "王大伯", "kind": "volunteer", "active": "on"},
    )
    assert added.status_code == 302
    page = client.get(reverse("cases:mediators")).content.decode()
    assert "王大伯" in page and "别处调解员" not in page
    answer = client.get(reverse("api:mediator-list")).json()
    assert [row["name"] for row in answer["results"]] == ["王大伯"]
    bad = client.post(
        reverse("api:mediator-list"),
        {"area": areas["community_b"].pk, "name": "x", "kind": "peoples"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and set(bad.json()) == {"area"}
