"""State changes of the core: notifications and API tokens."""

import hmac
import logging
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from auditlog.models import LogEntry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance.models import ApiToken, Notification, Role, User, hash_token_secret
from governance.permissions import require_perm
from governance.scoping import in_scope
from governance.selectors import notification_list

TOKEN_PREFIX = "ggp"
logger = logging.getLogger(__name__)


@transaction.atomic
def notification_send(
    *,
    recipients: Iterable[User],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    dedupe_key: str = "",
) -> list[Notification]:
    """Store one notice per recipient and e-mail it after commit.

    With a dedupe_key, sending again (a task run twice) creates and mails nothing new.
    """
    from governance.tasks import send_notification_email  # tasks import this module

    if url and (not url.startswith("/") or url.startswith("//")):
        raise ValueError(f"a notification links inside the portal, not to {url!r}")
    created = []
    for recipient in recipients:
        fields = {"kind": kind, "title": title[:200], "body": body, "url": url}
        if dedupe_key:
            notification, is_new = Notification.objects.get_or_create(
                recipient=recipient, dedupe_key=dedupe_key, defaults=fields
            )
        else:
            notification, is_new = Notification.objects.create(recipient=recipient, **fields), True
        if is_new:
            created.append(notification)
            if recipient.email:
                # robust: a broker outage must not fail the caller's saved work; the
                # periodic sweep (notification_email_pending) mails what was not queued.
                transaction.on_commit(
                    lambda pk=notification.pk: send_notification_email.delay(pk), robust=True
                )
    return created


@transaction.atomic
def notification_email_send(*, notification_id: int) -> bool:
    """Mail one stored notice; a second run for the same notice sends nothing."""
    notification = (
        Notification.objects.select_for_update()
        .select_related("recipient")
        .filter(pk=notification_id)
        .first()
    )
    if notification is None or notification.emailed_at or not notification.recipient.email:
        return False
    send_mail(
        subject=notification.title,
        message=(
            f"{notification.body}\n\n{settings.PORTAL_BASE_URL}{notification.url}"
            if notification.url
            else notification.body
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[notification.recipient.email],
    )
    notification.emailed_at = timezone.now()
    notification.save(update_fields=["emailed_at"])
    return True


def notification_email_pending(*, older_than: timedelta = timedelta(minutes=5)) -> int:
    """Mail the notices whose e-mail was never sent (broker down, worker killed); returns how
    many were sent. Safe to run while the normal path also runs: each send is locked."""
    cutoff = timezone.now() - older_than
    pending = (
        Notification.objects.filter(
            emailed_at__isnull=True, created_at__lt=cutoff, recipient__email__gt=""
        )
        .order_by("created_at")
        .values_list("pk", flat=True)
    )
    sent = 0
    for pk in pending[:1000]:
        try:
            sent += notification_email_send(notification_id=pk)
        except Exception:
            # One refused address must not hold back every other notice; it is retried
            # at the next sweep.
            logger.exception("e-mail for notification %s failed", pk)
    return sent


def notification_mark_read(*, actor: User, notification_ids: Iterable[int] | None = None) -> int:
    unread = notification_list(user=actor, unread_only=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())


@transaction.atomic
def api_token_issue(
    *,
    actor: User,
    client: User,
    name: str,
    area,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token and return it with its key. The key is shown once; only its hash is kept."""
    require_perm(actor, "governance.add_apitoken")
    expires_at = api_token_validate(actor=actor, client=client, area=area, expires_at=expires_at)
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        client=client,
        name=name.strip() or client.username,
        area=area,
        prefix=prefix,
        secret_hash=hash_token_secret(secret),
        expires_at=expires_at,
        created_by=actor,
    )
    return token, f"{TOKEN_PREFIX}_{prefix}_{secret}"


def api_token_validate(*, actor: User, client: User, area, expires_at: datetime | None) -> datetime:
    """The rules a new token meets; returns its expiry (default: API_TOKEN_DEFAULT_DAYS)."""
    if client.role != Role.API_CLIENT:
        raise ValidationError(
            {"client": _("Tokens are issued to accounts with the API client role.")}
        )
    if not in_scope(actor, area):
        raise ValidationError(
            {"area": _("You can only issue tokens for areas within your own area.")}
        )
    if client.home_area is not None and not client.home_area.contains(area):
        raise ValidationError(
            {
                "area": _("The token's area must lie within the client's home area “%(area)s”.")
                % {"area": client.home_area}
            }
        )
    now = timezone.now()
    expires_at = expires_at or now + timedelta(days=settings.API_TOKEN_DEFAULT_DAYS)
    if expires_at <= now:
        raise ValidationError({"expires_at": _("The expiry must be in the future.")})
    return expires_at


def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    require_perm(actor, "governance.change_apitoken")
    if not in_scope(actor, token.area):
        raise ValidationError(_("This token belongs to an area outside your own."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


class TokenRejected(Exception):
    """A key that does not authenticate; the message says why."""


def api_token_authenticate(key: str) -> ApiToken:
    """The active token for a key. Compares hashes in constant time."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        raise TokenRejected(_("Invalid token."))
    # The scope needs the area's path, never its boundary (a district's is ~55 KB at 1,000
    # grids): without the defer every API call would cost more the larger its area.
    token = (
        ApiToken.objects.select_related("client", "area")
        .defer("area__boundary")
        .filter(prefix=parts[1])
        .first()
    )
    if token is None or not hmac.compare_digest(token.secret_hash, hash_token_secret(parts[2])):
        raise TokenRejected(_("Invalid token."))
    now = timezone.now()
    if token.revoked_at is not None:
        raise TokenRejected(_("This token has been revoked."))
    if token.expires_at <= now:
        raise TokenRejected(_("This token has expired."))
    if not token.client.is_active:
        raise TokenRejected(_("The account of this token is disabled."))
    if token.client.role != Role.API_CLIENT or token.client.is_superuser:
        # A token carries an API client's rights; an account given another role keeps none.
        raise TokenRejected(_("The account of this token is no longer an API client."))
    # One write a minute at most, not one per request.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def user_assignment_validate(*, actor: User, role: str, home_area, is_superuser: bool) -> None:
    """Who may be given which role and area: only inside the actor's own area, always with one."""
    if is_superuser:
        if role == Role.API_CLIENT:
            raise ValidationError({"role": _("An API client account cannot be a superuser.")})
        if not actor.is_superuser:
            raise ValidationError(
                {"is_superuser": _("Only a superuser can create another superuser.")}
            )
        return
    if home_area is None:
        raise ValidationError(
            {"home_area": _("Every account needs a home area; it decides what the account sees.")}
        )
    if not in_scope(actor, home_area):
        raise ValidationError({"home_area": _("The home area must lie within your own area.")})
    if role == Role.GRID_WORKER and not home_area.is_grid:
        raise ValidationError({"home_area": _("A grid worker's home area is a grid.")})


def user_is_staff(*, role: str, is_superuser: bool) -> bool:
    """Only administrators reach the Django admin."""
    return is_superuser or role == Role.ADMIN


@transaction.atomic
def user_second_factor_reset(*, actor: User, user: User) -> int:
    """Forget a user's authenticator (a lost phone): they enrol a new one at their next
    sign-in. Returns how many devices were removed."""
    require_perm(actor, "governance.change_user", user)
    deleted, _per_model = TOTPDevice.objects.filter(user=user).delete()
    LogEntry.objects.log_create(
        user, action=LogEntry.Action.UPDATE, changes={"second factor": ["enrolled", "reset"]}
    )
    return deleted
