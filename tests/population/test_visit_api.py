import datetime

from django.utils import timezone
from rest_framework.test import APIClient

from population.models import Visit, VisitPurpose
from tests.conftest import login
from tests.factories import ResidentFactory
from tests.population.factories import VisitFactory

URL = "/api/v1/visits/"


def session_client(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    login(client, user)
    return client


def point_in(grid) -> dict:
    point = grid.geometry.representative_point()
    return {"latitude": point.y, "longitude": point.x}


def test_a_grid_worker_logs_a_visit_placed_in_their_grid(users, areas):
    """P26: a visit logged through the API."""
    resident = ResidentFactory(grid=areas["grid_a"], name="李秀英")
    client = session_client(users["grid_worker_a"])
    response = client.post(
        URL,
        {
            "resident": resident.pk,
            "purpose": "routine",
            "findings": "无异常",
            **point_in(areas["grid_a"]),
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["grid"], body["worker"], body["resident_name"]) == (
        areas["grid_a"].pk,
        users["grid_worker_a"].pk,
        "李秀英",
    )
    assert body["located_grid"] == areas["grid_a"].pk and body["outside_grid"] is False


def test_a_point_in_a_hidden_grid_is_flagged_without_naming_that_grid(users, areas):
    client = session_client(users["grid_worker_a"])
    response = client.post(
        URL, {"subject": "沿街商铺", **point_in(areas["grid_other_street"])}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["outside_grid"] is True
    assert response.json()["located_grid"] is None  # not in the worker's scope
    leader = session_client(users["leader"])
    seen = leader.get(f"{URL}{response.json()['id']}/").json()
    assert seen["located_grid"] == areas["grid_other_street"].pk


def test_bad_input_is_a_400_naming_the_field_and_saves_nothing(users, areas):
    client = session_client(users["grid_worker_a"])
    cases = [
        ({"subject": "住户", "latitude": 91, "longitude": 120}, "latitude"),
        ({"subject": "住户", "latitude": 30.1}, "longitude"),
        ({"subject": "住户", "purpose": "gossip"}, "purpose"),
        ({"subject": ""}, "subject"),
        ({"subject": "住户", "worker": users["admin"].pk}, "worker"),
        ({"subject": "住户", "visited_at": "2999-01-01T09:00:00+08:00"}, "visited_at"),
        ({"subject": "住户", "latitude": "30.1", "longitude": 120}, "latitude"),
    ]
    for payload, field in cases:
        response = client.post(URL, payload, format="json")
        assert response.status_code == 400, (payload, response.content)
        assert field in response.json(), (payload, response.json())
    assert not Visit.objects.exists()


def test_the_list_filters_by_grid_worker_resident_purpose_dates_and_place(users, areas):
    resident = ResidentFactory(grid=areas["grid_a"])
    now = timezone.now()
    mine = VisitFactory(
        grid=areas["grid_a"],
        worker=users["grid_worker_a"],
        resident=resident,
        purpose=VisitPurpose.SPECIAL_GROUP_FOLLOWUP,
        visited_at=now - datetime.timedelta(days=3),
    )
    other = VisitFactory(grid=areas["grid_b"], worker=users["grid_worker_b"], visited_at=now)
    flagged = VisitFactory(
        grid=areas["grid_b"], worker=users["grid_worker_b"], latitude=10.0, longitude=10.0
    )
    client = session_client(users["street_office"])

    def ids(**query) -> set[int]:
        response = client.get(URL, query)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids() == {mine.pk, other.pk, flagged.pk}
    assert ids(grid=areas["grid_a"].pk) == {mine.pk}
    assert ids(worker=users["grid_worker_b"].pk) == {other.pk, flagged.pk}
    assert ids(resident=resident.pk) == {mine.pk}
    assert ids(purpose="special_group_followup") == {mine.pk}
    three_days_ago = timezone.localdate(mine.visited_at)
    assert ids(visited_from=three_days_ago, visited_to=three_days_ago) == {mine.pk}
    assert ids(visited_from=three_days_ago + datetime.timedelta(days=1)) == {other.pk, flagged.pk}
    assert ids(outside_grid="true") == {flagged.pk}
    assert client.get(URL, {"visited_from": "yesterday"}).status_code == 400
    assert client.get(URL, {"grid": areas["grid_other_street"].pk}).status_code == 400


def test_the_list_pages_by_cursor_latest_first(users, areas):
    now = timezone.now()
    made = [
        VisitFactory(grid=areas["grid_a"], visited_at=now - datetime.timedelta(hours=hours))
        for hours in range(3)
    ]
    client = session_client(users["grid_worker_a"])
    first = client.get(URL, {"page_size": 2}).json()
    second = client.get(first["next"]).json()
    seen = [row["id"] for row in first["results"] + second["results"]]
    assert seen == [visit.pk for visit in made]
    assert second["next"] is None


def test_a_token_client_logs_a_visit_in_its_area_and_not_outside(users, areas, street_token):
    client = APIClient(HTTP_AUTHORIZATION=f"Token {street_token}")
    response = client.post(
        URL, {"grid": areas["grid_b"].pk, "subject": "外部系统登记"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["worker"] == users["api_client"].pk
    hidden = client.post(
        URL, {"grid": areas["grid_other_street"].pk, "subject": "住户"}, format="json"
    )
    assert hidden.status_code == 400 and "grid" in hidden.json()
    assert Visit.objects.count() == 1
