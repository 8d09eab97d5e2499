"""The population ledger (实有人口): the people who live in each grid, kept by its workers."""

import datetime
from typing import Any

import rules
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from rules.contrib.models import RulesModel

from governance.identity import id_number_mask, id_number_validate, validate_id_number
from governance.models import Role
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
