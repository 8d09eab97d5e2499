"""Journey 1: office staff and a grid worker sign in, walk the area tree, drill down the map
to a grid and open its page: name, boundary map, team with masked phone numbers."""

import json
import re

import pytest
from playwright.sync_api import Locator, Page, expect

from grid.models import Area, GridTeamMember
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

FULL_MOBILE_NUMBER = re.compile(r"(?<!\d)1\d{10}(?!\d)")
MASKED_MOBILE_NUMBER = re.compile(r"^1\d{2}\*{4}\d{4}$")


def names(parent: Area) -> str:
    """What the drill-down map reports as shown when it draws the children of `parent`."""
    return "|".join(
        Area.objects.filter(parent=parent).order_by("code").values_list("name", flat=True)
    )


def polygon(page: Page, area: Area) -> Locator:
    """The area's shape on the drill-down map (the JS names each path after its area)."""
    return page.locator(f"#drill-map path[data-name={json.dumps(area.name, ensure_ascii=False)}]")


# A screen point where the path itself is on top: shapes are not convex, so the centre of
# a path's bounding box (where Playwright clicks) may lie on a neighbour.
FIND_OWN_POINT = """(path) => {
    const box = path.getBoundingClientRect();
    const view = path.closest(".leaflet-container").getBoundingClientRect();
    const left = Math.max(box.left, view.left), right = Math.min(box.right, view.right);
    const top = Math.max(box.top, view.top), bottom = Math.min(box.bottom, view.bottom);
    for (let i = 1; i < 24; i++) {
        for (let j = 1; j < 24; j++) {
            const x = left + (right - left) * i / 24, y = top + (bottom - top) * j / 24;
            if (document.elementFromPoint(x, y) === path) return [x, y];
        }
    }
    return null;
}"""


def click_shape(page: Page, area: Area) -> None:
    """Click the area where a person would: on a visible part of its own shape."""
    point = polygon(page, area).evaluate(FIND_OWN_POINT)
    assert point, f"{area.name} has no visible, clickable part on the map"
    page.mouse.click(*point)


def drill_into(page: Page, area: Area) -> None:
    """Click the area's polygon on the map and wait until its sub-areas are drawn."""
    click_shape(page, area)
    expect(page.locator("#drill-map")).to_have_attribute("data-loaded", names(area))


def open_grid_from_map(page: Page, grid: Area) -> None:
    click_shape(page, grid)
    popup = page.locator("#drill-map .leaflet-popup")
    expect(popup).to_contain_text(grid.name)
    # The popup pans the map to show itself: a click during that pan can land beside the link.
    pane = page.locator("#drill-map .leaflet-map-pane")
    expect(pane).not_to_have_class(re.compile(r"\bleaflet-pan-anim\b"))
    popup.locator("[data-testid=open-grid]").click()
    expect(page).to_have_url(re.compile(rf"/areas/{grid.pk}/$"))


def assert_drawn(page: Page, map_selector: str) -> None:
    """The map has its height (a stylesheet once collapsed it to its border) and its shapes
    are drawn at a readable size, not squeezed into a point."""
    expect(page.locator(map_selector)).not_to_have_class(re.compile(r"\bleaflet-zoom-anim\b"))
    map_box = page.locator(map_selector).bounding_box()
    assert map_box and map_box["height"] > 300, map_box
    for shape in page.locator(f"{map_selector} path.leaflet-interactive").all():
        box = shape.bounding_box()
        assert box and box["width"] > 50 and box["height"] > 50, box


def check_grid_page(page: Page, grid: Area) -> None:
    expect(page.get_by_test_id("area-name")).to_contain_text(grid.name)
    # The boundary is drawn once the page's map has loaded (a grid has no sub-areas).
    expect(page.locator("#area-map")).to_have_attribute("data-loaded", "")
    expect(page.locator("#area-map path.leaflet-interactive")).to_have_count(1)
    assert_drawn(page, "#area-map")

    members = list(GridTeamMember.objects.filter(grid=grid))
    assert members, "the generated district gives every grid a team"
    team = page.get_by_test_id("grid-team")
    rows = team.locator("li.list-group-item")
    expect(rows).to_have_count(len(members))
    for member in members:
        expect(team).to_contain_text(member.name)
        expect(team).to_contain_text(member.phone_masked)
    for phone in team.locator(".font-monospace").all_inner_texts():
        assert MASKED_MOBILE_NUMBER.match(phone), phone
    html = page.content()
    assert not FULL_MOBILE_NUMBER.search(html), FULL_MOBILE_NUMBER.search(html).group()
    for member in members:
        assert member.phone not in html


