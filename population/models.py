"""The population ledger (实有人口): the people who live in each grid, kept by its workers."""

from django.conf import settings
from django.db import models
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
    # Indexed for the search by name, which matches from the start (a prefix can use the
    # index; "contains" would read every row of a district).
    name = models.CharField(_("name"), max_length=50, db_index=True)
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
        # The lists' order: newest first, district- or street-wide and within one grid.
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="resident_newest"),
            models.Index(fields=["grid", "-created_at", "-id"], name="resident_grid_newest"),
        ]
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
