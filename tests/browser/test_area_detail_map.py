"""On an area's page, clicking a sub-area on its map opens that sub-area's page (the link is
built from the route's name, not from a relative path)."""

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.browser.test_area_journey import FIND_OWN_POINT

pytestmark = pytest.mark.browser


def test_clicking_a_grid_on_a_community_page_opens_the_grid(
    page: Page, live_server, areas, district_office
):
    community, grid = areas["community_a"], areas["grid_a"]
    sign_in(page, live_server.url, district_office.username)
    page.goto(f"{live_server.url}/areas/{community.pk}/")
    expect(page.locator("#area-map")).to_have_attribute("data-loaded", re.compile(grid.name))
    shape = page.locator(f"#area-map path[data-name={json.dumps(grid.name, ensure_ascii=False)}]")
    point = shape.evaluate(FIND_OWN_POINT)
    assert point, f"{grid.name} has no visible part on the map"
    page.mouse.click(*point)
    expect(page).to_have_url(re.compile(rf"/areas/{grid.pk}/$"))