def test_district_office_tree_map_and_grid_page(
    page: Page, live_server, areas, district_office, tmp_path
):
    base = live_server.url
    district, street_a, community_a, grid_a = (
        areas["district"],
        areas["street_a"],
        areas["community_a"],
        areas["grid_a"],
    )

    # The login form speaks Chinese by default.
    page.goto(f"{base}/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("label[for=id_username]")).to_have_text("用户名")
    expect(page.locator("form button[type=submit]")).to_have_text("登录")
    sign_in(page, base, district_office.username)
    expect(page).to_have_url(f"{base}/")
    expect(page.locator("main")).to_contain_text(district.name)

    # The tree: opening a node loads its children (htmx), and theirs in turn.
    page.goto(f"{base}/areas/")
    tree = page.get_by_test_id("area-tree")
    expect(tree).to_contain_text(district.name)
    expect(tree).not_to_contain_text(street_a.name)
    tree.locator("summary", has_text=district.name).locator(".badge").click()
    expect(tree).to_contain_text(street_a.name)
    expect(tree).to_contain_text(areas["street_b"].name)
    tree.locator("summary", has_text=street_a.name).locator(".badge").click()
    expect(tree).to_contain_text(community_a.name)
    expect(tree).to_contain_text(areas["community_b"].name)
    tree.get_by_role("link", name=community_a.name, exact=True).click()
    expect(page.get_by_test_id("area-name")).to_contain_text(community_a.name)

    # The map: district > street > community > grid, then the grid's page.
    page.goto(f"{base}/areas/map/")
    drill = page.locator("#drill-map")
    expect(drill).to_have_attribute("data-loaded", district.name)
    drill_into(page, district)
    drill_into(page, street_a)
    expect(page.get_by_test_id("map-trail")).to_contain_text(street_a.name)
    drill_into(page, community_a)
    expect(drill.locator("path[data-name]")).to_have_count(2)
    assert_drawn(page, "#drill-map")
    open_grid_from_map(page, grid_a)
    check_grid_page(page, grid_a)
    page.screenshot(path=tmp_path / "grid_page.png", full_page=True)  # to look at by hand


def test_street_office_map_starts_at_its_street(page: Page, live_server, areas, users):
    """Office staff of a street see their street, not the district or the sibling street; they
    can go back up; names are shown as text, never read as markup."""
    base = live_server.url
    grid = Area.objects.filter(parent=areas["community_b"]).order_by("code").last()
    Area.objects.filter(pk=grid.pk).update(name='<img src=x onerror="window.injected=1">网格')
    grid.refresh_from_db()

    sign_in(page, base, users["street_office"].username)
    page.goto(f"{base}/areas/map/")
    drill = page.locator("#drill-map")
    expect(drill).to_have_attribute("data-loaded", areas["street_a"].name)
    drill_into(page, areas["street_a"])
    drill_into(page, areas["community_a"])
    page.locator("#map-up").click()
    expect(drill).to_have_attribute("data-loaded", names(areas["street_a"]))
    drill_into(page, areas["community_b"])
    expect(drill.locator(".area-label", has_text=grid.name)).to_be_visible()
    open_grid_from_map(page, grid)
    check_grid_page(page, grid)
    assert page.evaluate("window.injected") is None


def test_grid_worker_sees_only_their_own_grid(page: Page, live_server, areas, users):
    base = live_server.url
    grid_a = areas["grid_a"]
    sign_in(page, base, users["grid_worker_a"].username)

    page.goto(f"{base}/areas/")
    tree = page.get_by_test_id("area-tree")
    expect(tree.locator("li.area-node")).to_have_count(1)
    expect(tree).to_contain_text(grid_a.name)

    page.goto(f"{base}/areas/map/")
    drill = page.locator("#drill-map")
    expect(drill).to_have_attribute("data-loaded", grid_a.name)
    expect(drill.locator("path[data-name]")).to_have_count(1)
    open_grid_from_map(page, grid_a)
    check_grid_page(page, grid_a)

    # The neighbouring grid's page does not exist for them.
    response = page.goto(f"{base}/areas/{areas['grid_b'].pk}/")
    assert response.status == 404
