"""State changes of the core: notifications and API tokens."""

import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance.models import ApiToken, Notification, Role, User, hash_token_secret
from governance.permissions import require_perm
from governance.scoping import in_scope, token_scope, token_unit_id
from governance.selectors import notification_list
from governance.tasks import send_notification_email

TOKEN_PREFIX = "ggp"


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
                    partial(send_notification_email.delay, notification.pk), robust=True
                )
    return created


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
    area=None,
    unit=None,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for an area or for a unit (exactly one) and return it with its key. The
    key is shown once; only its hash is kept."""
    require_perm(actor, "governance.add_apitoken")
    expires_at = api_token_validate(
        actor=actor, client=client, area=area, unit=unit, expires_at=expires_at
    )
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        client=client,
        name=name.strip() or client.username,
        area=area,
        unit=unit,
        prefix=prefix,
        secret_hash=hash_token_secret(secret),
        expires_at=expires_at,
        created_by=actor,
    )
    return token, f"{TOKEN_PREFIX}_{prefix}_{secret}"


def _unit_token_validate(*, actor: User, client: User, unit) -> None:
    """A unit token (P7): the own system of a department or an enterprise, held by one of the
    unit's people who sees by unit only; issued by an administrator whose area holds the unit."""
    if not in_scope(actor, unit):
        raise ValidationError(
            {"unit": _("You can only issue tokens for units within your own area.")}
        )
    if unit.has_area_scope:
        raise ValidationError(
            {"unit": _("An office's systems get a token for its area, not for the unit.")}
        )
    if client.unit_id != unit.pk or client.sees_by_area or client.is_superuser:
        raise ValidationError(
            {
                "client": _(
                    "A unit's token is issued to one of the unit's own people (department staff)."
                )
            }
        )


def api_token_validate(
    *, actor: User, client: User, area=None, unit=None, expires_at: datetime | None
) -> datetime:
    """The rules a new token meets; returns its expiry (default: API_TOKEN_DEFAULT_DAYS)."""
    if (area is None) == (unit is None):
        raise ValidationError({"area": _("Choose either an area or a unit for the token.")})
    if unit is not None:
        _unit_token_validate(actor=actor, client=client, unit=unit)
    else:
        _area_token_validate(actor=actor, client=client, area=area)
    now = timezone.now()
    expires_at = expires_at or now + timedelta(days=settings.API_TOKEN_DEFAULT_DAYS)
    if expires_at <= now:
        raise ValidationError({"expires_at": _("The expiry must be in the future.")})
    return expires_at


def _area_token_validate(*, actor: User, client: User, area) -> None:
    if not client.is_api_client:
        raise ValidationError(
            {"client": _("Tokens are issued to accounts with the API client role.")}
        )
    if not in_scope(actor, area):
        raise ValidationError(
            {"area": _("You can only issue tokens for areas within your own area.")}
        )
    if client.home_area is None:
        raise ValidationError(
            {"client": _("This API client has no home area; give it one before issuing a token.")}
        )
    if not client.home_area.contains(area):
        raise ValidationError(
            {
                "area": _("The token's area must lie within the client's home area “%(area)s”.")
                % {"area": client.home_area}
            }
        )


def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    require_perm(actor, "governance.change_apitoken")
    if not in_scope(actor, token.area or token.unit):
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
    # The scope needs the areas' paths, never their boundaries (a district's is ~55 KB at 1,000
    # grids): without the defer every API call would cost more the larger its area.
    token = (
        ApiToken.objects.select_related("client__home_area", "area", "unit")
        .defer("area__boundary", "client__home_area__boundary")
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
    if token.unit_id is not None:
        if token_unit_id(token) is None:
            # The client left the unit, or was given a role that sees by area: the token
            # carries a unit member's rights, which the account no longer has.
            raise TokenRejected(
                _(
                    "The account of this token is no longer one of its unit's people; ask for a new token."
                )
            )
    elif not token.client.is_api_client or token.client.is_superuser:
        # A token carries an API client's rights; an account given another role keeps none.
        raise TokenRejected(_("The account of this token is no longer an API client."))
    elif token_scope(token) is None:
        # The client's home area no longer overlaps the token's area (moved elsewhere): the
        # token would reach nothing, say so rather than answer empty lists.
        raise TokenRejected(
            _("The account of this token has moved out of the token's area; ask for a new token.")
        )
    # One write a minute at most, not one per request.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def user_assignment_validate(
    *, actor: User | None, role: str, home_area: Any, is_superuser: bool
) -> None:
    """Who may be given which role and area: only inside the actor's own area, always with one.
    Without an actor (a management command, the generator) the data rules still hold."""
    if is_superuser:
        if role == Role.API_CLIENT:
            raise ValidationError({"role": _("An API client account cannot be a superuser.")})
        if actor is not None and not actor.is_superuser:
            raise ValidationError(
                {"is_superuser": _("Only a superuser can create another superuser.")}
            )
        return
    if home_area is None:
        raise ValidationError(
            {"home_area": _("Every account needs a home area; it decides what the account sees.")}
        )
    if actor is not None and not in_scope(actor, home_area):
        raise ValidationError({"home_area": _("The home area must lie within your own area.")})
    if role == Role.GRID_WORKER and not home_area.is_grid:
        raise ValidationError({"home_area": _("A grid worker's home area is a grid.")})


