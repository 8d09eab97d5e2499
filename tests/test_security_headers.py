"""Headers every answer carries: Content-Security-Policy, Permissions-Policy, and no caching
of what a signed-in user or an API client was shown (issue 6, "Headers and cookies")."""

import gzip
import json
import re
from pathlib import Path

from tests.api.test_tokens import token_client
from tests.conftest import login

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def test_pages_carry_a_policy_without_inline_script(client, users):
    login(client, users["street_office"])
    policy = client.get("/areas/").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


def test_no_template_has_inline_script_event_handlers_or_style_attributes():
    found = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        for pattern in (r"<script(?![^>]*\bsrc=)[^>]*>", r"\son[a-z]+\s*=", r"\sstyle\s*="):
            found += [f"{template.relative_to(TEMPLATES)}: {m}" for m in re.findall(pattern, text)]
    assert found == []


def test_permissions_policy_allows_geolocation_to_the_portal_only(client, users, street_token):
    login(client, users["street_office"])
    for response in (
        client.get("/areas/"),
        client.get("/accounts/login/"),
        token_client(street_token).get("/api/v1/areas/"),
    ):
        policy = response.headers["Permissions-Policy"]
        assert "geolocation=(self)" in policy
        assert "camera=()" in policy and "microphone=()" in policy


def test_signed_in_pages_and_api_answers_are_not_stored(client, users, street_token):
    login(client, users["street_office"])
    for response in (
        client.get("/areas/"),
        client.get("/notifications/"),
        client.get("/api/v1/areas/"),
        token_client(street_token).get("/api/v1/areas/"),
        token_client("ggp_nothere_abc").get("/api/v1/areas/"),  # a 401 too
    ):
        directives = {d.strip() for d in response.headers["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= directives, response.headers["Cache-Control"]


def test_static_files_keep_their_own_caching(settings):
    # WhiteNoise answers static files before the headers middleware runs, so they keep its
    # long-lived caching (the test client does not serve static files to show it).
    order = settings.MIDDLEWARE
    assert order.index("whitenoise.middleware.WhiteNoiseMiddleware") < order.index(
        "governance.headers.PortalHeadersMiddleware"
    )


def test_api_answers_are_gzipped_and_pages_are_not(client, users, street_token, areas):
    login(client, users["street_office"])
    api = token_client(street_token).get(
        "/api/v1/areas/geojson/", {"page_size": 500}, HTTP_ACCEPT_ENCODING="gzip"
    )
    assert api.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(api.content))["type"] == "FeatureCollection"
    # Pages carry the CSRF token and reflect input: never compressed (BREACH).
    page = client.get(f"/areas/{areas['grid_a'].pk}/", HTTP_ACCEPT_ENCODING="gzip")
    assert page.status_code == 200 and "Content-Encoding" not in page.headers


def test_api_pages_that_carry_the_csrf_token_are_not_gzipped(client, users, areas):
    """Under /api/ not everything is JSON: the Swagger UI's script (/api/docs/?script) and
    DRF's browsable pages carry the CSRF token and reflect the query (?lang=), the mix that
    BREACH reads through compression; they stay uncompressed like the portal's pages."""
    login(client, users["street_office"])
    script = client.get("/api/docs/", {"script": "", "lang": "en"}, HTTP_ACCEPT_ENCODING="gzip")
    assert script.status_code == 200 and "X-CSRFTOKEN" in script.content.decode()
    assert "Content-Encoding" not in script.headers
    browsable = client.get("/api/v1/areas/", HTTP_ACCEPT="text/html", HTTP_ACCEPT_ENCODING="gzip")
    assert browsable.status_code == 200 and "csrfToken" in browsable.content.decode()
    assert "Content-Encoding" not in browsable.headers
