"""The population ledger (实有人口): the people who live in each grid, kept by its workers."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from rules.contrib.models import RulesModel

from governance.credit_code import validate_credit_code
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


# --- Organisations (单位和组织) ------------------------------------------------------------------


class OrganisationKind(models.TextChoices):
    """Kept in code, unlike the other code lists: each kind carries a rule (the 两新 contacts
    of P11, the size rule of P12, the vital parts of P14, whether a credit code is due)."""

    ENTERPRISE = "enterprise", _("Enterprise (企业)")
    NEW_ECONOMIC = "new_economic", _("New economic organisation (两新·非公有制经济组织)")
    NEW_SOCIAL = "new_social", _("New social organisation (两新·社会组织)")
    SCHOOL = "school", _("School (学校)")
    HOSPITAL = "hospital", _("Hospital (医院)")
    MARKET = "market", _("Market (市场)")
    KEY_UNIT = "key_unit", _("Key unit (重点单位)")
    RESIDENTS_COMMITTEE = "residents_committee", _("Residents' committee (居委会)")
    OWNERS_COMMITTEE = "owners_committee", _("Owners' committee (业主委员会)")
    PROPERTY_COMPANY = "property_company", _("Property management company (物业公司)")
    UNREGISTERED_GROUP = "unregistered_group", _("Unregistered group (未登记的群众组织)")


# seed 000: the 两新 organisations name a 综治联络员 and a 安全信息治安员 (P11).
TWO_NEW_KINDS = frozenset({OrganisationKind.NEW_ECONOMIC, OrganisationKind.NEW_SOCIAL})
# seed 004: enterprises and 两新 organisations, large ones with an internal security body,
# smaller ones with a liaison (P12).
SIZE_RULE_KINDS = frozenset({OrganisationKind.ENTERPRISE, *TWO_NEW_KINDS})
# An owners' committee is filed with the street, not registered, and a group of neighbours
# is not registered at all: they have no credit code. Every other kind is a registered
# body (enterprise, institution, social organisation, the residents' committee as a special
# legal person) whose code is on its licence.
KINDS_WITHOUT_CREDIT_CODE = frozenset(
    {OrganisationKind.OWNERS_COMMITTEE, OrganisationKind.UNREGISTERED_GROUP}
)


class Organisation(RulesModel):
    scope_path = "grid__path"

    grid = models.ForeignKey(
        Area,
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name="organisations",
        limit_choices_to={"level": AreaLevel.GRID},
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
        help_text=_("18 characters (GB 32100); leave empty only for a kind that has none."),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    employee_count = models.PositiveIntegerField(_("employees"), default=0)
    legal_representative = models.CharField(
        _("legal representative"), max_length=50, blank=True
    )  # 法定代表人 or 负责人: the person answerable for its security (治安法人责任制, P12)
    liaison_name = models.CharField(_("liaison (综治联络员)"), max_length=50, blank=True)
    liaison_phone = EncryptedCharField(
        _("liaison's phone"),
        max_length=20,
        blank=True,
        context="population.Organisation.liaison_phone",
        validators=[PHONE_VALIDATOR],
    )
    safety_officer_name = models.CharField(
        _("safety-information officer (安全信息治安员)"), max_length=50, blank=True
    )
    safety_officer_phone = EncryptedCharField(
        _("safety-information officer's phone"),
        max_length=20,
        blank=True,
        context="population.Organisation.safety_officer_phone",
        validators=[PHONE_VALIDATOR],
    )
    has_security_body = models.BooleanField(
        _("has an internal security body"),
        default=False,
        help_text=_("治安综合治理工作站, security (保卫), mediation (调解) or guard team (P13)."),
    )
    security_body_notes = models.CharField(
        _("internal security bodies"), max_length=200, blank=True
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
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~models.Q(credit_code=""),
                name="population_organisation_credit_code_unique",
            )
        ]
        rules_permissions = {
            "view": is_portal_user & object_in_scope,
            "add": may_keep_ledger & object_in_scope,
            "change": may_keep_ledger & object_in_scope,
            "delete": is_administrator & object_in_scope,
        }

    def __str__(self) -> str:
        return self.name

    @property
    def is_two_new(self) -> bool:
        return self.kind in TWO_NEW_KINDS

    @property
    def is_key_unit(self) -> bool:
        return self.kind == OrganisationKind.KEY_UNIT

    @property
    def lacks_two_new_contacts(self) -> bool:
        """A 两新 organisation without its liaison or its safety-information officer (P11)."""
        return self.is_two_new and not (self.liaison_name and self.safety_officer_name)

    @property
    def size_rule_shortfall(self) -> str:
        """What the size rule (P12) still asks of it: "security_body", "liaison" or ""."""
        if self.kind not in SIZE_RULE_KINDS:
            return ""
        if self.employee_count >= settings.ORGANISATION_SECURITY_BODY_MIN_EMPLOYEES:
            return "" if self.has_security_body else "security_body"
        return "" if self.liaison_name else "liaison"

    @property
    def liaison_phone_masked(self) -> str:
        return mask_phone(self.liaison_phone)

    @property
    def safety_officer_phone_masked(self) -> str:
        return mask_phone(self.safety_officer_phone)


class VitalPart(RulesModel):
    """A vital part or facility (要害部位设施) of a key unit (P14): what must be guarded and
    who answers for it."""

    scope_path = "organisation__grid__path"

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="vital_parts",
        limit_choices_to={"kind": OrganisationKind.KEY_UNIT},
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    person_responsible = models.CharField(_("person responsible"), max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("vital part")
        verbose_name_plural = _("vital parts")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="population_vitalpart_name_unique"
            )
        ]
        rules_permissions = {
            "view": is_portal_user & object_in_scope,
            "add": may_keep_ledger & object_in_scope,
            "change": may_keep_ledger & object_in_scope,
            "delete": is_administrator & object_in_scope,
        }

    def __str__(self) -> str:
        return self.name
