"""/api/v1/screenings/: reports listed, filtered and submitted through the API (D2-D4)."""

import datetime

import pytest
from rest_framework.test import APIClient

from disputes.models import DisputeCategory, ScreeningReport
from disputes.screening_services import screening_periods_open
from grid.generation import units_build
from grid.models import Unit, UnitKind
from tests.conftest import login

REPORTS = "/api/v1/screenings/"


def session_client(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    login(client, user)
    return client


@pytest.fixture
def opened(users, areas):
    units_build(district=areas["district"])
    screening_periods_open()
    return Unit.objects.get(area=areas["community_a"], kind=UnitKind.OFFICE)


def test_submit_with_items_and_a_zero_report_then_a_second_time(opened, users, areas):
    """D4 and D8 through the API: items for disputes, zero for public security; the second
    submission is refused with a message and changes nothing."""
    client = session_client(users["community_office"])
    report = ScreeningReport.objects.get(unit=opened, period__cadence="half_monthly")
    payload = {
        "security_zero": True,
        "items": [
            {
                "kind": "dispute",
                "title": "物业费纠纷",
                "grid": areas["grid_a"].pk,
                "category": DisputeCategory.objects.get(code="neighbour").pk,
                "responsible_leader": "李书记",
                "deadline": (datetime.date.today() + datetime.timedelta(days=7)).isoformat(),
                "people_count": 12,
            }
        ],
    }
    response = client.post(f"{REPORTS}{report.pk}/submit/", payload, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "submitted" and body["security_zero"] and not body["disputes_zero"]
    assert [item["title"] for item in body["items"]] == ["物业费纠纷"]
    again = client.post(
        f"{REPORTS}{report.pk}/submit/",
        {"disputes_zero": True, "security_zero": True},
        format="json",
    )
    assert again.status_code == 400
    assert "second submission is refused" in str(again.json())
    report.refresh_from_db()
    assert not report.disputes_zero and report.items.count() == 1


def test_bad_input_is_refused_field_by_field_and_saves_nothing(opened, users, areas):
    client = session_client(users["community_office"])
    report = ScreeningReport.objects.get(unit=opened, period__cadence="half_monthly")
    response = client.post(
        f"{REPORTS}{report.pk}/submit/",
        {"items": [{"kind": "dispute", "title": "无类别", "responsible_leader": "李",
                    "deadline": "2026-13-01"}]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "deadline" in str(response.json())
    response = client.post(f"{REPORTS}{report.pk}/submit/", {"disputes_zero": True}, format="json")
    assert response.status_code == 400
    assert "security_zero" in response.json()
    response = client.post(
        f"{REPORTS}{report.pk}/submit/", {"disputes_zero": True, "what": 1}, format="json"
    )
    assert response.status_code == 400
    report.refresh_from_db()
    assert report.state == "open" and not report.items.exists()


def test_list_filters_by_period_state_and_late_within_scope(opened, users, areas):
    """D3, D9: the street office lists its units' reports; the other street's are hidden."""
    client = session_client(users["street_office"])
    rows = client.get(REPORTS, {"state": "open", "cadence": "half_monthly"}).json()["results"]
    names = {row["unit_name"] for row in rows}
    assert opened.name in names
    assert not any(areas["street_b"].name in name for name in names)
    assert client.get(REPORTS, {"late": "true"}).json()["results"] == []
    assert client.get(REPORTS, {"late": "maybe"}).status_code == 400
    other = ScreeningReport.objects.filter(unit__area__path__startswith=areas["street_b"].path)
    assert client.get(f"{REPORTS}{other.first().pk}/").status_code == 404


def test_department_staff_see_only_their_units_reports(opened, users):
    client = session_client(users["department"])
    rows = client.get(REPORTS).json()["results"]
    assert {row["unit"] for row in rows} == {users["department"].unit_id}


def test_periods_are_read_only_for_everyone(opened, users):
    client = session_client(users["grid_worker_a"])
    periods = client.get("/api/v1/screening-periods/").json()["results"]
    assert {period["cadence"] for period in periods} == {"half_monthly", "monthly"}
    assert client.post("/api/v1/screening-periods/", {}, format="json").status_code == 403
