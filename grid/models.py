"""The area tree: district > street > community > grid (区 > 街道 > 社区 > 网格)."""

from functools import cached_property

import shapely
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from rules import is_superuser
from rules.contrib.models import RulesModel

from governance.permissions import (
    is_administrator,
    is_portal_user,
    object_in_scope,
    parent_area_in_scope,
    strictly_below_scope,
)

# A mainland mobile number, or a landline with its area code (grid teams, residents).
PHONE_VALIDATOR = RegexValidator(
    r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$",
    _("Enter an 11-digit mobile number or a landline with its area code (0571-87654321)."),
)


class AreaLevel(models.IntegerChoices):
    DISTRICT = 1, _("District")
    STREET = 2, _("Street")
    COMMUNITY = 3, _("Community")
    GRID = 4, _("Grid")


# GB/T 2260 county code (6) + GB/T 10114 township (3) + village (3) + grid serial (3).
CODE_LENGTH = {
    AreaLevel.DISTRICT: 6,
    AreaLevel.STREET: 9,
    AreaLevel.COMMUNITY: 12,
    AreaLevel.GRID: 15,
}


class Area(RulesModel):
    # Pages, API, admin and tasks filter every area-bound row through this lookup.
    scope_path = "path"

    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=AreaLevel.choices)
    code = models.CharField(_("code"), max_length=15, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # "/<root id>/<child id>/.../<own id>/": the subtree of an area is a prefix match.
    path = models.CharField(max_length=255, db_index=True, editable=False)
    boundary = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)
    # 应登记户数: what the grid's team expects to register, against which the ledger's 采集率
    # is measured (seed P1: 底数清). Set on grids only; a larger area's is the sum of its grids.
    expected_households = models.PositiveIntegerField(
        _("expected households (应登记户数)"),
        null=True,
        blank=True,
        help_text=_("Grids only: the households the grid team expects to register."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "code"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=4), name="area_level_valid"
            ),
        ]
        # An administrator changes what lies strictly below their home area; their own root
        # is named, coded and drawn by the level above.
        rules_permissions = {
            "view": is_portal_user & object_in_scope,
            "add": is_administrator & parent_area_in_scope,
            "change": is_administrator & strictly_below_scope,
            "delete": is_administrator & strictly_below_scope,
        }

    def __str__(self) -> str:
        return self.name

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/")[:-1] if part]

    def contains(self, other: "Area") -> bool:
        return other.path.startswith(self.path)

    @cached_property
    def geometry(self) -> shapely.Geometry | None:
        return shapely.geometry.shape(self.boundary) if self.boundary else None

    @property
    def is_grid(self) -> bool:
        return self.level == AreaLevel.GRID


class BoundaryRevision(models.Model):
    """One row rewritten in the same transaction as any boundary change, so that every
    process can tell cheaply that its in-memory grid index is stale. A random token rather
    than a counter: a counter repeats after a rollback or a restored backup."""

    revision = models.CharField(max_length=32, default="")
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"boundary revision {self.revision}"


