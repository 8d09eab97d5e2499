"""A grid worker on a phone opens a resident's page, logs a visit with the phone's location
(granted), and finds it placed in their grid, on the resident's page and in their visits (no
CSP violation on the way: the page fixture)."""

import pytest
from playwright.sync_api import Page, expect

from population.models import Visit
from tests.browser.conftest import sign_in
from tests.factories import ResidentFactory

pytestmark = pytest.mark.browser


def test_a_grid_worker_logs_a_visit_with_the_phones_location(page: Page, live_server, areas, users):
    resident = ResidentFactory(grid=areas["grid_a"], name="陈志强")
    point = areas["grid_a"].geometry.representative_point()
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation({"latitude": point.y, "longitude": point.x, "accuracy": 12})
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server.url, users["grid_worker_a"].username)

    page.goto(f"{live_server.url}/residents/{resident.pk}/")
    page.locator("[data-testid=log-visit]").click()
    expect(page.locator("[data-testid=visit-resident]")).to_contain_text("陈志强")
    state = page.locator("[data-testid=location-state]")
    expect(state).to_have_attribute("data-state", "captured")
    expect(state).to_contain_text("±12 m")
    page.locator("#id_purpose").select_option("special_group_followup")
    page.locator("#id_findings").fill("情绪稳定，暂无困难")
    page.locator("[data-testid=visit-form] button[type=submit]").click()

    expect(page.locator("[data-testid=visit-findings]")).to_have_text("情绪稳定，暂无困难")
    expect(page.locator("[data-testid=visit-location]")).to_contain_text(f"{point.y:.6f}")
    expect(page.locator("[data-testid=outside-grid]")).to_have_count(0)
    visit = Visit.objects.get()
    assert (visit.resident_id, visit.located_grid_id, visit.outside_grid) == (
        resident.pk,
        areas["grid_a"].pk,
        False,
    )
    assert visit.location_accuracy == 12

    page.goto(f"{live_server.url}/residents/{resident.pk}/")
    expect(page.locator("[data-testid=resident-visits] li")).to_have_count(1)
    page.goto(f"{live_server.url}/visits/mine/")
    expect(page.locator("[data-testid=visits]")).to_contain_text("陈志强")


def test_without_the_location_the_visit_is_logged_and_the_page_says_so(
    page: Page, live_server, areas, users
):
    page.set_viewport_size({"width": 390, "height": 844})  # no geolocation permission
    sign_in(page, live_server.url, users["grid_worker_a"].username)
    page.goto(f"{live_server.url}/visits/new/")
    state = page.locator("[data-testid=location-state]")
    expect(state).to_have_attribute("data-state", "unavailable")
    page.locator("#id_subject").fill("3幢2单元502 出租屋")
    page.locator("#id_purpose").select_option("rental_inspection")
    page.locator("[data-testid=visit-form] button[type=submit]").click()
    expect(page.locator("[data-testid=visit-subject]")).to_have_text("3幢2单元502 出租屋")
    visit = Visit.objects.get()
    assert not visit.has_point and visit.grid_id == areas["grid_a"].pk
