"""A grid worker on a phone registers a resident through the form, finds them again by the
full ID number, and sees the number masked (no CSP violation on the way: the page fixture)."""

import datetime

import pytest
from playwright.sync_api import Page, expect

from population.identities import id_number_make
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

NUMBER = id_number_make(born=datetime.date(1980, 5, 9), serial=41)


def test_a_grid_worker_registers_and_finds_a_resident_on_a_phone(
    page: Page, live_server, areas, users
):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server.url, users["grid_worker_a"].username)
    page.goto(f"{live_server.url}/residents/new/")
    page.locator("#id_name").fill("赵磊")
    page.locator("#id_id_number").fill(NUMBER)
    page.locator("#id_phone").fill("13912345678")
    page.locator("[data-testid=resident-form] button[type=submit]").click()
    expect(page.locator("[data-testid=resident-name]")).to_contain_text("赵磊")
    expect(page.locator("[data-testid=id-number]")).to_have_text(NUMBER[0] + "*" * 16 + NUMBER[-1])

    page.goto(f"{live_server.url}/residents/")
    page.locator("input[name=q]").fill(NUMBER)
    page.locator("form[role=search] button").click()
    expect(page.locator("[data-testid=residents] li")).to_have_count(1)
    expect(page.locator("[data-testid=residents]")).to_contain_text("赵磊")
    assert NUMBER not in page.url  # the search is posted, not put in the address
