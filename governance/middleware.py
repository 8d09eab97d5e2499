from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

# What a signed-in user may reach before passing the second factor: signing in and out, the
# check itself, the language switch and static files. The API checks in its permission class.
EXEMPT_URL_NAMES = ("login", "logout", "otp")
EXEMPT_PREFIXES = ("/i18n/", "/api/", "/" + settings.STATIC_URL.lstrip("/"))


class SecondFactorRequiredMiddleware:
    """Administrators and leaders pass a TOTP check before any page; the setting OTP_REQUIRED
    switches this off for the demo."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.exempt_paths = None  # resolved at the first request, once the URLconf is loaded

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.needs_second_factor and not user.is_verified():
            if self.exempt_paths is None:
                self.exempt_paths = {reverse(name) for name in EXEMPT_URL_NAMES}
            if request.path not in self.exempt_paths and not request.path.startswith(
                EXEMPT_PREFIXES
            ):
                return redirect(f"{reverse('otp')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
