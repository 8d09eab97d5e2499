"""Journey 3: the footer's language switcher turns the Chinese interface into English and back."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_language_switcher_changes_the_interface(page: Page, live_server, areas, users):
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(page.locator("label[for=id_username]")).to_have_text("用户名")
    expect(page.locator("label[for=id_password]")).to_have_text("密码")

    page.locator("footer select#language").select_option("en")
    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{base}/accounts/login/")
    expect(page.locator("label[for=id_username]")).to_have_text("Username")
    expect(page.locator("label[for=id_password]")).to_have_text("Password")
    expect(page.locator("footer select#language")).to_have_value("en")

    # The choice sticks after signing in, on every page.
    sign_in(page, base, users["street_office"].username)
    expect(html).to_have_attribute("lang", "en")
    page.goto(f"{base}/areas/{areas['grid_a'].pk}/")
    expect(html).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("area-name")).to_contain_text("Grid")

    page.locator("footer select#language").select_option("zh-hans")
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(page.locator("footer select#language")).to_have_value("zh-hans")