class TeamRole(RulesModel):
    """Roles in a grid team ("一格多元"): a code list, editable in the admin."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=40)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("team role")
        verbose_name_plural = _("team roles")
        ordering = ["sort_order", "code"]
        # One code list for the whole portal: administrators read it, superusers edit it.
        rules_permissions = {
            "view": is_administrator,
            "add": is_superuser,
            "change": is_superuser,
            "delete": is_superuser,
        }

    def __str__(self) -> str:
        return self.name


class GridTeamMember(RulesModel):
    scope_path = "grid__path"

    grid = models.ForeignKey(
        Area, verbose_name=_("grid"), on_delete=models.CASCADE, related_name="team_members"
    )
    role = models.ForeignKey(TeamRole, verbose_name=_("team role"), on_delete=models.PROTECT)
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(
        _("phone"),
        max_length=20,
        blank=True,
        validators=[PHONE_VALIDATOR],
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("portal account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="grid_memberships",
    )

    class Meta:
        verbose_name = _("grid team member")
        verbose_name_plural = _("grid team members")
        ordering = ["grid", "role__sort_order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["grid", "role", "name"], name="team_member_unique_per_role"
            ),
        ]
        # Everyone sees the teams of their area (the grid page shows them); administrators
        # keep them.
        rules_permissions = {
            "view": is_portal_user & object_in_scope,
            "add": is_administrator & object_in_scope,
            "change": is_administrator & object_in_scope,
            "delete": is_administrator & object_in_scope,
        }

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


def mask_phone(phone: str) -> str:
    """138****5678: enough to recognise a number, not enough to dial it."""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


def phone_normalize(phone: str) -> str:
    """The one searchable form of a phone number: digits only, without the country code, so
    that 0571-87654321, 057187654321 and "+86 139 1234 5678" find what was typed either way."""
    compact = "".join(phone.split()).replace("-", "")
    return compact.removeprefix("+86")


class UnitKind(models.TextChoices):
    OFFICE = "office", _("Comprehensive-management office (综治中心)")
    DEPARTMENT = "department", _("Member department (成员单位)")
    ENTERPRISE = "enterprise", _("Reporting enterprise (报告企业)")


class Unit(RulesModel):
    """Who does the 综治 work beside the areas: each area's office, the departments that are
    member units of a district's or street's committee (公安分局, 司法局 …), and the resident
    enterprises that report. Screenings are reported by units and cases are handed between
    them. A department's or an enterprise's people have no home area: they see what their unit
    reports and what is handed to it (`scope_units`), not the ledger of the area it serves."""

    scope_path = "area__path"
    scope_units = ("pk",)  # a unit's own people see it

    area = models.ForeignKey(
        Area,
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="units",
        help_text=_(
            "An office: the area it serves. A department or an enterprise: the "
            "district or street whose committee it belongs to or reports to."
        ),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[PHONE_VALIDATOR])
    active = models.BooleanField(_("active"), default=True)
    # The people reminders and escalations go to; the unit list warns where one is missing.
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("综治 lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "Runs the unit's 综治 work day to day (an office's director, a "
            "community's or village's 综治 lead)."
        ),
    )
    first_responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("first responsible person (第一责任人)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reporting_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporting leader (分管领导)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Signs the unit's screening reports and takes its major cases."),
    )
    liaison = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("liaison (联络员)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Compiles and submits the unit's screening reports."),
    )

    # 以业管人 (P7): an enterprise's account is its row in the ledger; its people register
    # their floating workers with it as the employer, and see those workers (masked).
    organisation = models.OneToOneField(
        "population.Organisation",
        verbose_name=_("organisation in the ledger"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="unit",
        help_text=_("Enterprises only: its people register their floating workers (以业管人)."),
    )

    NAMED_PEOPLE = ("lead", "first_responsible", "reporting_leader", "liaison")

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["area__path", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="unit_name_unique_per_area"),
            models.UniqueConstraint(
                fields=["area"],
                condition=models.Q(kind="office"),
                name="unit_one_office_per_area",
                violation_error_message=_("This area already has its office."),
            ),
        ]
        rules_permissions = {
            "view": is_portal_user & object_in_scope,
            "add": is_administrator & object_in_scope,
            "change": is_administrator & object_in_scope,
            "delete": is_administrator & object_in_scope,
        }

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        moved = (
            self.pk is not None
            and Unit.objects.filter(pk=self.pk).exclude(area_id=self.area_id).exists()
        )
        if moved and self.members.exists():
            raise ValidationError(
                {"area": _("A unit with accounts stays in its area; move its people first.")}
            )
        if self.organisation_id is not None and self.kind != UnitKind.ENTERPRISE:
            raise ValidationError(
                {
                    "organisation": _(
                        "Only an enterprise is linked to an organisation of the ledger."
                    )
                }
            )
        organisation = self.organisation
        if (
            organisation is not None
            and self.area_id is not None
            and not self.area.contains(organisation.grid)
        ):
            raise ValidationError(
                {"organisation": _("The organisation must be in the unit's area.")}
            )

    @property
    def has_area_scope(self) -> bool:
        """An office's people see their area; a department's or enterprise's see their unit."""
        return self.kind == UnitKind.OFFICE

    def names_missing(self) -> list[str]:
        """The verbose names of the people this unit has not named (a warning, not an error)."""
        return [
            str(self._meta.get_field(field).verbose_name)
            for field in self.NAMED_PEOPLE
            if getattr(self, f"{field}_id") is None
        ]
