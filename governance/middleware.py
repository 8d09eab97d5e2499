from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

# Paths a signed-in user may reach before passing the second factor.
EXEMPT_PREFIXES = ("/accounts/", "/i18n/", "/api/", "/" + settings.STATIC_URL.lstrip("/"))


class SecondFactorRequiredMiddleware:
    """Administrators and leaders pass a TOTP check before any page (the API checks in its
    permission class); the setting OTP_REQUIRED switches this off for the demo."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and user.needs_second_factor
            and not user.is_verified()
            and not request.path.startswith(EXEMPT_PREFIXES)
        ):
            return redirect(f"{reverse('otp')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
