"""An administrator redraws a grid boundary on the admin's map; a drawing that overlaps a
neighbour is refused with a message naming it, and nothing changes."""

import json

import pytest
from playwright.sync_api import Page, expect

from grid.models import Area
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

# A screen point well inside the path's outline: it and the corners of a 16-pixel square
# around it all lie in the shape (reference shapes are unfilled, so hit-testing would miss).
FIND_INNER_POINT = """(path) => {
    const box = path.getBoundingClientRect();
    const cx = box.left + box.width / 2, cy = box.top + box.height / 2;
    const toSvg = path.getScreenCTM().inverse();
    const on = (x, y) => path.isPointInFill(new DOMPoint(x, y).matrixTransform(toSvg));
    const candidates = [];
    for (let i = 1; i < 30; i++) for (let j = 1; j < 30; j++) {
        const x = box.left + box.width * i / 30, y = box.top + box.height * j / 30;
        candidates.push([Math.hypot(x - cx, y - cy), x, y]);
    }
    candidates.sort((a, b) => a[0] - b[0]);
    for (const [, x, y] of candidates) {
        if (on(x, y) && on(x - 8, y - 8) && on(x + 8, y + 8) && on(x - 8, y + 8) && on(x + 8, y - 8)) return [x, y];
    }
    return null;
}"""


def test_a_drawn_boundary_that_overlaps_a_neighbour_is_refused(
    page: Page, live_server, areas, users, settings
):
    settings.OTP_REQUIRED = False  # the second factor has its own journey
    base, grid, neighbour = live_server.url, areas["grid_a"], areas["grid_b"]
    before = Area.objects.get(pk=grid.pk).boundary

    sign_in(page, base, users["admin"].username)
    page.goto(f"{base}/admin/grid/area/{grid.pk}/change/")
    widget = page.locator(".boundary-widget")
    expect(widget.locator(".leaflet-draw-draw-rectangle")).to_be_visible()
    expect(widget.locator("path.leaflet-interactive")).not_to_have_count(0)

    # Clear the old shape, then drag a small rectangle inside the neighbour's shape: it stays
    # inside the community, so the one rule it breaks is the overlap.
    widget.locator(".leaflet-draw-edit-remove").click()
    widget.locator(".leaflet-draw-actions a", has_text="全部清除").click()
    assert widget.locator("textarea").input_value() == ""
    widget.locator(".leaflet-draw-draw-rectangle").click()
    x, y = widget.locator(f'path[data-name="{neighbour.name}"]').evaluate(FIND_INNER_POINT)
    page.mouse.move(x - 6, y - 6)
    page.mouse.down()
    page.mouse.move(x + 6, y + 6, steps=4)
    page.mouse.up()
    drawn = json.loads(widget.locator("textarea").input_value())
    assert drawn["type"] == "Polygon" and len(drawn["coordinates"][0]) == 5

    page.locator("input[name=_save]").click()
    errors = page.locator(".errorlist")
    expect(errors).to_contain_text(neighbour.name)
    assert Area.objects.get(pk=grid.pk).boundary == before
