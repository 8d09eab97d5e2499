"""Real-browser tests: Debian's Chromium driven by Playwright against pytest-django's live
server. The live server answers from its own thread and connection, so the data must be
committed: the fixtures here build the shared district under `transactional_db`."""

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from governance.models import Role, User
from grid.models import Area
from tests.conftest import PASSWORD, district_create
from tests.factories import UserFactory

CHROMIUM = "/usr/bin/chromium"
# Root in a container needs --no-sandbox; the rest keeps Chromium off the (closed) network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000

# Playwright's sync API keeps an event loop running in this thread, and Django refuses database
# work beside a running loop unless told; bin/test says so too, this covers a bare `pytest`.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Browser tests need Debian's Chromium at {CHROMIUM}: `apt-get install chromium` "
            "(Playwright must not download its own browsers).",
            pytrace=False,
        )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    # A browser set up in Chinese, as the portal's users have it.
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 1280, "height": 900}}


# Playwright's init scripts run before the page's own and are not subject to its CSP: this one
# reports every violation the browser sees, in any frame, to the console.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error("CSP violation: " + event.violatedDirective + " blocked "
    + (event.blockedURI || "inline") + " at " + event.sourceFile + ":" + event.lineNumber);
});
"""


def csp_violations(messages: list[str]) -> list[str]:
    # Chromium logs a refusal as "Refused to ... because it violates the following Content
    # Security Policy directive"; the listener above logs "CSP violation: ...".
    return [m for m in messages if "Content Security Policy" in m or "CSP violation" in m]


@pytest.fixture
def expected_csp_violations() -> list[str]:
    """Substrings of violations a test expects: the policy blocking a third-party page's
    request to the internet is the policy working (Redoc's footer logo, say)."""
    return []


@pytest.fixture
def page(page: Page, expected_csp_violations: list[str]) -> Iterator[Page]:
    """Every browser test fails when a page breaks the Content-Security-Policy."""
    page.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    messages: list[str] = []
    page.add_init_script(REPORT_CSP_VIOLATIONS)
    page.on("console", lambda message: messages.append(message.text))
    yield page
    violations = [
        m
        for m in csp_violations(messages)
        if not any(expected in m for expected in expected_csp_violations)
    ]
    if violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations), pytrace=False)


@pytest.fixture
def district(transactional_db, live_server) -> Area:
    """The shared district (tests/conftest.py), committed for the live server. Overriding it
    here puts the shared `areas` and `users` fixtures on top of committed data too."""
    return district_create()


@pytest.fixture
def district_office(district) -> User:
    """Office staff of the district's comprehensive-management office (区综治办)."""
    return UserFactory(username="t_office_d", role=Role.OFFICE_STAFF, home_area=district)


def sign_in(page: Page, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Fill the login form as a person does."""
    page.goto(f"{base_url}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("form button[type=submit]").click()
    expect(page).not_to_have_url(f"{base_url}/accounts/login/")
