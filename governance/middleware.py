import logging
import re
from urllib.parse import unquote, unquote_to_bytes, urlencode

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

logger = logging.getLogger("django.security.NulCharacter")

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


# A NUL cannot be stored in a PostgreSQL text value: psycopg refuses it with a ValueError, which
# surfaced as a 500 from whichever query met it first (a filter, a search, a token lookup).
# JSON writes one as the escape \u0000; an odd number of backslashes before "u0000" means the
# last one starts that escape (an even number is escaped backslashes followed by text).
_JSON_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def request_carries_nul(request: HttpRequest) -> bool:
    """Whether any input of the request decodes to a NUL: path, query string, headers and
    cookies, form fields and file names, or a raw or JSON body. File contents are not
    input text (a spreadsheet is full of NULs) and are not looked at."""
    if "\x00" in request.path_info or "\x00" in unquote(request.META.get("QUERY_STRING", "")):
        return True
    if any(
        "\x00" in value
        for key, value in request.META.items()
        if (key.startswith("HTTP_") or key == "CONTENT_TYPE") and isinstance(value, str)
    ):
        return True
    if any("\x00" in name or "\x00" in value for name, value in request.COOKIES.items()):
        return True
    if request.content_type == "multipart/form-data":
        if request.path_info.startswith("/api/"):
            return False  # the API takes JSON only: DRF answers 415 without reading this body
        # Django parses (and streams files to disk) only for POST; nothing reads the fields of
        # another method's multipart body.
        return any(
            "\x00" in name or any("\x00" in value for value in values)
            for name, values in request.POST.lists()
        ) or any(
            "\x00" in name or "\x00" in (upload.name or "")
            for name, uploads in request.FILES.lists()
            for upload in uploads
        )
    body = request.body
    if request.content_type == "application/x-www-form-urlencoded":
        return b"\x00" in unquote_to_bytes(body)
    return b"\x00" in body or (b"\\u0000" in body and bool(_JSON_NUL_ESCAPE.search(body)))


class NulCharacterRefusalMiddleware:
    """Refuse, once for every view, a request whose input carries a NUL character: a 400 that
    says why (JSON for the API, a plain page otherwise) before any of it reaches a query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            refused = request_carries_nul(request)
        except MultiPartParserError:
            return self.refuse(request, _("The multipart body cannot be read."))
        except RequestDataTooBig:
            return self.refuse(
                request,
                _("The request body is larger than %(n)d bytes.")
                % {"n": settings.DATA_UPLOAD_MAX_MEMORY_SIZE},
                status=413,
            )
        if refused:
            logger.warning("Refused a request with a NUL character: %r", request.path_info[:200])
            return self.refuse(
                request, _("The request contains a NUL character, which is not allowed.")
            )
        return self.get_response(request)

    @staticmethod
    def refuse(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            return JsonResponse(
                {"detail": message}, status=status, json_dumps_params={"ensure_ascii": False}
            )
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
