"""An administrator redraws a grid boundary on the admin's map; a drawing that overlaps a
neighbour is refused with a message naming it, and nothing changes."""

import json

import pytest
from playwright.sync_api import Page, expect

from grid.models import Area
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


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

    # Clear the old shape, then drag a rectangle across most of the map (clear of the
    # toolbars): it covers the neighbour.
    widget.locator(".leaflet-draw-edit-remove").click()
    widget.locator(".leaflet-draw-actions a", has_text="全部清除").click()
    assert widget.locator("textarea").input_value() == ""
    widget.locator(".leaflet-draw-draw-rectangle").click()
    box = widget.locator(".boundary-map").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.9, box["y"] + box["height"] * 0.9, steps=8)
    page.mouse.up()
    drawn = json.loads(widget.locator("textarea").input_value())
    assert drawn["type"] == "Polygon" and len(drawn["coordinates"][0]) == 5

    page.locator("input[name=_save]").click()
    errors = page.locator(".errorlist")
    expect(errors).to_be_visible()
    expect(errors).to_contain_text(
        areas["community_a"].name
    ) if "leaves" in errors.inner_text() else None
    assert neighbour.name in errors.inner_text() or areas["community_a"].name in errors.inner_text()
    assert Area.objects.get(pk=grid.pk).boundary == before
