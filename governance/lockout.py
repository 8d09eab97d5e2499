"""Sign-in protection hooks that django-axes calls: the client's address, and the answer to a
sign-in while the account is locked."""

from math import ceil

from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def client_address(request: HttpRequest) -> str | None:
    """The address that our own proxies saw, by the rule DRF's throttles use with the same
    NUM_PROXIES: each trusted proxy appends the address it received from, so the client is the
    NUM_PROXIES-th from the right; anything left of it was written by the client itself."""
    remote = request.META.get("REMOTE_ADDR")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if not settings.NUM_PROXIES or not forwarded:
        return remote
    addresses = [part.strip() for part in forwarded.split(",")]
    return addresses[-min(settings.NUM_PROXIES, len(addresses))] or remote


def lockout_retry_after(request: HttpRequest, credentials: dict | None = None) -> int:
    """Seconds until the lock lifts: it lifts when the account's last failure is older than the
    cool-off time (accounts, not addresses, are locked: AXES_LOCKOUT_PARAMETERS)."""
    cool_off = get_cool_off(request)
    last = AccessAttempt.objects.filter(
        username=get_client_username(request, credentials)
    ).aggregate(last=Max("attempt_time"))["last"]
    remaining = (last or timezone.now()) + cool_off - timezone.now()
    return max(1, ceil(remaining.total_seconds()))


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """Axes' own answer (its template and status, 429), plus Retry-After so that a client or
    proxy that reads it knows when to try again."""
    response = render(
        request, settings.AXES_LOCKOUT_TEMPLATE, status=settings.AXES_HTTP_RESPONSE_CODE
    )
    response["Retry-After"] = str(lockout_retry_after(request, credentials))
    return response
