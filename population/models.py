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
    may_see_personal_data_in_full,
    object_in_scope,
    reviews_audit_trail,
)
from governance.sensitive import BlindIndexField, EncryptedCharField
from grid.models import PHONE_VALIDATOR, Area, AreaLevel, mask_phone, phone_normalize


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class ResidentStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered (户籍)")
    FLOATING = "floating", _("Floating (流动)")
    FOREIGN = "foreign", _("Foreign (境外)")


class Presence(models.TextChoices):
    """Whether a person still lives in the grid; changed only by a dated ResidentEvent."""

    PRESENT = "present", _("Lives here")
    MOVED_OUT = "moved_out", _("Moved out")
    DECEASED = "deceased", _("Deceased")


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
    phone = EncryptedCharField(
        _("phone"),
        max_length=20,
        blank=True,
        context="population.Resident.phone",
        validators=[PHONE_VALIDATOR],
    )
    # Exact search by the whole number only: the column is encrypted, so "contains these
    # digits" cannot be asked of it (partial phone search was given up for that).
    phone_index = BlindIndexField(source="phone", normalize=phone_normalize)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ResidentStatus.choices,
        default=ResidentStatus.REGISTERED,
    )
    presence = models.CharField(
        _("presence"),
        max_length=10,
        choices=Presence.choices,
        default=Presence.PRESENT,
        editable=False,
        db_index=True,
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
            # The full ID number and phone, asked for with a reason and logged (resident_reveal).
            "reveal": may_see_personal_data_in_full & object_in_scope,
            # Who changed or unmasked the record, when and why (the resident's history).
            "history": reviews_audit_trail & object_in_scope,
        }

    def __str__(self) -> str:
        return self.name

    @property
    def id_number_masked(self) -> str:
        return id_number_mask(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class EventKind(models.TextChoices):
    MOVE_IN = "move_in", _("Moved in (迁入)")
    GRID_MOVE = "grid_move", _("Moved to another grid")
    STATUS_CHANGE = "status_change", _("Status changed")
    MOVE_OUT = "move_out", _("Moved out (迁出)")
    DEATH = "death", _("Died (死亡)")


class ResidentEvent(RulesModel):
    """One dated change in a person's life in the ledger (实有人口动态管理): the history is
    these rows, the resident's grid, status and presence only their latest outcome."""

    scope_path = "resident__grid__path"

    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("event"), max_length=13, choices=EventKind.choices)
    happened_on = models.DateField(_("date"))
    from_grid = models.ForeignKey(
        Area,
        verbose_name=_("from grid"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_grid = models.ForeignKey(
        Area,
        verbose_name=_("to grid"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    old_status = models.CharField(
        _("old status"), max_length=10, choices=ResidentStatus.choices, blank=True
    )
    new_status = models.CharField(
        _("new status"), max_length=10, choices=ResidentStatus.choices, blank=True
    )
    note = models.CharField(
        _("note"), max_length=200, blank=True, help_text=_("Where to, why, or the source.")
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("resident event")
        verbose_name_plural = _("resident events")
        ordering = ["-happened_on", "-pk"]
        indexes = [models.Index(fields=["resident", "-happened_on", "-id"])]
        # The history is kept by those who keep the ledger and corrected only by administrators.
        rules_permissions = {
            "view": is_portal_user & object_in_scope,
            "add": may_keep_ledger & object_in_scope,
            "change": is_administrator & object_in_scope,
            "delete": is_administrator & object_in_scope,
        }

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.happened_on:%Y-%m-%d}"
