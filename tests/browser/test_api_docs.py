"""The API documentation pages render under the Content-Security-Policy (the page fixture
fails on any violation): their scripts come from the portal's own files, not inline."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_swagger_ui_and_redoc_render_the_schema(
    page: Page, live_server, users, expected_csp_violations
):
    # Redoc's "API docs by Redocly" footer loads its logo from the internet: blocked.
    expected_csp_violations.append("https://cdn.redoc.ly/")
    base = live_server.url
    sign_in(page, base, users["street_office"].username)
    page.goto(f"{base}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Grid Governance Portal API")
    page.goto(f"{base}/api/redoc/")
    expect(page.locator("redoc h1").first).to_contain_text("Grid Governance Portal API")
