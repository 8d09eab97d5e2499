"""Journey 2: a leader's role needs a TOTP second factor (OTP_REQUIRED=1 in tests/settings.py):
enrol with the key the page shows, then reach the home page; a wrong code is refused."""

import base64
import re

import pytest
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

STEP = 30  # seconds, django-otp's TOTPDevice default


def code(key: str, offset: int = 0) -> str:
    """The 6 digits an authenticator app shows for this base32 key (`offset` steps away)."""
    return f"{totp(base64.b32decode(key), step=STEP, drift=offset):06d}"


def start_enrolment(page: Page, base: str, username: str) -> str:
    sign_in(page, base, username)
    expect(page).to_have_url(re.compile(r"/accounts/otp/\?next=%2F$"))
    secret = page.get_by_test_id("otp-secret")
    expect(secret).to_have_text(re.compile(r"^[A-Z2-7]+=*$"))
    expect(page.locator(".otp-qr svg")).to_be_visible()
    return secret.inner_text()


def test_leader_enrols_totp_and_reaches_home(page: Page, live_server, areas, users):
    base = live_server.url
    key = start_enrolment(page, base, users["leader"].username)

    # Pages stay closed until the second factor is passed.
    page.goto(f"{base}/areas/")
    expect(page).to_have_url(re.compile(r"/accounts/otp/\?next=%2Fareas%2F$"))
    assert page.get_by_test_id("otp-secret").inner_text() == key

    page.locator("#id_token").fill(code(key))
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/areas/")
    expect(page.get_by_test_id("area-tree")).to_contain_text(areas["district"].name)
    page.goto(f"{base}/")
    expect(page.locator("main")).to_contain_text(areas["district"].name)


def test_wrong_code_is_refused(page: Page, live_server, users):
    base = live_server.url
    key = start_enrolment(page, base, users["leader"].username)

    # A code no window around now accepts (the device tolerates one step of drift).
    accepted = {code(key, offset) for offset in (-1, 0, 1, 2)}
    wrong = next(c for c in (f"{n:06d}" for n in range(0, 10**6, 7919)) if c not in accepted)
    page.locator("#id_token").fill(wrong)
    page.locator("form button[type=submit]").click()

    expect(page.locator("#id_token")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator(".invalid-feedback")).to_have_text(
        "验证码错误或已过期，请输入当前显示的验证码。"
    )
    expect(page).to_have_url(re.compile(r"/accounts/otp/"))
    # Still enrolling, still locked out of the pages.
    expect(page.get_by_test_id("otp-secret")).to_have_text(key)
    page.goto(f"{base}/")
    expect(page).to_have_url(re.compile(r"/accounts/otp/\?next=%2F$"))
