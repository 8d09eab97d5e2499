"""The screening pages: wiring over the services (the rules are in test_screening_services)."""

import datetime
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from disputes.models import DisputeCategory, ScreeningHotspot, ScreeningReport
from disputes.screening_services import screening_periods_open
from governance.models import Notification
from grid.generation import units_build
from grid.models import Unit, UnitKind
from tests.conftest import login


def page_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    login(client, user)
    return client


@pytest.fixture
def opened(users, areas):
    units_build(district=areas["district"])
    screening_periods_open()
    unit = Unit.objects.get(area=areas["community_a"], kind=UnitKind.OFFICE)
    return ScreeningReport.objects.get(unit=unit, period__cadence="half_monthly")


def entry(prefix: str, **more) -> dict:
    fields = {
        "kind": "dispute",
        "title": "宅基地纠纷",
        "category": DisputeCategory.objects.get(code="neighbour").pk,
        "severity": "general",
        "people_count": "2",
        "responsible_leader": "赵书记",
        "deadline": (datetime.date.today() + datetime.timedelta(days=5)).isoformat(),
        **more,
    }
    return {f"{prefix}-{name}": value for name, value in fields.items()}


def test_a_grid_worker_adds_an_entry_and_the_office_submits(opened, users, areas):
    """D9: the grid worker's entry lands in the community's report for their grid; the
    office submits it with a zero report for public security (D4)."""
    worker = page_client(users["grid_worker_a"])
    page = worker.get(reverse("screenings:mine"))
    assert page.status_code == 200 and opened.unit.name in page.content.decode()
    response = worker.post(reverse("screenings:item-add", args=[opened.pk]), entry(f"r{opened.pk}"))
    assert response.status_code == 302
    item = opened.items.get()
    assert item.grid == areas["grid_a"]
    # The grid worker neither opens the report page nor submits.
    assert worker.get(reverse("screenings:report", args=[opened.pk])).status_code == 404
    assert worker.post(reverse("screenings:submit", args=[opened.pk])).status_code == 403

    office = page_client(users["community_office"])
    response = office.post(reverse("screenings:submit", args=[opened.pk]), {"security_zero": "on"})
    assert response.status_code == 302
    opened.refresh_from_db()
    assert opened.state == "submitted" and opened.security_zero


def test_a_bad_entry_is_shown_again_with_its_errors(opened, users):
    office = page_client(users["community_office"])
    response = office.post(
        reverse("screenings:item-add", args=[opened.pk]),
        entry(f"r{opened.pk}", responsible_leader="", title="保留的标题"),
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "保留的标题" in body and "This field is required." in body
    assert not opened.items.exists()


def test_a_submission_without_an_answer_says_what_is_missing(opened, users):
    office = page_client(users["community_office"])
    response = office.post(reverse("screenings:submit", args=[opened.pk]), follow=True)
    assert "submit a zero report" in response.content.decode()
    opened.refresh_from_db()
    assert opened.state == "open"


def test_the_overview_and_the_ledger_export(opened, users, areas):
    """D7 (the ledger exports to XLSX, scoped) and D9 (the roll-up)."""
    office = page_client(users["community_office"])
    office.post(
        reverse("screenings:submit", args=[opened.pk]),
        {"disputes_zero": "on", "security_zero": "on"},
    )
    street = page_client(users["street_office"])
    page = street.get(reverse("screenings:overview"))
    assert page.status_code == 200
    assert areas["community_a"].name in page.content.decode()
    response = street.get(reverse("screenings:ledger-export"), {"period": opened.period_id})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    units = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert opened.unit.name in units
    assert not any(areas["street_b"].name in name for name in units)
    assert street.get(reverse("screenings:ledger")).status_code == 200


def test_office_staff_flag_and_lift_a_hotspot(opened, users, areas):
    """D6: by hand, on the hotspot page; leaders see the list and cannot flag."""
    office = page_client(users["street_office"])
    response = office.post(
        reverse("screenings:hotspots"), {"area": areas["community_b"].pk, "reason": "纠纷多发"}
    )
    assert response.status_code == 302
    hotspot = ScreeningHotspot.objects.get()
    again = office.post(
        reverse("screenings:hotspots"), {"area": areas["community_b"].pk, "reason": "再次"}
    )
    assert again.status_code == 400 and "already flagged" in again.content.decode()
    leader = page_client(users["street_leader"])
    assert leader.post(reverse("screenings:hotspots"), {}).status_code == 403
    office.post(reverse("screenings:hotspot-lift", args=[hotspot.pk]))
    hotspot.refresh_from_db()
    assert hotspot.lifted_at is not None


def test_a_major_problem_is_reported_on_its_page(opened, users):
    """D5 on the page: the street office is told at once."""
    worker = page_client(users["grid_worker_a"])
    fields = entry("x", severity="major")
    response = worker.post(
        reverse("screenings:major"),
        {"unit": opened.unit_id, **{k.removeprefix("x-"): v for k, v in fields.items()}},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    item = opened.items.get()
    assert item.immediate
    assert Notification.objects.filter(
        kind="screening_immediate", recipient=users["street_office"]
    ).exists()
