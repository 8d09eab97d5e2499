"""Journey 3: the footer's language switcher turns the Chinese interface into English and back."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_language_switcher_changes_the_interface(page: Page, live_server, areas, users):
    base = live_server.url
    html = page.locator("html")
    switcher = page.locator("footer select#language")
    page.goto(f"{base}/accounts/login/")
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(page.locator("label[for=id_username]")).to_have_text("用户名")
    expect(page.locator("form button[type=submit]")).to_have_text("登录")
    expect(page.locator("footer label[for=language]")).to_have_text("语言")

    switcher.select_option("en")
    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{base}/accounts/login/")
    expect(page.locator("label[for=id_username]")).to_have_text("Username")
    expect(page.locator("form button[type=submit]")).to_have_text("Sign in")
    expect(page.locator("footer label[for=language]")).to_have_text("Language")
    expect(switcher).to_have_value("en")

    # The choice sticks after signing in, on every page.
    sign_in(page, base, users["street_office"].username)
    expect(page.locator("nav.navbar")).to_contain_text("Map")
    page.goto(f"{base}/areas/{areas['grid_a'].pk}/")
    expect(html).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("grid-team")).to_contain_text("Grid team")

    # And back: the same page in Chinese.
    switcher.select_option("zh-hans")
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_url(f"{base}/areas/{areas['grid_a'].pk}/")
    expect(page.get_by_test_id("grid-team")).to_contain_text("网格团队")
    expect(page.locator("nav.navbar")).to_contain_text("地图")
