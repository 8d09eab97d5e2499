"""Users and roles, API tokens and in-app notifications."""

import hashlib

import rules
from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.fields.related_descriptors import ForwardManyToOneDescriptor
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rules.contrib.models import RulesModel, RulesModelBase, RulesModelMixin

from governance.permissions import (
    is_administrator,
    is_portal_user,
    is_recipient,
    object_in_scope,
    unit_token_in_scope,
    user_manageable,
)

MAX_ID = 2**63 - 1  # the largest primary key: a bigger number in a request is simply invalid


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("Grid worker")
    OFFICE_STAFF = "office_staff", _("Office staff")
    LEADER = "leader", _("Leader")
    # A member department's or reporting enterprise's people (公安分局, 司法局 …): they see what
    # their unit reports and what is handed to it, not the ledger of the area it serves.
    DEPARTMENT = "department", _("Department staff")
    ADMIN = "admin", _("Administrator")
    API_CLIENT = "api_client", _("API client")


# The administrator rule (see User.is_administrator), in its queryset form.
ADMINISTRATORS = models.Q(is_active=True) & (
    models.Q(is_superuser=True) | models.Q(role=Role.ADMIN)
)


class UserQuerySet(models.QuerySet):
    def administrators(self) -> "UserQuerySet":
        return self.filter(ADMINISTRATORS)


class PortalUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(RulesModelMixin, AbstractUser, metaclass=RulesModelBase):
    scope_path = "home_area__path"
    scope_units = ("unit",)  # a department's people see each other

    role = models.CharField(
        _("role"), max_length=20, choices=Role.choices, default=Role.GRID_WORKER
    )
    home_area = models.ForeignKey(
        "grid.Area",
        verbose_name=_("home area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # The unit the person works for: an office's people also have its area as their home
    # area; a department's or an enterprise's have none and see what their unit is handed.
    unit = models.ForeignKey(
        "grid.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )

    objects = PortalUserManager()

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        rules_permissions = {
            action: is_administrator & user_manageable
            for action in ("view", "add", "change", "delete")
        }

    def clean(self) -> None:
        super().clean()
        unit = self.unit
        if self.role == Role.DEPARTMENT and (unit is None or unit.has_area_scope):
            raise ValidationError(
                {"unit": _("Department staff work for a member department or an enterprise.")}
            )
        if unit is None:
            return
        if not unit.has_area_scope and self.role != Role.DEPARTMENT:
            raise ValidationError(
                {"role": _("A department's or an enterprise's people are department staff.")}
            )
        if self.home_area_id != unit.area_id:
            raise ValidationError({"unit": _("The unit must be one of the home area's units.")})

    # Role facts, read by code and templates (base.html) alike.
    @property
    def is_administrator(self) -> bool:
        """Administrators manage areas, accounts and API clients (the Django admin)."""
        return self.is_active and (self.is_superuser or self.role == Role.ADMIN)

    @property
    def is_api_client(self) -> bool:
        return self.role == Role.API_CLIENT

    @property
    def keeps_ledgers(self) -> bool:
        """Grid workers, office staff, administrators and other systems (API clients) keep
        the population ledger; leaders read it."""
        return self.is_active and (
            self.is_superuser
            or self.role in {Role.GRID_WORKER, Role.OFFICE_STAFF, Role.ADMIN, Role.API_CLIENT}
        )

    @property
    def sees_personal_data_in_full(self) -> bool:
        """Grid workers and office staff may ask to see a person's full ID number and phone in
        their area, stating why (each view is logged): they visit, call and verify people.
        Leaders, administrators and other systems (API clients) see them masked: a leader
        reads cases, an administrator manages accounts, and a token that could unmask would
        let another system harvest the ledger. Superusers hold every permission (Django)."""
        return self.is_active and (
            self.is_superuser or self.role in {Role.GRID_WORKER, Role.OFFICE_STAFF}
        )

    @property
    def reviews_audit_trail(self) -> bool:
        """Office staff (综治办) and administrators review who changed or unmasked a record in
        their area; grid workers and leaders do not."""
        return self.is_active and (
            self.is_superuser or self.role in {Role.OFFICE_STAFF, Role.ADMIN}
        )

    @property
    def sees_by_area(self) -> bool:
        """Department staff see only what their unit is handed (governance.scoping); their
        home area names the district or street whose administrators manage the account."""
        return self.role != Role.DEPARTMENT

    @property
    def employer_organisation_id(self) -> int | None:
        """以业管人 (P7): the ledger's organisation whose floating workers this person registers,
        as one of an enterprise's people (department staff of an enterprise unit linked to its
        organisation); None for everyone else."""
        if not self.is_active or self.role != Role.DEPARTMENT or self.unit_id is None:
            return None
        unit = self.unit
        return unit.organisation_id if unit is not None and unit.kind == "enterprise" else None

    @property
    def is_grid_worker(self) -> bool:
        return self.role == Role.GRID_WORKER

    @property
    def display_name(self) -> str:
        return (self.last_name + self.first_name) or self.username

    @property
    def needs_second_factor(self) -> bool:
        return settings.OTP_REQUIRED and (
            self.is_superuser or self.role in settings.OTP_REQUIRED_ROLES
        )


class _AreaWithoutBoundary(ForwardManyToOneDescriptor):
    """`user.home_area` loads the area without its boundary (deferred: it still loads on
    first use). The scoping rule reads the home area on every request and needs only its
    path; a district's boundary is ~55 KB at 1,000 grids, so loading it would make every
    request cost more the larger the user's area. A descriptor rather than a field subclass,
    so that no migration changes."""

    def get_queryset(self, **hints):
        return super().get_queryset(**hints).defer("boundary")


User.home_area = _AreaWithoutBoundary(User._meta.get_field("home_area"))


def hash_token_secret(secret: str) -> str:
    # The secret is 32 random bytes, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(RulesModel):
    """A token for another government system, stored hashed, scoped to one area or, for the
    system of a department or an enterprise (P7), to one unit: exactly one of the two. A
    unit token sees what the unit's people see through the unit rule (governance.scoping)."""

    scope_path = "area__path"

    client = models.ForeignKey(
        User, verbose_name=_("API client"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    area = models.ForeignKey(
        "grid.Area", verbose_name=_("scope"), null=True, blank=True, on_delete=models.PROTECT
    )
    unit = models.ForeignKey(
        "grid.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="api_tokens",
        help_text=_("Instead of an area: a department's or an enterprise's own system."),
    )
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(area__isnull=True) ^ models.Q(unit__isnull=True),
                name="api_token_area_or_unit",
                violation_error_message=_("A token is scoped to an area or to a unit, not both."),
            ),
        ]
        rules_permissions = {
            action: is_administrator & (object_in_scope | unit_token_in_scope)
            for action in ("view", "add", "change", "delete")
        }

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def scope_label(self) -> str:
        return str(self.area if self.area_id else self.unit)


class Notification(RulesModel):
    """An in-app notice; the same record drives the e-mail."""

    scope_path = "recipient__home_area__path"

    recipient = models.ForeignKey(
        User, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=50)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    # (kind, target, period): sending the same notice twice is a no-op.
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_dedupe_per_recipient",
            ),
        ]
        # Personal rows: their recipient reads and marks them; administrators may read and
        # delete those of people in their area; nobody writes one by hand.
        rules_permissions = {
            "view": is_portal_user & (is_recipient | (is_administrator & object_in_scope)),
            "change": is_portal_user & is_recipient,
            "delete": is_administrator & object_in_scope,
            "add": rules.always_deny,
        }

    def __str__(self) -> str:
        return self.title
