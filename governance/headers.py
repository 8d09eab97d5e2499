"""Response headers that every answer of the portal carries: what the browser may use
(Permissions-Policy) and what it may keep (Cache-Control)."""

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
