from base64 import b32encode
from functools import wraps
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.messages.views import SuccessMessageMixin
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from governance import selectors
from governance.forms import MarkReadForm, OtpTokenForm, PortalLoginForm
from governance.services import notification_mark_read, totp_device_for_sign_in, totp_device_verify
from grid.selectors import area_roots


def portal_login_required(view):
    """Pages are for signed-in people. An API client account sees the subtree of its home area
    through a session but only its token's area through the API, so it gets no pages at all
    (the login form refuses it too; this covers a session it got any other way)."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        if request.user.is_authenticated and request.user.is_api_client:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(checked)


def healthz(request):
    """For load balancers and docker-compose: the process answers and the database too."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    """Everyone changes their own password here; the validators of settings apply."""

    success_url = reverse_lazy("home")
    success_message = gettext_lazy("Your password has been changed.")


class LoginView(auth_views.LoginView):
    form_class = PortalLoginForm
    redirect_authenticated_user = True


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return settings.LOGIN_REDIRECT_URL


@login_required
def otp(request):
    """Second factor: enrol a TOTP device on first use, then check a code at every sign-in."""
    device, enrolling = totp_device_for_sign_in(user=request.user)
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if totp_device_verify(device=device, token=form.cleaned_data["token"]):
            otp_login(request, device)
            return redirect(_safe_next(request))
        form.add_error("token", _("This code is wrong or has expired; try the current one."))
    context = {"form": form, "enrolling": enrolling, "next": _safe_next(request)}
    if enrolling:
        secret = b32encode(device.bin_key).decode()
        uri = (
            f"otpauth://totp/{settings.OTP_TOTP_ISSUER}:{request.user.username}"
            f"?secret={secret}&issuer={settings.OTP_TOTP_ISSUER}&digits={device.digits}"
        )
        svg = BytesIO()
        qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage).save(svg)
        context.update(secret=secret, qr_svg=svg.getvalue().decode())
    return render(request, "registration/otp.html", context)


@portal_login_required
def home(request):
    areas = area_roots(user=request.user)
    recent = selectors.notification_list(user=request.user)[:5]
    return render(request, "governance/home.html", {"areas": areas, "recent_notifications": recent})


@portal_login_required
def notification_list(request):
    notices = selectors.notification_list(user=request.user)[:200]
    return render(request, "governance/notifications.html", {"notifications": notices})


@portal_login_required
@require_POST
def notification_read(request):
    form = MarkReadForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.non_field_errors()))
        return redirect("notifications")
    marked = notification_mark_read(actor=request.user, notification_ids=form.cleaned_data["ids"])
    messages.success(request, _("%(n)d notification(s) marked as read.") % {"n": marked})
    return redirect("notifications")
