"""The population ledger (实有人口): the people who live in each grid, kept by its workers."""

from typing import Any

import rules
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rules.contrib.models import RulesModel

from governance.identity import id_number_mask, id_number_validate, validate_id_number
from governance.permissions import (
    is_administrator,
    is_portal_user,
    may_keep_ledger,
    object_in_scope,
)
from governance.sensitive import BlindIndexField, EncryptedCharField
from grid.models import PHONE_VALIDATOR, Area, AreaLevel, mask_phone


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class ResidentStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered (户籍)")
    FLOATING = "floating", _("Floating (流动)")
    FOREIGN = "foreign", _("Foreign (境外)")


class Resident(RulesModel):
    scope_path = "grid__path"

    grid = models.ForeignKey(
        Area,
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name="residents",
        limit_choices_to={"level": AreaLevel.GRID},
    )
    name = models.CharField(_("name"), max_length=50)
    id_number = EncryptedCharField(
        _("ID number"),
        max_length=18,
        context="population.Resident.id_number",
        validators=[validate_id_number],
    )
    # One person, one row: the unique blind index is what "already registered" checks.
    id_number_index = BlindIndexField(source="id_number", normalize=id_number_validate, unique=True)
    # Derived from the ID number by the service (GB 11643), stored for lists and statistics.
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices, editable=False)
    birth_date = models.DateField(_("birth date"), editable=False)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[PHONE_VALIDATOR])
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ResidentStatus.choices,
        default=ResidentStatus.REGISTERED,
    )
    address = models.CharField(
        _("address"), max_length=200, blank=True, help_text=_("Building, unit and room.")
    )
    employer = models.CharField(_("employer"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["-created_at", "-pk"]
        # Everyone reads the ledger of their area; those who keep it (not leaders) write it;
        # removing a person is an administrator's correction (moving out is a later event).
        rules_permissions = {
            "view": is_portal_user & object_in_scope,
            "add": may_keep_ledger & object_in_scope,
            "change": may_keep_ledger & object_in_scope,
            "delete": is_administrator & object_in_scope,
        }

    def __str__(self) -> str:
        return self.name

    @property
    def id_number_masked(self) -> str:
        return id_number_mask(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


# --- Visits (走访, 民情日记) ---------------------------------------------------------------------


class VisitPurpose(models.TextChoices):
    ROUTINE = "routine", _("Routine visit")
    SPECIAL_GROUP_FOLLOWUP = "special_group_followup", _("Special-group follow-up")
    RENTAL_INSPECTION = "rental_inspection", _("Rental inspection")
    DISPUTE_FOLLOWUP = "dispute_followup", _("Dispute follow-up")
    OTHER = "other", _("Other")


def visit_correctable_today(visit: "Visit") -> bool:
    """Whether the visit was logged today (the portal's local day)."""
    return timezone.localdate(visit.created_at) == timezone.localdate()


@rules.predicate
def may_correct_visit(user: Any, visit: "Visit | None") -> bool:
    """A visit is the worker's diary entry (民情日记, seed 002): its worker corrects it at any
    time; anyone else who keeps the ledger of its grid only on the day it was logged (a typo
    caught at the office the same evening); after that day it is a record, not a draft."""
    if visit is None:
        return True
    return visit.worker_id == user.pk or visit_correctable_today(visit)


class Visit(RulesModel):
    """A grid worker's visit (走访基层群众, seed 003; the visit log is the 民情日记 of seed 002):
    who, whom, when, where, why and what was found.

    Whom: the visited rows are nullable foreign keys named in VISIT_SUBJECTS (a resident now;
    a household or an organisation is one more field and one more name there), and `subject`
    describes whom in words, for a visit to no registered row and as the record that stays
    readable when a row is corrected away.

    Where: the phone's point, when it gave one, is placed by the point-to-grid lookup in
    `located_grid`; `outside_grid` flags a point outside the visit's grid (or outside every
    grid). Such a point is kept and shown, never refused: the worker may have met the person
    across the street, or the phone's fix may be poor."""

    scope_path = "grid__path"

    grid = models.ForeignKey(
        Area,
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name="visits",
        limit_choices_to={"level": AreaLevel.GRID},
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("visited by"),
        on_delete=models.PROTECT,
        related_name="visits",
    )
    visited_at = models.DateTimeField(_("visited at"))
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    subject = models.CharField(
        _("whom"),
        max_length=200,
        blank=True,
        help_text=_("Who or which household, organisation or place was visited."),
    )
    purpose = models.CharField(
        _("purpose"), max_length=30, choices=VisitPurpose.choices, default=VisitPurpose.ROUTINE
    )
    notes = models.TextField(_("notes"), blank=True)
    findings = models.TextField(_("findings"), blank=True)
    latitude = models.FloatField(
        _("latitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.FloatField(
        _("longitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    location_accuracy = models.FloatField(
        _("location accuracy (m)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    located_grid = models.ForeignKey(
        Area,
        verbose_name=_("grid of the location"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    outside_grid = models.BooleanField(_("outside its grid"), default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_at", "-pk"]
        indexes = [
            models.Index(fields=["grid", "-visited_at"], name="visit_grid_visited"),
            models.Index(fields=["worker", "-visited_at"], name="visit_worker_visited"),
            models.Index(fields=["resident", "-visited_at"], name="visit_resident_visited"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__isnull=False, longitude__isnull=False),
                name="visit_point_whole",
                violation_error_message=_("Give both the latitude and the longitude, or neither."),
            ),
        ]
        # Everyone reads the visits of their area; those who keep the ledger log them; a
        # correction follows may_correct_visit; removing one is an administrator's act.
        rules_permissions = {
            "view": is_portal_user & object_in_scope,
            "add": may_keep_ledger & object_in_scope,
            "change": may_keep_ledger & object_in_scope & may_correct_visit,
            "delete": is_administrator & object_in_scope,
        }

    def __str__(self) -> str:
        whom = self.resident.name if self.resident_id else self.subject
        return f"{timezone.localtime(self.visited_at):%Y-%m-%d %H:%M} {whom}"

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None


# The visited rows of a visit (each a nullable foreign key on Visit, in its grid).
VISIT_SUBJECTS: tuple[str, ...] = ("resident",)