# What user_update may change; the password has its own argument, the rest (last_login,
# groups, permissions) is not the portal's to set: roles and areas decide.
USER_FIELDS = frozenset(
    {
        "username",
        "first_name",
        "last_name",
        "email",
        "phone",
        "role",
        "home_area",
        "unit",
        "is_active",
        "is_superuser",
    }
)


def user_build(
    *, actor: User | None, password: str | None = None, password_hash: str = "", **fields: Any
) -> User:
    """An unsaved account that meets the account rules: role and area
    (`user_assignment_validate`), field validation, the password validators. Uniqueness is
    the saver's to check: `user_create` does, the district generator's bulk insert relies on
    the database's constraint (a query per account would dominate its run)."""
    unknown = set(fields) - USER_FIELDS
    if unknown:
        raise TypeError(f"user fields not set through this service: {sorted(unknown)}")
    # password_hash: one hash made once for many generated accounts (PBKDF2 per account would
    # dominate the generator's run); it is not validated, being no password in clear.
    user = User(password=password_hash, **fields)
    _user_validate(actor=actor, user=user, password=password)
    return user


def _user_validate(*, actor: User | None, user: User, password: str | None) -> None:
    user_assignment_validate(
        actor=actor, role=user.role, home_area=user.home_area, is_superuser=user.is_superuser
    )
    user.is_staff = user.is_administrator  # only administrators reach the Django admin
    # home_area was checked above, and a row in hand needs no query to prove it exists.
    user.clean_fields(exclude=["password", "home_area"])
    user.clean()
    if password is not None:
        password_validation.validate_password(password, user)
        user.set_password(password)
    elif not user.password:
        user.set_unusable_password()


@transaction.atomic
def user_create(*, actor: User | None, password: str | None = None, **fields: Any) -> User:
    """A new account. `actor` None: the system (a management command)."""
    if actor is not None:
        require_perm(actor, "governance.add_user")
    user = user_build(actor=actor, password=password, **fields)
    if actor is not None:
        require_perm(actor, "governance.add_user", user)
    user.validate_unique()
    user.save()
    return user


@transaction.atomic
def user_update(
    *, actor: User | None, user: User, password: str | None = None, **changes: Any
) -> User:
    """Change an account: the actor must manage it as it is now and as it will be."""
    unknown = set(changes) - USER_FIELDS
    if unknown:
        raise TypeError(f"user fields not set through this service: {sorted(unknown)}")
    current = User.objects.select_for_update().get(pk=user.pk)
    if actor is not None:
        require_perm(actor, "governance.change_user", current)
    for name, value in changes.items():
        setattr(current, name, value)
    _user_validate(actor=actor, user=current, password=password)
    if actor is not None:
        require_perm(actor, "governance.change_user", current)
    current.validate_unique()
    current.save()
    return current


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


# --- Second factor (TOTP) ---------------------------------------------------------------------


@transaction.atomic
def totp_device_for_sign_in(*, user: User) -> tuple[TOTPDevice, bool]:
    """The device a sign-in checks a code against, and whether the user is still enrolling:
    the confirmed device, else the one pending enrolment (created at the first visit)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        return device, False
    # The key shown at enrolment must survive reloads; two tabs must not fork it. The lock
    # on the user's row makes two first visits at once create one device, not two.
    User.objects.select_for_update().filter(pk=user.pk).first()
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, confirmed=False, name="authenticator")
    return device, True


@transaction.atomic
def totp_device_verify(*, device: TOTPDevice, token: str) -> bool:
    """Check a code; the first right code confirms a device being enrolled."""
    if not device.verify_token(token):
        return False
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return True
