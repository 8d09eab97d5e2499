"""The population ledger (实有人口): the people who live in each grid, kept by its workers."""

import datetime
from typing import Any

import rules
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rules.contrib.models import RulesModel

from governance.countries import COUNTRIES
from governance.credit_code import validate_credit_code
from governance.identity import id_number_mask, id_number_validate, validate_id_number
from governance.models import Role
from governance.permissions import (
    employs,
    employs_row,
    is_administrator,
    is_portal_user,
    may_keep_ledger,
    may_see_personal_data_in_full,
    object_in_scope,
    registers_workers,
    reviews_record_history,
)
from governance.scoping import scope_root
from governance.sensitive import BlindIndexField, EncryptedCharField, blind_index
from grid.models import PHONE_VALIDATOR, Area, AreaLevel, mask_phone, phone_normalize


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


class Presence(models.TextChoices):
    """Whether a person still lives in the grid; changed only by a dated ResidentEvent."""

    PRESENT = "present", _("Lives here")
    MOVED_OUT = "moved_out", _("Moved out")
    DECEASED = "deceased", _("Deceased")


# 居住证号: letters and digits (the national permit carries the ID number, older local ones
# their own serials); a passport number likewise (ICAO 9303: up to 9 characters, some states
# print longer numbers on other travel documents).
RESIDENCE_PERMIT_VALIDATOR = RegexValidator(
    r"^[0-9A-Z]{6,30}$", _("Use 6 to 30 capital letters and digits.")
)
PASSPORT_VALIDATOR = RegexValidator(
    r"^[0-9A-Z]{5,20}$", _("Use 5 to 20 capital letters and digits.")
)


def passport_mask(value: str) -> str:
    """The first two and last two characters: enough to tell two passports apart on a visit."""
    if not value:
        return ""
    if len(value) <= 4:
        return "*" * len(value)
    return value[:2] + "*" * (len(value) - 4) + value[-2:]


def passport_key(nationality: str, number: str) -> str:
    """The one searchable form of a passport: "KOR:M12345678" (no spaces, capitals)."""
    return f"{nationality.strip().upper()}:{''.join(number.split()).upper()}"


class PassportIndexField(BlindIndexField):
    """The blind index of a passport: its number qualified by the nationality beside it
    (the field named `nationality` of the same model). NULL without both."""

    def passport_index_of(self, nationality: str, number: str) -> str | None:
        if not nationality or not number:
            return None
        return blind_index(passport_key(nationality, number), context=self.source_field().context)

    extra_sources = ("nationality",)

    def index_of_row(self, value: str | None, **extra: Any) -> str | None:
        return self.passport_index_of(extra.get("nationality") or "", value or "")

    def index_of(self, value: str | None) -> str | None:
        raise TypeError("a passport is indexed with its nationality: use passport_index_of")

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = self.passport_index_of(
            model_instance.nationality, getattr(model_instance, self.source)
        )
        setattr(model_instance, self.attname, value)
        return value


