"""Response headers that every answer of the portal carries: what the browser may use
(Permissions-Policy) and what it may keep (Cache-Control); and which answers are compressed."""

from django.middleware.gzip import GZipMiddleware
from django.utils.cache import patch_cache_control

# The portal's own pages may ask for the position (a grid worker places a visit on the map);
# no embedded frame may, and nothing may use the camera, microphone and the like.
PERMISSIONS_POLICY = ", ".join(
    [
        "geolocation=(self)",
        *(
            f"{feature}=()"
            for feature in (
                "camera",
                "microphone",
                "payment",
                "usb",
                "serial",
                "bluetooth",
                "magnetometer",
                "gyroscope",
                "accelerometer",
                "display-capture",
                "browsing-topics",
            )
        ),
    ]
)
API_PREFIX = "/api/"
# What is compressed under /api/: the answers and the schema (YAML or JSON), none of which
# carries the CSRF token.
JSON_TYPES = ("application/json", "application/geo+json", "application/vnd.oai.openapi")


class PortalHeadersMiddleware:
    """Permissions-Policy on every answer; `Cache-Control: private, no-store` on every answer
    to a signed-in user and every API answer, so that no shared cache, and no browser history
    after sign-out, keeps personal data. An answer that set its own Cache-Control (the
    revalidated GeoJSON map) keeps it. Static files never reach this middleware: WhiteNoise,
    above it, answers them with its own long-lived caching."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if "Cache-Control" not in response.headers and (
            request.path.startswith(API_PREFIX)
            or getattr(request, "user", None) is not None
            and request.user.is_authenticated
        ):
            patch_cache_control(response, private=True, no_store=True)
        return response


class ApiGZipMiddleware(GZipMiddleware):
    """Gzip for API answers only (the deployment has no compressing proxy: gunicorn answers).

    BREACH: an attacker who can make a victim's browser send requests and who sees the
    compressed sizes can recover a secret in a body that also reflects the attacker's input.
    Pages carry the CSRF token (forms, htmx headers) and reflect input (search terms, form
    values), so they stay uncompressed, and so do the HTML and JavaScript under /api/ (the
    docs' script, DRF's browsable pages: see process_response). JSON answers carry no CSRF
    token, session key or API key (a key is shown once, on an admin page), so compressing them
    gives nothing away; they are also the big ones (a locate batch 1.3 MB, a map page 1.1 MB).
    Static files come compressed from WhiteNoise; the whole-map GeoJSON is stored gzipped and marked so (then left alone)."""

    def process_response(self, request, response):
        # JSON (and the schema) only: under /api/ the Swagger UI's script (/api/docs/?script) and
        # DRF's browsable pages are HTML and JavaScript that carry the CSRF token and reflect
        # the query.
        content_type = response.headers.get("Content-Type", "")
        if not request.path.startswith(API_PREFIX) or not content_type.startswith(JSON_TYPES):
            return response
        return super().process_response(request, response)
