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


class Relationship(models.TextChoices):
    """与户主关系 (the groups of GB/T 4761; the detail of 子女 or 父母 is not kept)."""

    HEAD = "head", _("Head (本人)")
    SPOUSE = "spouse", _("Spouse (配偶)")
    CHILD = "child", _("Child (子女)")
    PARENT = "parent", _("Parent (父母)")
    GRANDCHILD = "grandchild", _("Grandchild (孙子女)")
    SIBLING = "sibling", _("Sibling (兄弟姐妹)")
    TENANT = "tenant", _("Tenant (租户)")
    OTHER = "other", _("Other (其他)")


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
    # 户: at most one at a time, which the single foreign key guarantees; joining and leaving
    # are dated HouseholdEvents (the household services), never a bare edit of this field.
    household = models.ForeignKey(
        "population.Household",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        editable=False,
    )
    relationship = models.CharField(
        _("relationship to the head"),
        max_length=12,
        choices=Relationship.choices,
        blank=True,
        editable=False,
    )
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


# --- Houses, households and rental houses (以房管人) -------------------------------------------


class House(RulesModel):
    """A dwelling at an address in a grid (房屋); a rented one is a rental house (出租房屋) whose
    tenants are the members of the households living in it."""

    scope_path = "grid__path"

    grid = models.ForeignKey(
        Area,
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name="houses",
        limit_choices_to={"level": AreaLevel.GRID},
    )
    building = models.CharField(_("building (楼栋)"), max_length=30)
    unit = models.CharField(_("unit (单元)"), max_length=20, blank=True)
    room = models.CharField(_("room (室)"), max_length=20, blank=True)
    address_line = models.CharField(
        _("address line"),
        max_length=200,
        blank=True,
        help_text=_("Street and number, or how to find it."),
    )
    is_rented = models.BooleanField(_("rented out"), default=False)
    landlord_name = models.CharField(_("landlord"), max_length=50, blank=True)
    landlord_phone = EncryptedCharField(
        _("landlord's phone"),
        max_length=20,
        blank=True,
        context="population.House.landlord_phone",
        validators=[PHONE_VALIDATOR],
    )
    landlord_resident = models.ForeignKey(
        Resident,
        verbose_name=_("landlord in the ledger"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="houses_let",
    )
    # seed 004: 出租房屋登记备案; empty = not filed
    filed_on = models.DateField(_("filed on (登记备案)"), null=True, blank=True)
    # seed 004: 落实房屋出租人、承租人的治安责任
    responsibility_letter_signed_on = models.DateField(
        _("security responsibility letter signed on (治安责任书)"), null=True, blank=True
    )
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
        verbose_name = _("house")
        verbose_name_plural = _("houses")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["grid", "building", "unit", "room"], name="population_house_one_address"
            )
        ]
        indexes = [
            models.Index(fields=["grid", "is_rented", "filed_on"], name="population_house_rentals")
        ]
        rules_permissions = {
            "view": is_portal_user & object_in_scope,
            "add": may_keep_ledger & object_in_scope,
            "change": may_keep_ledger & object_in_scope,
            "delete": is_administrator & object_in_scope,
        }

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """1幢2单元301, the way the address is spoken (a number gets its 幢 or 单元)."""
        building = f"{self.building}幢" if self.building.isdigit() else self.building
        unit = f"{self.unit}单元" if self.unit.isdigit() else self.unit
        return f"{building}{unit}{self.room}"

    @property
    def landlord_phone_masked(self) -> str:
        return mask_phone(self.landlord_phone)

    @property
    def is_filed(self) -> bool:
        return self.filed_on is not None

    @property
    def is_unfiled_rental(self) -> bool:
        """Rented out but not filed (P4: 出租房屋登记备案)."""
        return self.is_rented and self.filed_on is None


class HouseholdKind(models.TextChoices):
    REGISTERED = "registered", _("Registered household (户籍户)")
    FLOATING = "floating", _("Floating household (流动户)")
    FOREIGN = "foreign", _("Foreign household (境外人员户)")
    COLLECTIVE = "collective", _("Collective household (集体户)")


class Household(RulesModel):
    """A household (户) living at a house; its members are the residents whose `household` it
    is, one of them its head (户主)."""

    scope_path = "house__grid__path"

    house = models.ForeignKey(
        House, verbose_name=_("house"), on_delete=models.PROTECT, related_name="households"
    )
    number = models.CharField(_("household number (户号)"), max_length=30, blank=True)
    kind = models.CharField(
        _("kind"), max_length=12, choices=HouseholdKind.choices, default=HouseholdKind.REGISTERED
    )
    head = models.ForeignKey(
        Resident,
        verbose_name=_("head (户主)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
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
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["-created_at", "-pk"]
        rules_permissions = {
            "view": is_portal_user & object_in_scope,
            "add": may_keep_ledger & object_in_scope,
            "change": may_keep_ledger & object_in_scope,
            "delete": is_administrator & object_in_scope,
        }

    def __str__(self) -> str:
        head = self.head.name if self.head_id and self.head else ""
        return f"{self.house} {head}".strip() if head else str(self.house)


class HouseholdEventKind(models.TextChoices):
    JOINED = "joined", _("Joined")
    LEFT = "left", _("Left")


class HouseholdEvent(RulesModel):
    """A dated move into or out of a household (P2: 实有人口动态管理), so that a person's and a
    house's history is kept rather than overwritten."""

    scope_path = "household__house__grid__path"

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="events"
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("event"), max_length=8, choices=HouseholdEventKind.choices)
    relationship = models.CharField(
        _("relationship to the head"), max_length=12, choices=Relationship.choices, blank=True
    )
    on = models.DateField(_("date"))
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("household event")
        verbose_name_plural = _("household events")
        ordering = ["-on", "-pk"]
        rules_permissions = {
            "view": is_portal_user & object_in_scope,
            "add": may_keep_ledger & object_in_scope,
            "change": is_administrator & object_in_scope,
            "delete": is_administrator & object_in_scope,
        }

    def __str__(self) -> str:
        return f"{self.on} {self.get_kind_display()}"