def floating_risk_visible(user: Any) -> bool:
    """Whether the user sees (and may set) the high-risk flag of floating residents (P6):
    office staff (综治办) and administrators of the area; grid workers, leaders and other
    systems do not (a label that travels with a person's record harms them where it leaks)."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role in {Role.OFFICE_STAFF, Role.ADMIN})
    )


class Resident(RulesModel):
    scope_path = "grid__path"
    # 以业管人 (P7): an enterprise's people see its workers (masked), nothing else of the ledger.
    scope_units = ("employer_organisation__unit__pk",)

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
        # Required of registered and floating people (the service's rule); a foreign national
        # (P10) may have none, and is then known by the passport below.
        blank=True,
    )
    # One person, one row: the unique blind index is what "already registered" checks (NULL,
    # and so never a duplicate, for a foreign national without an ID number).
    id_number_index = BlindIndexField(source="id_number", normalize=id_number_validate, unique=True)
    # Derived from the ID number by the service (GB 11643), stored for lists and statistics;
    # entered only for a foreign national without an ID number.
    sex = models.CharField(
        _("sex"),
        max_length=6,
        choices=Sex.choices,
        blank=True,
        help_text=_("Foreign nationals without an ID number only; otherwise from the ID number."),
    )
    birth_date = models.DateField(
        _("birth date"),
        blank=True,
        help_text=_("Foreign nationals without an ID number only; otherwise from the ID number."),
    )
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
    # 以业管人 (P3, P7): the employer as a row of the ledger when it is one; the free text above
    # names an employer that is not (or not yet) registered.
    employer_organisation = models.ForeignKey(
        "population.Organisation",
        verbose_name=_("employer in the ledger"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="workers",
    )
    # 以证管人 (P3): the residence permit of a floating person; reminded before it expires.
    residence_permit_number = models.CharField(
        _("residence permit number (居住证号)"),
        max_length=30,
        blank=True,
        validators=[RESIDENCE_PERMIT_VALIDATOR],
    )
    residence_permit_expires_on = models.DateField(
        _("residence permit expires on"), null=True, blank=True
    )
    # P7: the enterprise whose own account (an enterprise unit's people, or its unit token)
    # registered the person; counted per period (employer_registration_figures). Kept when the
    # employment ends: the registration happened.
    registered_by_employer = models.ForeignKey(
        "population.Organisation",
        verbose_name=_("registered by the employer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registered_workers",
        editable=False,
    )
    # P6: 流动人口中高危人群. Seen (and set) by office staff only: see floating_risk_visible.
    high_risk = models.BooleanField(_("high-risk (高危)"), default=False)
    # 境外人员 (P10): passport, nationality and the end of the visa or permitted stay.
    passport_number = EncryptedCharField(
        _("passport number"),
        max_length=20,
        blank=True,
        context="population.Resident.passport_number",
        validators=[PASSPORT_VALIDATOR],
    )
    nationality = models.CharField(
        _("nationality"),
        max_length=3,
        blank=True,
        choices=COUNTRIES,  # the list in code is what validates it
        help_text=_("ISO 3166-1 alpha-3 code."),
    )
    stay_expires_on = models.DateField(_("visa or stay expires on"), null=True, blank=True)
    # One person, one row for foreign nationals too: nationality and passport number together
    # (a number is unique only within its issuing state), e.g. "KOR:M12345678".
    passport_index = PassportIndexField(source="passport_number", unique=True)
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
        # The lists' order: newest first, district- or street-wide and within one grid.
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="resident_newest"),
            models.Index(fields=["grid", "-created_at", "-id"], name="resident_grid_newest"),
        ]
        # Everyone reads the ledger of their area; those who keep it (not leaders) write it;
        # removing a person is an administrator's correction (moving out is a later event).
        rules_permissions = {
            "view": is_portal_user & object_in_scope,
            # An enterprise's people register its workers (P7), and change nothing else.
            "add": (may_keep_ledger & object_in_scope) | (registers_workers & employs),
            "change": may_keep_ledger & object_in_scope,
            "delete": is_administrator & object_in_scope,
            # The full ID number and phone, asked for with a reason and logged (resident_reveal).
            "reveal": may_see_personal_data_in_full & object_in_scope,
            # Who changed or unmasked the record, when and why (the resident's history).
            "history": reviews_record_history,
        }

    def __str__(self) -> str:
        return self.name

    @property
    def id_number_masked(self) -> str:
        return id_number_mask(self.id_number) if self.id_number else "—"

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def passport_number_masked(self) -> str:
        return passport_mask(self.passport_number)


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
            # An enterprise's registration of its worker records the move-in (P7).
            "add": (may_keep_ledger & object_in_scope) | (registers_workers & employs_row),
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
    scope_units = ("unit__pk",)  # an enterprise's own people see its row (P7)

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
    # Derived (P13): true while the organisation has a SecurityBody on record; only the
    # security-body services set it (security_body_add / security_body_remove).
    has_security_body = models.BooleanField(
        _("has an internal security body"),
        default=False,
        editable=False,
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
            "history": reviews_record_history,
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
            "history": reviews_record_history,
        }

    def __str__(self) -> str:
        return self.name


# --- Special groups (特殊人群, 重点青少年) --------------------------------------------------------


class SpecialGroupDetails(models.TextChoices):
    """Which kind-specific fields a kind's records carry (a sub-kind shares its parent's)."""

    NONE = "", _("None")
    CORRECTION = "correction", _("Community correction (社区矫正)")
    RELEASE = "release", _("Release and resettlement (刑释解教)")
    DRUGS = "drugs", _("Drug use (吸毒)")
    MENTAL_ILLNESS = "mental_illness", _("Severe mental illness (严重精神障碍)")


class SpecialGroupKind(RulesModel):
    """A special group (特殊人群 / 重点青少年 of GB/T 31000): a code list shipped with the kinds
    the seeds name (population.defaults), editable by administrators."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent kind"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sub_kinds",
    )
    details = models.CharField(
        _("specific fields"),
        max_length=20,
        choices=SpecialGroupDetails.choices,
        blank=True,
        default=SpecialGroupDetails.NONE,
    )
    # PIPL art. 28 (医疗健康): records of these kinds are shown to fewer people.
    health_related = models.BooleanField(_("health related"), default=False)
    follow_up_days = models.PositiveSmallIntegerField(
        _("follow-up interval (days)"),
        help_text=_("The default for new records; no policy document sets one."),
    )
    # seed 004 (P18): 重新犯罪率低于5% / 3%; blank where the seeds set no target.
    recidivism_target_percent = models.DecimalField(
        _("recidivism target (%)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("special-group kind")
        verbose_name_plural = _("special-group kinds")
        ordering = ["sort_order", "code"]
        # One code list for the whole portal: everyone reads it, administrators keep it; a
        # kind in use cannot be deleted (PROTECT).
        rules_permissions = {
            "view": is_portal_user,
            "add": is_administrator,
            "change": is_administrator,
            "delete": is_administrator,
        }

    def __str__(self) -> str:
        return self.name


class SupervisionLevel(models.TextChoices):
    STRICT = "strict", _("Strict (严管)")
    ORDINARY = "ordinary", _("Ordinary (普管)")
    LENIENT = "lenient", _("Lenient (宽管)")


# A person's membership is sensitive (PIPL art. 28: 特定身份, 医疗健康). Leaders and other
# systems see counts; this permission, granted to an account, lets them see the members.
SPECIAL_GROUP_MEMBERS_PERM = "population.view_special_group_members"


def special_group_sees_all(user: Any) -> bool:
    """Office staff and administrators see every kind's members in their scope; so does an
    account granted SPECIAL_GROUP_MEMBERS_PERM."""
    if not (user.is_authenticated and user.is_active):
        return False
    return (
        user.is_superuser
        or user.role in {Role.OFFICE_STAFF, Role.ADMIN}
        or user.has_perm(SPECIAL_GROUP_MEMBERS_PERM)
    )


def special_group_access(user: Any) -> models.Q | None:
    """Which records (beyond the scoping rule) a user sees by name, as a filter; None for
    none. Grid workers see the members of their grid, except health-related kinds (AIDS,
    severe mental illness), whose members only their responsible worker sees. Leaders and
    API clients see counts only, unless granted SPECIAL_GROUP_MEMBERS_PERM.
    `special_group_record_visible` is the same rule for one row in hand."""
    if special_group_sees_all(user):
        return models.Q()
    if user.is_authenticated and user.is_active and user.role == Role.GRID_WORKER:
        return models.Q(kind__health_related=False) | models.Q(responsible=user)
    return None


def special_group_record_visible(user: Any, record: "SpecialGroupRecord") -> bool:
    if special_group_sees_all(user):
        return True
    if user.is_authenticated and user.is_active and user.role == Role.GRID_WORKER:
        return not record.kind.health_related or record.responsible_id == user.pk
    return False


@rules.predicate
def sees_special_group_members(user: Any, record: Any) -> bool:
    """Without a row everyone may ask (a list without the right shows no one: leaders and
    other systems read the counts instead)."""
    if record is None:
        return bool(user.is_authenticated and user.is_active)
    target = record.record if isinstance(record, SpecialGroupEvent) else record
    return special_group_record_visible(user, target)


@rules.predicate
def keeps_special_groups(user: Any) -> bool:
    """Office staff tag residents (issue 7), as do administrators and other systems granted
    SPECIAL_GROUP_MEMBERS_PERM; grid workers follow them up; leaders read."""
    return special_group_sees_all(user) and user.keeps_ledgers


class SpecialGroupRecord(RulesModel):
    """A resident's membership of a special group, with its follow-up schedule."""

    scope_path = "resident__grid__path"

    resident = models.ForeignKey(
        Resident,
        verbose_name=_("resident"),
        on_delete=models.PROTECT,
        related_name="special_groups",
    )
    kind = models.ForeignKey(
        SpecialGroupKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="+"
    )
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)
    follow_up_days = models.PositiveSmallIntegerField(_("follow-up interval (days)"))
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible grid worker"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="special_group_records",
    )
    # Community correction (社区矫正, P19).
    supervision_level = models.CharField(
        _("supervision level"),
        max_length=10,
        choices=SupervisionLevel.choices,
        blank=True,
    )
    supervision_start = models.DateField(_("supervision from"), null=True, blank=True)
    supervision_end = models.DateField(_("supervision until"), null=True, blank=True)
    # Released prisoners and re-education (刑释解教, P17).
    release_date = models.DateField(_("release date"), null=True, blank=True)
    resettled = models.BooleanField(_("resettled (安置)"), null=True, blank=True)
    assistance_team = models.CharField(_("assistance team (帮教小组)"), max_length=100, blank=True)
    first_month_aid_on = models.DateField(
        _("first-month assistance given on (首月救助)"), null=True, blank=True
    )
    # Severe mental illness (P20): risk level 0-5 of the national management guideline.
    risk_level = models.PositiveSmallIntegerField(
        _("risk level"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(5)],
    )
    guardian_capable = models.BooleanField(_("guardian capable"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    last_followed_up_at = models.DateTimeField(_("last followed up"), null=True, blank=True)
    next_follow_up_due = models.DateField(_("next follow-up due"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tagged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("special-group record")
        verbose_name_plural = _("special-group records")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "kind"],
                condition=models.Q(until__isnull=True),
                name="special_group_one_open_record_per_kind",
            ),
        ]
        indexes = [models.Index(fields=["next_follow_up_due"])]
        permissions = [("view_special_group_members", _("Can see special-group members"))]
        rules_permissions = {
            "view": sees_special_group_members & object_in_scope,
            "add": keeps_special_groups & object_in_scope,
            "change": keeps_special_groups & object_in_scope,
            "delete": is_administrator & object_in_scope,
            "history": reviews_record_history,
        }

    def __str__(self) -> str:
        return f"{self.resident} · {self.kind}"

    @property
    def is_open(self) -> bool:
        return self.until is None

    @property
    def first_month_aid_due(self) -> datetime.date | None:
        """首月救助 (seed 003, P17): due within one month of release, until given."""
        if self.release_date is None or self.first_month_aid_on is not None or not self.is_open:
            return None
        return self.release_date + datetime.timedelta(days=FIRST_MONTH_AID_DAYS)


# seed 003 「做好刑释解教人员首月救助工作」: within the first month after release.
FIRST_MONTH_AID_DAYS = 30


class SpecialGroupEventKind(models.TextChoices):
    RELAPSE = "relapse", _("Relapse (复吸)")
    REOFFENCE = "reoffence", _("Re-offence (重新犯罪)")


class SpecialGroupEvent(RulesModel):
    """A dated relapse or re-offence of a member (P18, P21): what the rates count."""

    scope_path = "record__resident__grid__path"

    record = models.ForeignKey(
        SpecialGroupRecord,
        verbose_name=_("special-group record"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    kind = models.CharField(_("event"), max_length=10, choices=SpecialGroupEventKind.choices)
    occurred_on = models.DateField(_("date"))
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("special-group event")
        verbose_name_plural = _("special-group events")
        ordering = ["-occurred_on", "-pk"]
        rules_permissions = {
            "view": sees_special_group_members & object_in_scope,
            "add": keeps_special_groups & object_in_scope,
            "change": keeps_special_groups & object_in_scope,
            "delete": is_administrator & object_in_scope,
        }

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on}"


class ReminderPurpose(models.TextChoices):
    FOLLOW_UP = "follow_up", _("Follow-up visit")
    FIRST_MONTH_AID = "first_month_aid", _("First-month assistance (首月救助)")


class FollowUpReminder(models.Model):
    """One row per (record, purpose, due date), created before its reminder is sent: the
    unique key is what makes the beat task send each reminder once, however often it runs."""

    record = models.ForeignKey(SpecialGroupRecord, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=20, choices=ReminderPurpose.choices)
    due_date = models.DateField()
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["record", "purpose", "due_date"], name="follow_up_reminder_once"
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(sent_at__isnull=True),
                name="follow_up_reminder_unsent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.due_date} (record {self.record_id})"


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
    # P27: the compound (小区/院落) the house belongs to, at most one (四位一体).
    compound = models.ForeignKey(
        "population.Compound",
        verbose_name=_("compound (小区)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="houses",
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
            "history": reviews_record_history,
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
            "history": reviews_record_history,
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

    Whom: the visited rows are nullable foreign keys named in VISIT_SUBJECTS (a resident, a
    household, an organisation; any of them, all in the visit's grid), and `subject`
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
    household = models.ForeignKey(
        "population.Household",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
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
            "history": reviews_record_history,
        }

    def __str__(self) -> str:
        whom = self.resident.name if self.resident_id else self.subject
        return f"{timezone.localtime(self.visited_at):%Y-%m-%d %H:%M} {whom}"

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None


# The visited rows of a visit (each a nullable foreign key on Visit, in its grid).
VISIT_SUBJECTS: tuple[str, ...] = ("resident", "household", "organisation")


class ImportStatus(models.TextChoices):
    CHECKED = "checked", _("Checked, not loaded")
    LOADED = "loaded", _("Loaded")


class ResidentImport(RulesModel):
    """A resident spreadsheet as uploaded, with the report of its check. The load step reads
    this content again, so it loads exactly what was checked (population/imports.py)."""

    scope_path = "area__path"

    # The uploader's scope when the file came in: who may see the import and its report.
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    file_name = models.CharField(_("file name"), max_length=200)
    file_format = models.CharField(_("format"), max_length=4)  # "csv" or "xlsx"
    # The file itself holds ID numbers in clear: stored encrypted (base64 of its bytes).
    content = EncryptedCharField(
        _("content"), max_length=None, context="population.ResidentImport.content"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.CHECKED
    )
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    # [{"row": 3, "column": "id_number", "message": "..."}, ...]: no value of a cell in it.
    problems = models.JSONField(_("problems"), default=list, blank=True)
    valid_only = models.BooleanField(_("only the valid rows loaded"), default=False)
    loaded_count = models.PositiveIntegerField(_("residents loaded"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    loaded_at = models.DateTimeField(_("loaded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("resident import")
        verbose_name_plural = _("resident imports")
        ordering = ["-created_at", "-pk"]
        rules_permissions = {
            "view": is_portal_user & object_in_scope,
            "add": may_keep_ledger & object_in_scope,
            "change": may_keep_ledger & object_in_scope,
            "delete": is_administrator & object_in_scope,
        }

    def __str__(self) -> str:
        return self.file_name

    @property
    def rejected_rows(self) -> set[int]:
        """Spreadsheet row numbers with a problem (1 is the header: the whole file)."""
        return {problem["row"] for problem in self.problems}

    @property
    def is_clean(self) -> bool:
        return not self.problems

    @property
    def valid_count(self) -> int:
        rejected = self.rejected_rows
        return 0 if 1 in rejected else self.row_count - len(rejected)


# --- Document expiry reminders (以证管人 P3, 境外人员 P10) -----------------------------------------


class ResidentDocument(models.TextChoices):
    RESIDENCE_PERMIT = "residence_permit", _("Residence permit (居住证)")
    STAY = "stay", _("Visa or stay permit")


class DocumentExpiryReminder(models.Model):
    """One row per (resident, document, expiry date), created before its reminder is sent:
    like FollowUpReminder, the unique key makes the beat task remind once, however often it
    runs; a renewed document (a new expiry date) is reminded again."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="+")
    document = models.CharField(max_length=20, choices=ResidentDocument.choices)
    expires_on = models.DateField()
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "document", "expires_on"], name="document_expiry_reminder_once"
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(sent_at__isnull=True),
                name="document_expiry_unsent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.document} {self.expires_on} (resident {self.resident_id})"


# --- Special-group ledger exports (重点人员管理台账, P24) --------------------------------------
# Issue 7: a bulk export of special-group membership (PIPL art. 28) needs an office lead's
# approval (GB/T 35273 §7.1). The portal has no separate office-lead role: the "office lead"
# is a leader (Role.LEADER) whose scope covers the area exported. Office staff request; the
# requester never approves their own request, and only the requester downloads, once.


class ExportStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    DOWNLOADED = "downloaded", _("Downloaded")
    EXPIRED = "expired", _("Expired")


def _role_of(user: Any, *roles: str) -> bool:
    return bool(
        user.is_authenticated and user.is_active and (user.is_superuser or user.role in roles)
    )


@rules.predicate
def requests_special_group_exports(user: Any) -> bool:
    """Office staff (综治办) ask for the ledger of an area in their scope."""
    return _role_of(user, Role.OFFICE_STAFF)


@rules.predicate
def leads_the_office(user: Any) -> bool:
    """The office lead of issue 7: a leader (whose scope covers the area: object_in_scope)."""
    return _role_of(user, Role.LEADER)


@rules.predicate
def oversees_special_group_exports(user: Any) -> bool:
    """Who sees the requests of their area: office staff, leaders and administrators (grid
    workers and other systems neither request nor approve)."""
    return _role_of(user, Role.OFFICE_STAFF, Role.LEADER, Role.ADMIN)


@rules.predicate
def sees_export_requests(user: Any, request: Any) -> bool:
    """Without a row everyone may ask (a list shows them none, as the members' lists do)."""
    if request is None:
        return bool(user.is_authenticated and user.is_active)
    return bool(oversees_special_group_exports(user))


@rules.predicate
def not_the_requester(user: Any, request: Any) -> bool:
    return request is None or request.requested_by_id != user.pk


@rules.predicate
def is_the_requester(user: Any, request: Any) -> bool:
    return request is None or request.requested_by_id == user.pk


class SpecialGroupExportRequest(RulesModel):
    """A request to export the open special-group records of an area, and its decision."""

    scope_path = "area__path"

    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    # None: every kind the requester may see.
    kinds = models.ManyToManyField(
        SpecialGroupKind, verbose_name=_("kinds"), blank=True, related_name="+"
    )
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ExportStatus.choices,
        default=ExportStatus.REQUESTED,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("decision comment"), blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    downloaded_at = models.DateTimeField(_("downloaded at"), null=True, blank=True)
    row_count = models.PositiveIntegerField(_("rows exported"), null=True, blank=True)

    class Meta:
        verbose_name = _("special-group export request")
        verbose_name_plural = _("special-group export requests")
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["status", "requested_at"])]
        rules_permissions = {
            "view": sees_export_requests & object_in_scope,
            "add": requests_special_group_exports & object_in_scope,
            "approve": leads_the_office & object_in_scope & not_the_requester,
            "download": requests_special_group_exports & object_in_scope & is_the_requester,
            # Decided and downloaded through the services only, never edited; an
            # administrator may delete one of their area (the audit trail keeps it).
            "change": rules.always_false,
            "delete": is_administrator & object_in_scope,
        }

    def __str__(self) -> str:
        return f"{self.area} · {self.get_status_display()}"

    @property
    def is_expired(self) -> bool:
        return self.status == ExportStatus.EXPIRED or (
            self.status == ExportStatus.APPROVED
            and self.expires_at is not None
            and self.expires_at <= timezone.now()
        )

    @property
    def shown_status(self) -> str:
        """The status as it stands now: an approval past its time reads as expired."""
        return str(ExportStatus.EXPIRED.label if self.is_expired else self.get_status_display())


# --- Incidents at rental houses (P5) ---------------------------------------------------------
# Seed 004: 出租房一旦发生刑事治安案件,要严肃追究房主责任以及社区、农村负责人的责任. Recording an
# incident flags both for accountability; the level above the community decides.


class RentalIncidentKind(models.TextChoices):
    CRIMINAL = "criminal", _("Criminal case (刑事案件)")
    PUBLIC_SECURITY = "public_security", _("Public-security case (治安案件)")


@rules.predicate
def judges_rental_accountability(user: Any) -> bool:
    """Office staff and leaders of a street or a district: the community's own head is among
    those held to account, so the decision belongs to the level above the community."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    home = user.home_area
    return (
        user.role in {Role.OFFICE_STAFF, Role.LEADER}
        and home is not None
        and home.level < AreaLevel.COMMUNITY
    )


class RentalIncident(RulesModel):
    """A criminal or public-security case at a rental house (P5), with the landlord and the
    community's head flagged for accountability (`RentalAccountability`)."""

    scope_path = "house__grid__path"

    house = models.ForeignKey(
        House,
        verbose_name=_("rental house"),
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=RentalIncidentKind.choices)
    occurred_on = models.DateField(_("occurred on"))
    summary = models.TextField(_("what happened"))
    police_reference = models.CharField(
        _("police case number"),
        max_length=50,
        blank=True,
        help_text=_("The number the police gave the case, when known."),
    )
    case = models.ForeignKey(
        "disputes.Case",
        verbose_name=_("dispute case"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rental_incidents",
        help_text=_("The dispute case it grew from, e.g. one that turned criminal (民转刑)."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("incident at a rental house")
        verbose_name_plural = _("incidents at rental houses")
        ordering = ["-occurred_on", "-pk"]
        rules_permissions = {
            "view": is_portal_user & object_in_scope,
            "add": may_keep_ledger & object_in_scope,
            "decide": judges_rental_accountability & object_in_scope,
            # Recorded and decided through the services; an administrator may delete a
            # mistaken one of their area (the audit trail keeps it).
            "change": rules.always_false,
            "delete": is_administrator & object_in_scope,
        }

    def __str__(self) -> str:
        return f"{self.house} · {self.get_kind_display()} · {self.occurred_on:%Y-%m-%d}"


class AccountablePerson(models.TextChoices):
    LANDLORD = "landlord", _("Landlord (房主)")
    COMMUNITY_HEAD = "community_head", _("Community or village head (社区、农村负责人)")


class RentalAccountability(models.Model):
    """One person held to account for an incident: who they were at the time (a name kept as
    it stood, and the account or resident when there is one), and the decision."""

    incident = models.ForeignKey(
        RentalIncident,
        verbose_name=_("incident"),
        on_delete=models.CASCADE,
        related_name="accountability",
    )
    person = models.CharField(
        _("held to account as"), max_length=20, choices=AccountablePerson.choices
    )
    name = models.CharField(_("name"), max_length=50, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    finding = models.TextField(_("finding"), blank=True)
    sanction = models.CharField(_("sanction"), max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("accountability for a rental incident")
        verbose_name_plural = _("accountability for rental incidents")
        ordering = ["incident", "person"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "person"], name="population_rental_accountability_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["incident"],
                condition=models.Q(decided_at__isnull=True),
                name="population_rental_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_person_display()} {self.name or '—'}"

    @property
    def is_decided(self) -> bool:
        return self.decided_at is not None


# --- Care and counselling records (P16 关爱帮扶, P23 心理筛查和疏导) ---------------------------


class CareKind(models.TextChoices):
    CARE = "care", _("Care and assistance (关爱帮扶)")
    SCREENING = "screening", _("Psychological screening (心理筛查)")
    COUNSELLING = "counselling", _("Counselling (心理疏导)")
    EDUCATION = "education", _("Education and help (帮教)")
    OTHER = "other", _("Other")


@rules.predicate
def sees_care_record(user: Any, care: Any) -> bool:
    """A care record is seen by exactly those who see its special-group record by name."""
    if care is None:
        return bool(user.is_authenticated and user.is_active)
    return special_group_record_visible(user, care.record)


class SpecialGroupCare(RulesModel):
    """One act of care, screening, counselling or education given to a member of a special
    group (seed 001: 关爱帮扶; 心理筛查和疏导): the timeline on the record's page."""

    scope_path = "record__resident__grid__path"

    record = models.ForeignKey(
        SpecialGroupRecord,
        verbose_name=_("special-group record"),
        on_delete=models.CASCADE,
        related_name="care",
    )
    kind = models.CharField(_("kind of care"), max_length=12, choices=CareKind.choices)
    given_on = models.DateField(_("date"))
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    provider = models.CharField(
        _("provider"),
        max_length=100,
        blank=True,
        help_text=_("Who gave it: the school, the assistance team, a counsellor …"),
    )
    notes = models.TextField(_("notes"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("care record")
        verbose_name_plural = _("care records")
        ordering = ["-given_on", "-pk"]
        indexes = [models.Index(fields=["record", "-given_on", "-id"], name="care_record_newest")]
        # The record's own rules: whoever sees its member sees its care; its keepers add.
        rules_permissions = {
            "view": sees_care_record & object_in_scope,
            "add": keeps_special_groups & object_in_scope,
            "change": keeps_special_groups & object_in_scope,
            "delete": is_administrator & object_in_scope,
        }

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.given_on:%Y-%m-%d}"


# --- Re-verification drives (P8 清理清查, P16 排查帮扶) ---------------------------------------


class DriveKind(models.TextChoices):
    FLOATING_CLEANUP = "floating_cleanup", _("Floating-population clean-up (流动人口清理清查)")
    KEY_YOUTH_CARE = "key_youth_care", _("Key-youth screening and care (重点青少年排查帮扶)")


class CheckOutcome(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed: still here, data right")
    UPDATED = "updated", _("Updated: data corrected")
    MOVED_AWAY = "moved_away", _("Moved away")
    NOT_FOUND = "not_found", _("Not found")


@rules.predicate
def runs_drives(user: Any) -> bool:
    """Office staff (综治办) and administrators open drives; grid workers carry them out."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role in {Role.OFFICE_STAFF, Role.ADMIN})
    )


@rules.predicate
def sees_drive_subject(user: Any, check: Any) -> bool:
    """The subjects of a key-youth drive are special-group members: named only to those who
    see key youth by name (special_group_access); everyone in scope sees the counts."""
    if check is None or check.drive.kind != DriveKind.KEY_YOUTH_CARE:
        return True
    return special_group_access(user) is not None


@rules.predicate
def drive_over_own_area(user: Any, drive: Any) -> bool:
    """A drive over an area above the user's own takes in the user's area (a grid worker
    checks their grid's part of the street's drive)."""
    if drive is None:
        return True
    root = scope_root(user)
    return isinstance(root, Area) and drive.area_id in root.ancestor_ids


class ResidentDrive(RulesModel):
    """A time-boxed re-verification drive over an area (专项行动): its checklist is one
    DriveCheck per subject present when it was opened."""

    scope_path = "area__path"

    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind of drive"), max_length=20, choices=DriveKind.choices)
    title = models.CharField(_("title"), max_length=100)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("re-verification drive")
        verbose_name_plural = _("re-verification drives")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")), name="drive_ends_after_start"
            )
        ]
        rules_permissions = {
            "view": is_portal_user & (object_in_scope | drive_over_own_area),
            "add": runs_drives & object_in_scope,
            "change": runs_drives & object_in_scope,
            "delete": is_administrator & object_in_scope,
        }

    def __str__(self) -> str:
        return self.title

    def is_running(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.starts_on <= today <= self.ends_on


class DriveCheck(RulesModel):
    """One subject of a drive and what its check found (empty outcome: not checked yet). The
    grid is the subject's at the opening, so that each grid's list stays its own."""

    scope_path = "grid__path"

    drive = models.ForeignKey(
        ResidentDrive, verbose_name=_("drive"), on_delete=models.CASCADE, related_name="checks"
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        Area,
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": AreaLevel.GRID},
    )
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=CheckOutcome.choices, blank=True
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    checked_on = models.DateField(_("checked on"), null=True, blank=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("drive check")
        verbose_name_plural = _("drive checks")
        ordering = ["resident__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["drive", "resident"], name="drive_check_once")
        ]
        indexes = [models.Index(fields=["drive", "grid", "outcome"], name="drive_check_progress")]
        # Built by the opener; checked by whoever keeps the ledger of the grid.
        rules_permissions = {
            "view": is_portal_user & object_in_scope & sees_drive_subject,
            "add": runs_drives & object_in_scope,
            "change": may_keep_ledger & object_in_scope & sees_drive_subject,
            "delete": is_administrator & object_in_scope,
        }

    def __str__(self) -> str:
        return f"{self.drive} · {self.resident}"


# --- Compounds (小区/院落, 四位一体, P27) and enterprise security bodies (P13) ---------------------


# The three organisations of a compound's four-in-one (seed 002: 物业公司"四位一体"), besides
# its party organisation (党组织, a name): field -> the kind the linked organisation must be.
COMPOUND_ORGANISATION_KINDS = {
    "residents_committee": OrganisationKind.RESIDENTS_COMMITTEE,
    "owners_committee": OrganisationKind.OWNERS_COMMITTEE,
    "property_company": OrganisationKind.PROPERTY_COMPANY,
}


class Compound(RulesModel):
    """A residential compound or courtyard (小区/院落) in a grid, managed "four in one" (P27):
    its party organisation, residents' committee, owners' committee and property company."""

    scope_path = "grid__path"

    grid = models.ForeignKey(
        Area,
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name="compounds",
        limit_choices_to={"level": AreaLevel.GRID},
    )
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    party_organisation = models.CharField(
        _("party organisation (党组织)"), max_length=100, blank=True
    )
    residents_committee = models.ForeignKey(
        Organisation,
        verbose_name=_("residents' committee (居委会)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": OrganisationKind.RESIDENTS_COMMITTEE},
    )
    owners_committee = models.ForeignKey(
        Organisation,
        verbose_name=_("owners' committee (业委会)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": OrganisationKind.OWNERS_COMMITTEE},
    )
    property_company = models.ForeignKey(
        Organisation,
        verbose_name=_("property company (物业公司)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": OrganisationKind.PROPERTY_COMPANY},
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
        verbose_name = _("compound")
        verbose_name_plural = _("compounds")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["grid", "name"], name="population_compound_name")
        ]
        rules_permissions = {
            "view": is_portal_user & object_in_scope,
            "add": may_keep_ledger & object_in_scope,
            "change": may_keep_ledger & object_in_scope,
            "delete": is_administrator & object_in_scope,
            "history": reviews_record_history,
        }

    def __str__(self) -> str:
        return self.name

    @property
    def missing(self) -> list[str]:
        """Which of the four are not on record (field names; "party_organisation" first)."""
        absent = [] if self.party_organisation else ["party_organisation"]
        return absent + [f for f in COMPOUND_ORGANISATION_KINDS if not getattr(self, f"{f}_id")]

    @property
    def missing_labels(self) -> list[str]:
        return [str(self._meta.get_field(name).verbose_name) for name in self.missing]

    @property
    def four_in_one(self) -> bool:
        """四位一体 is complete when all four are present."""
        return not self.missing


class SecurityBodyKind(models.TextChoices):
    """seed 000: 建立企业治安综合治理工作站 and the bodies under it."""

    WORKSTATION = "workstation", _("Security work station (治安综合治理工作站)")
    SECURITY = "security", _("Security department (保卫)")
    MEDIATION = "mediation", _("Mediation committee (调解)")
    ASSISTANCE = "assistance", _("Assistance and education (帮教)")
    PRODUCTION_SAFETY = "production_safety", _("Production safety (安全生产)")
    MIGRANT_WORKERS = "migrant_workers", _("Migrant-worker management (外来务工人员管理)")
    GUARD_TEAM = "guard_team", _("Guard or patrol team (护厂队/巡逻队)")


class SecurityBody(RulesModel):
    """An internal security body of an organisation (P13), read by the size rule (P12)."""

    scope_path = "organisation__grid__path"

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="security_bodies",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=SecurityBodyKind.choices)
    head_name = models.CharField(_("head"), max_length=50, blank=True)
    head_phone = EncryptedCharField(
        _("head's phone"),
        max_length=20,
        blank=True,
        context="population.SecurityBody.head_phone",
        validators=[PHONE_VALIDATOR],
    )
    member_count = models.PositiveIntegerField(
        _("members"), default=0, validators=[MaxValueValidator(100_000)]
    )
    established_on = models.DateField(_("established on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("internal security body")
        verbose_name_plural = _("internal security bodies")
        ordering = ["organisation", "kind", "pk"]
        rules_permissions = {
            "view": is_portal_user & object_in_scope,
            "add": may_keep_ledger & object_in_scope,
            "change": may_keep_ledger & object_in_scope,
            "delete": may_keep_ledger & object_in_scope,
            "history": reviews_record_history,
        }

    def __str__(self) -> str:
        return f"{self.organisation} · {self.get_kind_display()}"

    @property
    def head_phone_masked(self) -> str:
        return mask_phone(self.head_phone)
