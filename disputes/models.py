"""Disputes (矛盾纠纷): the two screenings, cases, deadlines and stability-risk assessment."""

from typing import Any

import rules
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition
from rules.contrib.models import RulesModel

from governance.models import Role
from governance.permissions import is_administrator, is_portal_user, object_in_scope
from governance.sensitive import BlindIndexField, EncryptedCharField
from grid.models import PHONE_VALIDATOR, Area, mask_phone, phone_normalize

# --- Working days, categories, deadline policy -----------------------------------------------


class Severity(models.TextChoices):
    """The grade of a case (GB/T 31000; seed 003 D13: 等级评估). The workflow depends on the
    grades (a major case is taken by a leader), so they are code, not an editable list."""

    GENERAL = "general", _("General (一般)")
    MAJOR = "major", _("Major (重大)")
    MASS_INCIDENT = "mass_incident", _("Mass incident (群体性事件)")


class Stage(models.TextChoices):
    """The stages of a case that each have a time limit (DeadlinePolicy)."""

    ACCEPT = "accept", _("Acceptance (受理)")
    HANDLE = "handle", _("Handling (办理)")
    VERIFY = "verify", _("Verification (验证)")


# Reference data, the same for every area: everyone reads it, administrators keep it.
REFERENCE_DATA_RULES = {
    "view": is_portal_user,
    "add": is_administrator,
    "change": is_administrator,
    "delete": is_administrator,
}


class CalendarYear(RulesModel):
    """A year whose holidays and make-up working days (调休) have been entered. A year without
    one counts Monday to Friday as working days, and administrators are warned until it is
    entered (disputes.selectors.calendar_years_missing)."""

    year = models.PositiveSmallIntegerField(
        _("year"), unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    source = models.CharField(
        _("source"),
        max_length=100,
        help_text=_(
            'Where the days come from, e.g. "chinese-calendar 1.11.0" or "entered by hand".'
        ),
    )
    note = models.TextField(_("note"), blank=True)
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["-year"]
        rules_permissions = REFERENCE_DATA_RULES

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(RulesModel):
    """An exception to Monday–Friday: a weekday holiday (节假日) or a weekend working day (调休
    上班), as the State Council announces them each year. Days not listed follow the week."""

    calendar_year = models.ForeignKey(
        CalendarYear, verbose_name=_("year"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(
        _("working day"),
        help_text=_("Ticked: a Saturday or Sunday worked (调休上班). Unticked: a weekday off."),
    )
    name = models.CharField(_("name"), max_length=60, help_text=_("e.g. 国庆节, 春节调休上班"))

    class Meta:
        verbose_name = _("holiday or make-up working day")
        verbose_name_plural = _("holidays and make-up working days")
        ordering = ["date"]
        rules_permissions = REFERENCE_DATA_RULES

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name}"

    def clean(self) -> None:
        super().clean()
        if self.date is None or self.is_working_day is None:
            return
        try:
            # Set, though not saved yet, when the year and its days are entered together.
            year = self.calendar_year.year
        except CalendarYear.DoesNotExist:
            year = None
        if year is not None and self.date.year != year:
            raise ValidationError({"date": _("This date is not in %(year)s.") % {"year": year}})
        weekend = self.date.weekday() >= 5
        # Only exceptions are stored: a listed day that follows the week anyway would hide a
        # typing error (a holiday entered on the wrong date).
        if self.is_working_day and not weekend:
            raise ValidationError(
                {"date": _("A weekday is a working day anyway: list weekend working days only.")}
            )
        if not self.is_working_day and weekend:
            raise ValidationError(
                {"date": _("A Saturday or Sunday is a day off anyway: list weekday holidays only.")}
            )


class DisputeCategory(RulesModel):
    """The category of a dispute (类别): a code list shipped with the seeds' categories
    (disputes.defaults, D22), editable by administrators. A category in use is retired by
    unticking `active`, never deleted (PROTECT)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("dispute category")
        verbose_name_plural = _("dispute categories")
        ordering = ["sort_order", "code"]
        rules_permissions = REFERENCE_DATA_RULES

    def __str__(self) -> str:
        return self.name


@rules.predicate
def is_category_specific(user, policy) -> bool:
    """The any-category row of a grade is its fallback: it can be edited, not deleted."""
    return policy is None or policy.category_id is not None


class DeadlinePolicy(RulesModel):
    """The time limits of a case's stages, in working days, by severity and category (issue 8,
    Deadlines). A row without a category applies to every category of its grade; a row for
    the case's category takes precedence (disputes.selectors.policy_for)."""

    severity = models.CharField(_("severity"), max_length=20, choices=Severity.choices)
    category = models.ForeignKey(
        DisputeCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deadline_policies",
        help_text=_("Empty: every category of this severity without a row of its own."),
    )
    accept_days = models.PositiveSmallIntegerField(
        _("days to accept"), validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    handle_days = models.PositiveSmallIntegerField(
        _("days to handle"), validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    verify_days = models.PositiveSmallIntegerField(
        _("days to verify"), validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    # seed 004 (D29, 预警督办制) asks for a warning before the deadline and fixes no share.
    yellow_card_percent = models.PositiveSmallIntegerField(
        _("yellow card after (percent of the time)"),
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text=_("The share of a stage's time after which the case gets a yellow card."),
    )

    class Meta:
        verbose_name = _("deadline policy")
        verbose_name_plural = _("deadline policies")
        ordering = ["severity", "category__sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["severity", "category"],
                name="deadline_policy_once_per_category",
                violation_error_message=_(
                    "This severity already has a policy for this category: edit that one."
                ),
            ),
            # NULLs are distinct in a unique index: the any-category row needs its own.
            models.UniqueConstraint(
                fields=["severity"],
                condition=models.Q(category__isnull=True),
                name="deadline_policy_once_per_severity",
                violation_error_message=_(
                    "This severity already has a policy for any category: edit that one."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(accept_days__gte=1, handle_days__gte=1, verify_days__gte=1),
                name="deadline_policy_days_positive",
                violation_error_message=_("Every time limit is at least one working day."),
            ),
            models.CheckConstraint(
                condition=models.Q(yellow_card_percent__gte=1, yellow_card_percent__lte=99),
                name="deadline_policy_yellow_card_percent",
                violation_error_message=_("The yellow card share is between 1 and 99 percent."),
            ),
        ]
        rules_permissions = {
            **REFERENCE_DATA_RULES,
            "delete": is_administrator & is_category_specific,
        }

    def __str__(self) -> str:
        category = self.category.name if self.category_id else _("any category")
        return f"{self.get_severity_display()} · {category}"

    def days_for(self, stage: str) -> int:
        return {
            Stage.ACCEPT: self.accept_days,
            Stage.HANDLE: self.handle_days,
            Stage.VERIFY: self.verify_days,
        }[Stage(stage)]


# --- end of working days, categories, deadline policy ----------------------------------------


# --- Stability-risk assessment ---
# A register of major decisions, projects and matters per area (D30, D31) and their
# assessments (D32, D35). A matter that requires assessment is approved to proceed only with a
# completed assessment whose conclusion is not "no-go" (应评尽评,当否必否, seed 001).
#
# Who does what (our design; the seeds name the mechanism, not the roles): office staff
# (综治办) of the area register matters and write assessments, and other systems do the same
# through their tokens; only leaders of the area decide. Grid workers do not see the register:
# major decisions and projects are district and street work, prepared before they are public,
# and a grid's daily work does not need them. Administrators read (and may delete) in the admin.


def _role_of(user: Any, *roles: str) -> bool:
    return bool(
        user.is_authenticated and user.is_active and (user.is_superuser or user.role in roles)
    )


@rules.predicate
def keeps_risk_register(user: Any) -> bool:
    """Office staff register matters and write assessments; API clients likewise."""
    return _role_of(user, Role.OFFICE_STAFF, Role.API_CLIENT)


@rules.predicate
def decides_risk_matters(user: Any) -> bool:
    """Leaders (of an area covering the matter: object_in_scope) decide, and no one else."""
    return _role_of(user, Role.LEADER)


def reads_risk_register(user: Any) -> bool:
    """Everyone but grid workers (see above)."""
    return _role_of(user, Role.OFFICE_STAFF, Role.LEADER, Role.ADMIN, Role.API_CLIENT)


@rules.predicate
def sees_risk_register(user: Any, row: Any) -> bool:
    """Without a row every signed-in person may ask (a grid worker's list is empty, as the
    selectors make it); a row only those who read the register."""
    if row is None:
        return bool(user.is_authenticated and user.is_active)
    return reads_risk_register(user)


class RiskMatterKind(models.TextChoices):
    DECISION = "decision", _("Major decision (重大决策)")
    PROJECT = "project", _("Major project (重大项目)")
    MATTER = "matter", _("Major matter (重大事项)")


class RiskDecision(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved to proceed")
    NOT_APPROVED = "not_approved", _("Not approved")
    SUSPENDED = "suspended", _("Suspended")


# What a leader may decide from each state; approved and not approved are final.
RISK_DECISIONS: dict[str, frozenset[str]] = {
    RiskDecision.PROPOSED: frozenset(
        {RiskDecision.APPROVED, RiskDecision.NOT_APPROVED, RiskDecision.SUSPENDED}
    ),
    RiskDecision.SUSPENDED: frozenset({RiskDecision.APPROVED, RiskDecision.NOT_APPROVED}),
}


class RiskMatter(RulesModel):
    """A major decision, project or matter of an area (D30, D31) and the leader's decision."""

    scope_path = "area__path"

    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=RiskMatterKind.choices)
    sponsor = models.CharField(
        _("sponsor"), max_length=100, help_text=_("The proposing department.")
    )
    description = models.TextField(_("description"), blank=True)
    planned_on = models.DateField(_("planned date"), null=True, blank=True)
    requires_assessment = models.BooleanField(  # 应评尽评
        _("requires assessment"), default=True
    )
    status = models.CharField(
        _("decision"),
        max_length=12,
        choices=RiskDecision.choices,
        default=RiskDecision.PROPOSED,
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
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("risk-register matter")
        verbose_name_plural = _("risk-register matters")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"])]
        rules_permissions = {
            "view": sees_risk_register & object_in_scope,
            "add": keeps_risk_register & object_in_scope,
            "change": keeps_risk_register & object_in_scope,
            "decide": decides_risk_matters & object_in_scope,
            "delete": is_administrator & object_in_scope,
        }

    def __str__(self) -> str:
        return self.title

    @property
    def is_decided(self) -> bool:
        return self.status in {RiskDecision.APPROVED, RiskDecision.NOT_APPROVED}

    @property
    def decisions_open(self) -> frozenset[str]:
        return RISK_DECISIONS.get(self.status, frozenset())


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class RiskConclusion(models.TextChoices):
    GO = "go", _("Go (可以实施)")
    GO_WITH_MEASURES = "go_with_measures", _("Go with measures (暂缓或调整后实施)")
    NO_GO = "no_go", _("No-go (不予实施)")


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    COMPLETED = "completed", _("Completed")


SCORE_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


class RiskAssessment(RulesModel):
    """An assessment of a matter (D32): three factors scored 1-5 give its risk level
    (disputes.risk_services.risk_level); findings, early warning, judicial advice, measures
    and a conclusion. A draft is edited; a completed one is read-only (a correction is a new
    assessment)."""

    scope_path = "matter__area__path"

    matter = models.ForeignKey(
        RiskMatter,
        verbose_name=_("matter"),
        on_delete=models.CASCADE,
        related_name="assessments",
    )
    possibility = models.PositiveSmallIntegerField(
        _("possibility"), null=True, blank=True, validators=SCORE_VALIDATORS
    )
    severity = models.PositiveSmallIntegerField(  # 危害程度
        _("severity"), null=True, blank=True, validators=SCORE_VALIDATORS
    )
    difficulty = models.PositiveSmallIntegerField(  # 处置难度
        _("handling difficulty"), null=True, blank=True, validators=SCORE_VALIDATORS
    )
    # Derived from the three scores by the services; blank until all three are given.
    level = models.CharField(_("risk level"), max_length=6, choices=RiskLevel.choices, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    early_warning = models.TextField(_("early-warning notes"), blank=True)  # 预警信息
    judicial_advice = models.TextField(_("judicial advice"), blank=True)  # 司法建议 (D32)
    measures = models.TextField(_("measures"), blank=True)
    conclusion = models.CharField(
        _("conclusion"), max_length=16, choices=RiskConclusion.choices, blank=True
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assessing_body = models.CharField(_("assessing body"), max_length=100, blank=True)
    assessed_on = models.DateField(_("assessment date"), null=True, blank=True)
    status = models.CharField(
        _("assessment status"),
        max_length=10,
        choices=AssessmentStatus.choices,
        default=AssessmentStatus.DRAFT,
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("risk assessment")
        verbose_name_plural = _("risk assessments")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "assessed_on"])]
        rules_permissions = {
            "view": sees_risk_register & object_in_scope,
            "add": keeps_risk_register & object_in_scope,
            "change": keeps_risk_register & object_in_scope,
            "delete": is_administrator & object_in_scope,
        }

    def __str__(self) -> str:
        return f"{self.matter} · {self.get_status_display()}"

    @property
    def is_draft(self) -> bool:
        return self.status == AssessmentStatus.DRAFT


class ConsultationForm(models.TextChoices):
    DIALOGUE = "dialogue", _("Dialogue with residents' representatives")
    HEARING = "hearing", _("Hearing")
    SURVEY = "survey", _("Survey")
    FORUM = "forum", _("Forum")


class RiskConsultation(RulesModel):
    """How the people concerned were heard (D35: 与群众代表对话、广泛征求意见)."""

    scope_path = "assessment__matter__area__path"

    assessment = models.ForeignKey(
        RiskAssessment,
        verbose_name=_("assessment"),
        on_delete=models.CASCADE,
        related_name="consultations",
    )
    held_on = models.DateField(_("date"))
    form = models.CharField(_("form"), max_length=10, choices=ConsultationForm.choices)
    participants = models.TextField(_("participants"))
    opinions = models.TextField(_("opinions gathered"))

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["held_on", "pk"]
        rules_permissions = {
            "view": sees_risk_register & object_in_scope,
            "add": keeps_risk_register & object_in_scope,
            "change": keeps_risk_register & object_in_scope,
            "delete": is_administrator & object_in_scope,
        }

    def __str__(self) -> str:
        return f"{self.held_on} · {self.get_form_display()}"


# --- Cases -----------------------------------------------------------------------------------
# A dispute case (矛盾纠纷) and its life, each step a django-fsm transition made by a service
# (disputes/case_services.py) that checks who may make it and records a CaseAction. Field
# names follow the dispute record of GB/T 31000-2015 where it has one (名称, 发生日期, 发生地详址,
# 涉及人数, 涉及单位, 简述, 化解方式, 化解组织, 化解责任人, 化解是否成功, 化解情况, 考评日期, 考评意见).


class CaseSource(models.TextChoices):
    SCREENING = "screening", _("Screening (排查)")
    VISIT = "visit", _("Grid worker's visit")
    WALK_IN = "walk_in", _("Walk-in")
    HOTLINE = "hotline", _("Hotline")
    PATROL = "patrol", _("Patrol")
    LEADER_RECEPTION = "leader_reception", _("Leader's reception (领导接访)")
    OTHER_SYSTEM = "other_system", _("Another system")


class CaseState(models.TextChoices):
    REGISTERED = "registered", _("Registered, awaiting acceptance")
    HANDED_OFF = "handed_off", _("Handed off, awaiting the receiving unit")
    ACCEPTED = "accepted", _("Accepted, being handled")
    MEDIATING = "mediating", _("In mediation")
    RESOLVED = "resolved", _("Resolved, awaiting verification")
    AWAITING_SIGN_OFF = "awaiting_sign_off", _("Awaiting the leader's sign-off")
    CLOSED = "closed", _("Closed")


OPEN_STATES = [state for state in CaseState.values if state != CaseState.CLOSED]
HANDLING_STATES = [CaseState.ACCEPTED, CaseState.MEDIATING]


class Outcome(models.TextChoices):
    RESOLVED = "resolved", _("Resolved (化解成功)")
    ARBITRATION = "arbitration", _("Referred to arbitration")
    COURT = "court", _("Referred to court")
    OTHER_CHANNEL = "other_channel", _("Referred to another legal channel")
    CRIMINAL = "criminal", _("Turned criminal (民转刑)")


FAILED_OUTCOMES = [Outcome.ARBITRATION, Outcome.COURT, Outcome.OTHER_CHANNEL, Outcome.CRIMINAL]
FAILED_OUTCOME_CHOICES = [choice for choice in Outcome.choices if choice[0] in FAILED_OUTCOMES]
# What a person registering a case names as its source (another system's is set by its token).
REGISTRATION_SOURCE_CHOICES = [c for c in CaseSource.choices if c[0] != CaseSource.OTHER_SYSTEM]


@rules.predicate
def registers_cases(user: Any) -> bool:
    """Grid workers, office staff, department staff, leaders (at their receptions) and other
    systems register cases; administrators manage accounts, not cases."""
    return _role_of(
        user,
        Role.GRID_WORKER,
        Role.OFFICE_STAFF,
        Role.DEPARTMENT,
        Role.LEADER,
        Role.API_CLIENT,
    )


class Case(ConcurrentTransitionMixin, RulesModel):
    """A dispute case. It lies in a grid (scope_path) and is owned by a unit (首问负责, D28):
    the unit that registered it, until another unit accepts a hand-off. Department staff see
    the cases their unit owns or was ever handed (`scope_units`)."""

    scope_path = "grid__path"
    # D16: the units of its special task group (专项工作组) work on it beside its owner.
    scope_units = ("owner_unit", "handoffs__to_unit", "task_group__unit")

    # Set from the primary key once the row exists: MD-<year>-<id>.
    number = models.CharField(
        _("case number"), max_length=20, unique=True, null=True, editable=False
    )
    title = models.CharField(_("title (名称)"), max_length=120)
    summary = models.TextField(_("summary (简述)"))
    category = models.ForeignKey(
        DisputeCategory, verbose_name=_("category"), on_delete=models.PROTECT
    )
    severity = models.CharField(
        _("grade"), max_length=20, choices=Severity.choices, default=Severity.GENERAL
    )
    source = models.CharField(_("source"), max_length=20, choices=CaseSource.choices)
    grid = models.ForeignKey(
        Area,
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name="dispute_cases",
        limit_choices_to={"level": 4},
    )
    address = models.CharField(_("address (发生地详址)"), max_length=200, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    occurred_on = models.DateField(_("date it arose (发生日期)"))
    people_involved = models.PositiveIntegerField(_("people involved (涉及人数)"), default=2)
    units_involved = models.CharField(_("units involved (涉及单位)"), max_length=200, blank=True)
    # 上访 flags (D25)
    petition = models.BooleanField(_("petition (上访)"), default=False)
    collective_petition = models.BooleanField(_("collective petition (集体上访)"), default=False)
    bypass_petition = models.BooleanField(_("bypass-level petition (越级上访)"), default=False)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )

    state = FSMField(
        _("state"), max_length=20, choices=CaseState.choices, default=CaseState.REGISTERED
    )
    # Where a returned hand-off goes back to (the state the case had when it was handed off).
    state_before_handoff = models.CharField(max_length=20, blank=True, editable=False)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    owner_unit = models.ForeignKey(
        "grid.Unit",
        verbose_name=_("responsible unit"),
        on_delete=models.PROTECT,
        related_name="owned_cases",
    )
    pending_unit = models.ForeignKey(
        "grid.Unit",
        verbose_name=_("handed off to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The level that supervises the case: its grid or community at first, one level up at
    # each escalation (grid → community → street → district).
    supervising_area = models.ForeignKey(
        Area, verbose_name=_("supervising level"), on_delete=models.PROTECT, related_name="+"
    )
    escalations = models.PositiveSmallIntegerField(_("escalations"), default=0)

    # The plan (制定方案; D10: leader, people, duty, measures, deadline), named at acceptance.
    responsible_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible leader (包案领导)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_cases",
    )
    handlers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handlers"),
        blank=True,
        related_name="handled_cases",
    )
    measures = models.TextField(_("measures"), blank=True)

    # The current stage's time limit (DeadlinePolicy, working days).
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, blank=True)
    stage_started_at = models.DateTimeField(null=True, blank=True)
    stage_due_at = models.DateTimeField(_("due"), null=True, blank=True)
    stage_warn_at = models.DateTimeField(null=True, blank=True)
    extended_days = models.PositiveSmallIntegerField(_("days granted"), default=0)
    # Early warning (预警督办, D29): each card once per stage, cleared when a stage begins.
    yellow_carded_at = models.DateTimeField(_("yellow card"), null=True, blank=True)
    red_carded_at = models.DateTimeField(_("red card"), null=True, blank=True)

    # The outcome and its checking (化解方式 … 考评意见).
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    resolution_method = models.CharField(_("method (化解方式)"), max_length=100, blank=True)
    resolution_org = models.CharField(_("resolved by (化解组织)"), max_length=100, blank=True)
    resolution_notes = models.TextField(_("how it was resolved (化解情况)"), blank=True)
    agreement = models.TextField(_("agreement"), blank=True)
    referred_to = models.CharField(_("referred to"), max_length=200, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    satisfied = models.BooleanField(_("parties satisfied"), null=True, blank=True)
    evaluated_on = models.DateField(_("verified on (考评日期)"), null=True, blank=True)
    evaluation = models.TextField(_("verification notes (考评意见)"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("dispute case")
        verbose_name_plural = _("dispute cases")
        ordering = ["-registered_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "stage_due_at"]),
            # The deadline scan: cases past their warning or their deadline, not yet carded.
            models.Index(
                fields=["stage_warn_at"],
                condition=models.Q(yellow_carded_at__isnull=True, stage_warn_at__isnull=False),
                name="case_yellow_due",
            ),
            models.Index(
                fields=["stage_due_at"],
                condition=models.Q(red_carded_at__isnull=True, stage_due_at__isnull=False),
                name="case_red_due",
            ),
            models.Index(fields=["-registered_at", "-id"]),
        ]
        # Every step is a service with its own rule (case_services); "change" is never a
        # free edit.
        rules_permissions = {
            "view": is_portal_user & object_in_scope,
            "add": registers_cases & object_in_scope,
            "change": rules.always_deny,
            "delete": rules.always_deny,
        }

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state != CaseState.CLOSED

    @property
    def escalated_to_street(self) -> bool:
        return self.supervising_area.level <= 2  # street or district

    @property
    def needs_leader(self) -> bool:
        """Major and mass-incident cases, and cases escalated to street level or above, are
        taken by a leader personally (领导包案, D12) and close only on their sign-off."""
        return self.severity != Severity.GENERAL or self.escalated_to_street

    @property
    def overdue(self) -> bool:
        from django.utils import timezone

        return self.stage_due_at is not None and self.stage_due_at < timezone.now()

    # The transitions: the services call them after checking the actor and the input; the
    # state guard itself is django-fsm's (a wrong state raises TransitionNotAllowed).

    @transition(field=state, source=CaseState.REGISTERED, target=CaseState.ACCEPTED)
    def accept(self) -> None:
        pass

    @transition(field=state, source=CaseState.HANDED_OFF, target=CaseState.ACCEPTED)
    def accept_handoff(self) -> None:
        self.owner_unit = self.pending_unit
        self.pending_unit = None

    @transition(
        field=state,
        source=[CaseState.REGISTERED, *HANDLING_STATES],
        target=CaseState.HANDED_OFF,
    )
    def hand_off(self, to_unit: Any) -> None:
        self.state_before_handoff = self.state
        self.pending_unit = to_unit

    @transition(
        field=state,
        source=CaseState.HANDED_OFF,
        target=RETURN_VALUE(CaseState.REGISTERED, *HANDLING_STATES),
    )
    def return_handoff(self) -> str:
        self.pending_unit = None
        return self.state_before_handoff or CaseState.REGISTERED

    @transition(field=state, source=HANDLING_STATES, target=CaseState.MEDIATING)
    def mediate(self) -> None:
        pass

    @transition(field=state, source=HANDLING_STATES, target=CaseState.RESOLVED)
    def resolve(self) -> None:
        self.outcome = Outcome.RESOLVED

    @transition(
        field=state,
        source=HANDLING_STATES,
        target=RETURN_VALUE(CaseState.AWAITING_SIGN_OFF, CaseState.CLOSED),
    )
    def fail(self, outcome: str) -> str:
        self.outcome = outcome
        return CaseState.AWAITING_SIGN_OFF if self.needs_leader else CaseState.CLOSED

    @transition(
        field=state,
        source=CaseState.RESOLVED,
        target=RETURN_VALUE(CaseState.ACCEPTED, CaseState.AWAITING_SIGN_OFF, CaseState.CLOSED),
    )
    def verify(self, satisfied: bool) -> str:
        """After resolution the office checks with the parties (D17): unsatisfied sends the
        case back to be handled again (退回重办)."""
        self.satisfied = satisfied
        if not satisfied:
            self.outcome = ""
            return CaseState.ACCEPTED
        return CaseState.AWAITING_SIGN_OFF if self.needs_leader else CaseState.CLOSED

    @transition(field=state, source=CaseState.AWAITING_SIGN_OFF, target=CaseState.CLOSED)
    def sign_off(self) -> None:
        pass

    @transition(field=state, source=CaseState.AWAITING_SIGN_OFF, target=CaseState.ACCEPTED)
    def send_back(self) -> None:
        self.outcome = ""
        self.satisfied = None

    @transition(field=state, source=CaseState.CLOSED, target=CaseState.ACCEPTED)
    def reopen(self) -> None:
        self.outcome = ""
        self.satisfied = None
        self.closed_at = None

    @transition(field=state, source=OPEN_STATES, target=None)
    def escalate(self, to_area: Area) -> None:
        self.supervising_area = to_area
        self.escalations += 1

    @transition(field=state, source=OPEN_STATES, target=None)
    def instruct(self) -> None:
        """A leader's instruction (批示) is an entry on an open case; the state stays."""

    @transition(field=state, source=OPEN_STATES, target=None)
    def take(self, leader: Any) -> None:
        """A leader takes the case personally (领导包案)."""
        self.responsible_leader = leader


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("Applicant (申请人)")
    RESPONDENT = "respondent", _("Respondent (被申请人)")
    OTHER = "other", _("Other party")


class CaseParty(models.Model):
    """A party (主要当事人): a resident or an organisation of the ledger, or a name."""

    scope_path = "case__grid__path"
    scope_units = ("case__owner_unit", "case__handoffs__to_unit")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("role"), max_length=20, choices=PartyRole.choices)
    resident = models.ForeignKey(
        "population.Resident",
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dispute_parties",
    )
    organisation = models.ForeignKey(
        "population.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dispute_parties",
    )
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(resident__isnull=False, organisation__isnull=True)
                    | models.Q(resident__isnull=True, organisation__isnull=False)
                    | (
                        models.Q(resident__isnull=True, organisation__isnull=True)
                        & ~models.Q(name="")
                    )
                ),
                name="case_party_one_identity",
            ),
        ]

    def __str__(self) -> str:
        if self.resident_id:
            return self.resident.name
        if self.organisation_id:
            return self.organisation.name
        return self.name


class HandoffKind(models.TextChoices):
    ASSIGN = "assign", _("Assigned (交办)")
    TRANSFER = "transfer", _("Transferred (转办)")
    ADMINISTRATIVE_MEDIATION = "administrative", _("For administrative mediation (行政调解)")


class CaseHandoff(models.Model):
    """One hand-off of a case between units: from, to, when, who, why; then accepted or
    returned (回退) with a reason."""

    scope_path = "case__grid__path"
    scope_units = ("case__owner_unit", "case__handoffs__to_unit")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="handoffs")
    kind = models.CharField(_("kind"), max_length=20, choices=HandoffKind.choices)
    from_unit = models.ForeignKey(
        "grid.Unit", verbose_name=_("from"), on_delete=models.PROTECT, related_name="+"
    )
    to_unit = models.ForeignKey(
        "grid.Unit", verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    handed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    handed_at = models.DateTimeField(auto_now_add=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True)
    accepted = models.BooleanField(null=True)
    return_reason = models.TextField(_("reason for returning"), blank=True)

    class Meta:
        verbose_name = _("hand-off")
        verbose_name_plural = _("hand-offs")
        ordering = ["handed_at", "pk"]
        constraints = [
            # One hand-off awaits an answer at a time.
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(accepted__isnull=True), name="one_open_handoff"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_unit} → {self.to_unit}"


class MediationKind(models.TextChoices):
    """三调联动 (D18), and the public hearing as a session type (D23)."""

    PEOPLES = "peoples", _("People's mediation (人民调解)")
    ADMINISTRATIVE = "administrative", _("Administrative mediation (行政调解)")
    JUDICIAL = "judicial", _("Judicial mediation (司法调解)")
    HEARING = "hearing", _("Public hearing (听证)")


class CaseTaskGroupMember(models.Model):
    """A unit of a case's special task group (专项工作组, D16): the units that work on a case
    beside its owner, one of them leading the group. Their people see the case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="task_group")
    unit = models.ForeignKey(
        "grid.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="task_groups"
    )
    lead = models.BooleanField(_("leads the group"), default=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("task group member")
        verbose_name_plural = _("task group members")
        ordering = ["-lead", "added_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "unit"], name="task_group_unit_once"),
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(lead=True), name="task_group_one_lead"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.unit}"


class MediationSession(models.Model):
    scope_path = "case__grid__path"
    scope_units = ("case__owner_unit", "case__handoffs__to_unit")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="mediations")
    kind = models.CharField(_("kind"), max_length=20, choices=MediationKind.choices)
    held_on = models.DateField(_("held on"))
    mediators = models.CharField(_("mediators"), max_length=200, blank=True)
    # The organisation of the register that held it (D19), routed by the case's category.
    organisation = models.ForeignKey(
        "MediationOrganisation",
        verbose_name=_("mediation organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    # Those of the area's roster who sat in the session (D20); others are named in `mediators`.
    roster = models.ManyToManyField(
        "Mediator", verbose_name=_("mediators from the roster"), blank=True, related_name="sessions"
    )
    participants = models.CharField(_("participants"), max_length=300, blank=True)
    outcome = models.TextField(_("outcome"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")
        ordering = ["held_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_on}"


ACTION_LABELS = {
    "register": _("Registered"),
    "accept": _("Accepted with a plan"),
    "hand_off": _("Handed off"),
    "return": _("Returned to the sender (回退)"),
    "mediate": _("Mediation session"),
    "resolve": _("Resolved"),
    "fail": _("Not resolved: referred"),
    "verify": _("Verified: the parties are satisfied"),
    "redo": _("Verified: unsatisfied, to be handled again (退回重办)"),
    "sign_off": _("Signed off by the leader"),
    "send_back": _("Sent back by the leader"),
    "instruct": _("Leader's instruction (批示)"),
    "take": _("Taken by a leader (领导包案)"),
    "meeting": _("Discussed at a meeting (定期会商)"),
    "task_group": _("Special task group formed (专项工作组)"),
    "group_report": _("Task group's report"),
    "escalate": _("Escalated (督办)"),
    "reopen": _("Reopened"),
    "duplicate": _("A duplicate of this case was registered"),
    "extend": _("Extension requested (延期申请)"),
    "extension_granted": _("Extension granted"),
    "extension_refused": _("Extension refused"),
    "supervise": _("Listed for supervision (挂牌督办)"),
    "report_back": _("Reported back to the supervising office"),
    "lift_supervision": _("Supervision lifted"),
    "accountability": _("Accountability recorded (责任追究)"),
    "yellow_card": _("Yellow card: the time limit is running out (预警)"),
    "red_card": _("Red card: the time limit has passed (督办)"),
}


class CaseAction(models.Model):
    """The case's timeline: every step, who (None: the system), for which unit, when, from
    which state to which, and the comment. Cards and escalations are actions too, once each
    (their `key`)."""

    scope_path = "case__grid__path"
    scope_units = ("case__owner_unit", "case__handoffs__to_unit")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="actions")
    action = models.CharField(_("action"), max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey("grid.Unit", null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    # Once-only system actions (a card per stage, an escalation per deadline) carry a key.
    key = models.CharField(max_length=80, null=True, blank=True)

    class Meta:
        verbose_name = _("case action")
        verbose_name_plural = _("case actions")
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "key"], name="case_action_once"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d %H:%M}"

    @property
    def label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))


# --- Extensions, listed supervision, accountability ----------------------------------------------


class ExtensionDecision(models.TextChoices):
    PENDING = "pending", _("Awaiting the decision")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")


class ExtensionRequest(models.Model):
    """A request for more time to handle a case (延期申请): the days asked and why, decided by
    the level above the one supervising the case; granted days move the deadline."""

    scope_path = "case__grid__path"
    scope_units = ("case__owner_unit", "case__handoffs__to_unit")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField(
        _("working days asked"), validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decision = models.CharField(
        _("decision"),
        max_length=10,
        choices=ExtensionDecision.choices,
        default=ExtensionDecision.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(decision="pending"),
                name="one_pending_extension",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} +{self.days}"


class Supervision(models.Model):
    """Listed supervision (挂牌督办, D11): an office puts a case under its supervision with a
    deadline and what it requires; the responsible unit reports back; the office lifts it."""

    scope_path = "case__grid__path"
    scope_units = ("case__owner_unit", "case__handoffs__to_unit")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="supervisions")
    office = models.ForeignKey(
        "grid.Unit",
        verbose_name=_("supervising office"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requirement = models.TextField(_("what is required"))
    deadline = models.DateField(_("report back by"))
    listed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    listed_at = models.DateTimeField(auto_now_add=True)
    report = models.TextField(_("report back"), blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("listed supervision")
        verbose_name_plural = _("listed supervisions")
        ordering = ["listed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(lifted_at__isnull=True),
                name="one_open_supervision",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} 督办"


class AccountabilityRecord(models.Model):
    """Accountability (责任追究, D27): for a case that became a mass incident, or one screened
    carelessly or handled badly — who, what was found, the sanction."""

    scope_path = "case__grid__path"
    scope_units = ("case__owner_unit", "case__handoffs__to_unit")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="accountability")
    persons = models.CharField(_("persons held accountable"), max_length=300)
    finding = models.TextField(_("finding"))
    sanction = models.CharField(_("sanction"), max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("accountability record")
        verbose_name_plural = _("accountability records")
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case.number} {self.persons}"


# --- The two screenings ---
# 两个排查 (D1-D9): every reporting unit (a grid.Unit) reports once per period on the two kinds,
# disputes (矛盾纠纷) and public-security problems and hazards, each with its items or an
# explicit zero report (零报告, D4). Who reports how often is disputes.screening_services.
# cadence_of (settings SCREENING_CADENCES, per district); the period opener, reminders and
# late notices are beat tasks (disputes.screening_tasks).


class ScreeningCadence(models.TextChoices):
    HALF_MONTHLY = "half_monthly", _("Half-monthly (每半月)")  # D2
    MONTHLY = "monthly", _("Monthly (每月)")  # D1, D3
    WEEKLY = "weekly", _("Weekly, rolling screening (滚动排查)")  # D6: hotspots only


class ScreeningPeriod(RulesModel):
    """One period of one cadence, the same for every district: 1st-15th and 16th-end for the
    half-monthly reporters, the calendar month for the monthly ones, Monday-Sunday for the
    rolling screening of hotspots. The due day is SCREENING_DUE_WORKING_DAYS working days
    after the period ends (no seed fixes it)."""

    cadence = models.CharField(_("cadence"), max_length=12, choices=ScreeningCadence.choices)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    due_on = models.DateField(_("due day"))

    class Meta:
        verbose_name = _("screening period")
        verbose_name_plural = _("screening periods")
        ordering = ["-starts_on", "cadence"]
        constraints = [
            models.UniqueConstraint(
                fields=["cadence", "starts_on"], name="screening_period_once_per_cadence"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on"))
                & models.Q(due_on__gte=models.F("ends_on")),
                name="screening_period_dates_in_order",
            ),
        ]
        rules_permissions = REFERENCE_DATA_RULES

    def __str__(self) -> str:
        return f"{self.starts_on.isoformat()}–{self.ends_on.isoformat()} · {self.get_cadence_display()}"


class ScreeningState(models.TextChoices):
    OPEN = "open", _("Open (not yet submitted)")
    SUBMITTED = "submitted", _("Submitted")


@rules.predicate
def reports_for_unit(user: Any, report: Any) -> bool:
    """Who submits a unit's report: its own people (a department's or an enterprise's staff,
    an office's staff with the unit set), the office staff of the area an office serves, and
    other systems through a token within their area (object_in_scope). Without a report:
    whoever may report for some unit."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser or user.role == Role.API_CLIENT:
        return True
    if report is None:
        return user.unit_id is not None or user.role == Role.OFFICE_STAFF
    if user.unit_id is not None and user.unit_id == report.unit_id:
        return True
    unit = report.unit
    return (
        user.role == Role.OFFICE_STAFF
        and unit.kind == "office"
        and user.home_area_id == unit.area_id
    )


class ScreeningReport(RulesModel):
    """A unit's report for a period (D3): open until submitted; `late` records a submission
    after the due day, or a report still missing after it (then also the notice to the level
    above, once: `late_notified_at`)."""

    scope_path = "unit__area__path"
    scope_units = ("unit",)  # a department's people see their own unit's reports

    unit = models.ForeignKey(
        "grid.Unit",
        verbose_name=_("reporting unit"),
        on_delete=models.PROTECT,
        related_name="screening_reports",
    )
    period = models.ForeignKey(
        ScreeningPeriod,
        verbose_name=_("period"),
        on_delete=models.PROTECT,
        related_name="reports",
    )
    state = models.CharField(
        _("state"), max_length=10, choices=ScreeningState.choices, default=ScreeningState.OPEN
    )
    # 零报告 (D4): ticked = "screened, nothing found"; a report with items has it unticked.
    disputes_zero = models.BooleanField(_("zero report: disputes"), default=False)
    security_zero = models.BooleanField(_("zero report: public security"), default=False)
    late = models.BooleanField(_("late"), default=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    # Once each (the beat tasks' state guards): set in the transaction that sends the notice.
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    late_notified_at = models.DateTimeField(_("late notice sent at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("screening report")
        verbose_name_plural = _("screening reports")
        ordering = ["-period__starts_on", "unit__area__path", "unit__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "period"],
                name="screening_report_once_per_unit_and_period",
                violation_error_message=_("This unit already has a report for this period."),
            ),
            models.CheckConstraint(
                condition=models.Q(state="open") | models.Q(submitted_at__isnull=False),
                name="screening_report_submitted_has_time",
            ),
        ]
        indexes = [models.Index(fields=["state", "period"])]
        rules_permissions = {
            "view": is_portal_user & object_in_scope,
            "add": rules.always_deny,  # opened by the beat task (or the immediate report)
            "change": reports_for_unit & object_in_scope,
            "delete": is_administrator & object_in_scope,
        }

    def __str__(self) -> str:
        return f"{self.unit} · {self.period}"

    @property
    def is_open(self) -> bool:
        return self.state == ScreeningState.OPEN


class ScreeningItemKind(models.TextChoices):
    DISPUTE = "dispute", _("Dispute (矛盾纠纷)")
    DISORDER_AREA = "disorder_area", _("Area of public disorder (治安混乱地区)")
    SECURITY_PROBLEM = "security_problem", _("Prominent public-security problem (突出治安问题)")
    HAZARD = "hazard", _("Safety hazard (安全隐患)")


# The two screenings: disputes, and everything else (public security and hazards).
SECURITY_KINDS = frozenset(
    {
        ScreeningItemKind.DISORDER_AREA,
        ScreeningItemKind.SECURITY_PROBLEM,
        ScreeningItemKind.HAZARD,
    }
)


class ScreeningItem(RulesModel):
    """A problem found in a screening (D8: 造册登记, 列出清单, 制定方案), with its plan (D10:
    leader, people, duty, measures, deadline). Grid workers add their grid's items to their
    community's open report; the lead links items to cases once cases exist."""

    scope_path = "report__unit__area__path"
    scope_units = ("report__unit",)

    report = models.ForeignKey(
        ScreeningReport,
        verbose_name=_("report"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ScreeningItemKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    grid = models.ForeignKey(
        Area,
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": 4},
        help_text=_("Where it was found; departments and enterprises may leave it empty."),
    )
    parties = models.TextField(_("parties"), blank=True)
    severity = models.CharField(
        _("severity"), max_length=20, choices=Severity.choices, default=Severity.GENERAL
    )
    category = models.ForeignKey(
        DisputeCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Disputes only."),
    )
    people_count = models.PositiveIntegerField(_("number of people involved"), default=1)
    # The plan (D10: 明确领导、人员、责任、措施, 限期解决).
    responsible_leader = models.CharField(_("responsible leader"), max_length=60)
    handlers = models.CharField(_("handlers"), max_length=200, blank=True)
    duty = models.TextField(_("duty"), blank=True)
    measures = models.TextField(_("measures"), blank=True)
    deadline = models.DateField(_("deadline"))
    # 随时上报 (D5): a major problem reported at once, outside the period's rhythm.
    immediate = models.BooleanField(_("reported at once (随时上报)"), default=False)
    # 造册登记 (D8): a dispute found in the screening is registered as a case.
    case = models.OneToOneField(
        Case,
        verbose_name=_("registered as case"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="screening_item",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("screening item")
        verbose_name_plural = _("screening items")
        ordering = ["report", "kind", "pk"]
        indexes = [models.Index(fields=["kind", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="dispute") | models.Q(category__isnull=False),
                name="screening_item_dispute_has_category",
                violation_error_message=_("A dispute needs its category."),
            ),
        ]
        rules_permissions = {
            "view": is_portal_user & object_in_scope,
            "add": rules.always_deny,  # through the report (screening_item_add)
            "change": rules.always_deny,
            "delete": is_administrator & object_in_scope,
        }

    def __str__(self) -> str:
        return self.title

    @property
    def is_dispute(self) -> bool:
        return self.kind == ScreeningItemKind.DISPUTE


@rules.predicate
def flags_hotspots(user: Any) -> bool:
    """Office staff of the area (object_in_scope) flag hotspots by hand and lift them."""
    return _role_of(user, Role.OFFICE_STAFF)


class ScreeningHotspot(RulesModel):
    """An area whose units screen more often (滚动排查, D6): while flagged, every unit in the
    area's subtree that reports half-monthly also reports weekly. Flagged by hand by office
    staff, or automatically when the area's items in the last SCREENING_HOTSPOT_PERIODS
    half-monthly periods reach SCREENING_HOTSPOT_ITEMS; an automatic flag lifts itself when
    the count falls below, a flag set by hand is lifted by hand."""

    scope_path = "area__path"

    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    automatic = models.BooleanField(_("flagged automatically"), default=False)
    reason = models.TextField(_("reason"))
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("flagged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    flagged_at = models.DateTimeField(_("flagged at"), auto_now_add=True)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lifted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("screening hotspot")
        verbose_name_plural = _("screening hotspots")
        ordering = ["-flagged_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["area"],
                condition=models.Q(lifted_at__isnull=True),
                name="screening_hotspot_once_per_area",
                violation_error_message=_("This area is already flagged as a hotspot."),
            ),
        ]
        rules_permissions = {
            "view": is_portal_user & object_in_scope,
            "add": flags_hotspots & object_in_scope,
            "change": flags_hotspots & object_in_scope,
            "delete": is_administrator & object_in_scope,
        }

    def __str__(self) -> str:
        return str(self.area)

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


# --- The mediator roster ---------------------------------------------------------------------------


class MediatorKind(models.TextChoices):
    """Who mediates (D20: 人民调解员队伍, and respected volunteers, 和谐使者)."""

    PEOPLES = "peoples", _("People's mediator (人民调解员)")
    VOLUNTEER = "volunteer", _("Volunteer (和谐使者)")
    PROFESSIONAL = "professional", _("Full-time mediator (专职调解员)")
    LAWYER = "lawyer", _("Lawyer (律师)")
    OTHER = "other", _("Other")


@rules.predicate
def keeps_mediator_roster(user: Any) -> bool:
    """The offices (综治办) keep their area's roster; administrators too."""
    return _role_of(user, Role.OFFICE_STAFF, Role.ADMIN)


class MediationOrganisationKind(models.TextChoices):
    """The mediation bodies the seeds name (D19: 行业性、专业性调解组织; 人民调解室、平和司法室、
    警民联调室、行政调解室; 道路交通事故损害赔偿纠纷调处中心; "一站一室三中心五联调")."""

    PEOPLES_COMMITTEE = "peoples_committee", _("People's mediation committee (人民调解委员会)")
    PEOPLES_ROOM = "peoples_room", _("People's mediation room (人民调解室)")
    PEACE_JUSTICE_ROOM = "peace_justice_room", _("Peace and justice room (平和司法室)")
    POLICE_JOINT_ROOM = "police_joint_room", _("Police-people joint mediation room (警民联调室)")
    ADMINISTRATIVE_ROOM = "administrative_room", _("Administrative mediation room (行政调解室)")
    INDUSTRY = "industry", _("Industry mediation organisation (行业性调解组织)")
    PROFESSIONAL = "professional", _("Professional mediation organisation (专业性调解组织)")
    CENTRE = "centre", _("Mediation centre (调处中心)")


class MediationOrganisation(RulesModel):
    """A mediation organisation of the register (D19): what kind, which unit hosts it, the
    dispute categories it handles (none: every category), where it sits. Cases are routed to
    those serving their area that handle their category; mediators belong to one."""

    scope_path = "area__path"

    area = models.ForeignKey(
        Area,
        verbose_name=_("area served"),
        on_delete=models.PROTECT,
        related_name="mediation_organisations",
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=30, choices=MediationOrganisationKind.choices)
    host_unit = models.ForeignKey(
        "grid.Unit",
        verbose_name=_("host unit (主办单位)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mediation_organisations",
    )
    categories = models.ManyToManyField(
        DisputeCategory,
        verbose_name=_("categories handled"),
        blank=True,
        related_name="mediation_organisations",
        help_text=_("None: it handles disputes of every category."),
    )
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[PHONE_VALIDATOR])
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("mediation organisation")
        verbose_name_plural = _("mediation organisations")
        ordering = ["area__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="mediation_org_unique_per_area")
        ]
        rules_permissions = {
            "view": is_portal_user & object_in_scope,
            "add": keeps_mediator_roster & object_in_scope,
            "change": keeps_mediator_roster & object_in_scope,
            "delete": is_administrator & object_in_scope,
        }

    def __str__(self) -> str:
        return self.name


class Mediator(RulesModel):
    """A mediator of an area's roster (D20): the people's mediators of its committees and the
    volunteers who mediate beside them; a mediation session names those who sat in it."""

    scope_path = "area__path"

    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="mediators"
    )
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=20, choices=MediatorKind.choices)
    organisation = models.CharField(
        _("mediation committee or organisation"), max_length=100, blank=True
    )
    # D19: the organisation of the register the mediator belongs to; `organisation` above
    # names one that is not (or not yet) in the register.
    mediation_organisation = models.ForeignKey(
        MediationOrganisation,
        verbose_name=_("organisation in the register"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[PHONE_VALIDATOR])
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("mediator")
        verbose_name_plural = _("mediators")
        ordering = ["area__path", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "name", "phone"], name="mediator_unique_per_area"
            ),
        ]
        rules_permissions = {
            "view": is_portal_user & object_in_scope,
            "add": keeps_mediator_roster & object_in_scope,
            "change": keeps_mediator_roster & object_in_scope,
            "delete": is_administrator & object_in_scope,
        }

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"

    def clean(self) -> None:
        organisation = self.mediation_organisation
        if (
            organisation is not None
            and self.area_id is not None
            and not organisation.area.contains(self.area)
        ):
            raise ValidationError(
                {
                    "mediation_organisation": _(
                        "%(organisation)s serves %(area)s: a mediator of another area's "
                        "roster cannot belong to it."
                    )
                    % {"organisation": organisation, "area": organisation.area.name}
                }
            )


# --- Leaders' public appointment receptions (D24: 领导公开预约接访) ---
# A leader's office publishes the leader's reception slots; citizens book one (at the office's
# desk, on the phone, or through another system such as a petition portal, by the API); at
# the reception the leader hears them, and a reception may open a case (source "leader's
# reception"), which the leader who heard it takes personally (领导包案).


@rules.predicate
def publishes_receptions(user: Any) -> bool:
    """Leaders publish their own receptions; their offices publish and run them."""
    return _role_of(user, Role.LEADER, Role.OFFICE_STAFF)


@rules.predicate
def books_receptions(user: Any) -> bool:
    """The office's desk, the leader's own staff, and other systems (a petition portal)."""
    return _role_of(user, Role.LEADER, Role.OFFICE_STAFF, Role.API_CLIENT)


class ReceptionSlot(RulesModel):
    """A time a leader receives the public (D24), open for booking up to its capacity."""

    scope_path = "area__path"

    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="reception_slots"
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leader"),
        on_delete=models.PROTECT,
        related_name="reception_slots",
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    venue = models.CharField(_("venue"), max_length=200)
    topic = models.CharField(
        _("topic"),
        max_length=200,
        blank=True,
        help_text=_("For a reception on one subject (专场), e.g. land requisition."),
    )
    capacity = models.PositiveSmallIntegerField(
        _("bookings taken"), default=5, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("reception slot")
        verbose_name_plural = _("reception slots")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["area", "starts_at"], name="reception_slot_area_start")]
        rules_permissions = {
            "view": is_portal_user & object_in_scope,
            "add": publishes_receptions & object_in_scope,
            "change": publishes_receptions & object_in_scope,
            "delete": is_administrator & object_in_scope,
        }

    def __str__(self) -> str:
        return f"{self.leader} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    RECEIVED = "received", _("Received")
    NO_SHOW = "no_show", _("Did not come")
    CANCELLED = "cancelled", _("Cancelled")


class ReceptionBooking(RulesModel):
    """A citizen's booking of a reception slot: who, how to reach them, what about; then how
    the reception went and the case it opened, if any."""

    scope_path = "slot__area__path"

    slot = models.ForeignKey(
        ReceptionSlot,
        verbose_name=_("reception"),
        on_delete=models.PROTECT,
        related_name="bookings",
    )
    name = models.CharField(_("name"), max_length=50)
    phone = EncryptedCharField(
        _("phone"),
        max_length=20,
        context="disputes.ReceptionBooking.phone",
        validators=[PHONE_VALIDATOR],
    )
    phone_index = BlindIndexField(source="phone", normalize=phone_normalize)
    subject = models.TextField(_("what about"))
    category = models.ForeignKey(
        DisputeCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    people_count = models.PositiveSmallIntegerField(
        _("people coming"), default=1, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    status = models.CharField(
        _("status"), max_length=10, choices=BookingStatus.choices, default=BookingStatus.BOOKED
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("booked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    booked_at = models.DateTimeField(_("booked at"), auto_now_add=True)
    notes = models.TextField(_("how the reception went"), blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    case = models.ForeignKey(
        Case,
        verbose_name=_("case opened"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reception_bookings",
    )

    class Meta:
        verbose_name = _("reception booking")
        verbose_name_plural = _("reception bookings")
        ordering = ["slot", "booked_at", "pk"]
        constraints = [
            # One booking per person and reception, however the number was typed.
            models.UniqueConstraint(
                fields=["slot", "phone_index"],
                condition=~models.Q(status="cancelled"),
                name="reception_booking_once_per_phone",
            )
        ]
        rules_permissions = {
            "view": is_portal_user & object_in_scope,
            "add": books_receptions & object_in_scope,
            "receive": publishes_receptions & object_in_scope,
            "change": rules.always_deny,
            "delete": is_administrator & object_in_scope,
        }

    def __str__(self) -> str:
        return f"{self.name} · {self.slot}"

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


# --- Meetings on major disputes (D14: 定期召开会议; 定期会商; 定期汇报) ---
# The committee or office of an area meets regularly on its major and overdue disputes,
# consults with the departments, and hears work reports; each meeting records the cases it
# discussed and its decisions, each a task for a unit with a deadline.


class MeetingKind(models.TextChoices):
    MEETING = "meeting", _("Regular meeting on major disputes (定期会议)")
    CONSULTATION = "consultation", _("Consultation with departments (会商)")
    REPORT = "report", _("Work report (汇报)")


@rules.predicate
def holds_meetings(user: Any) -> bool:
    """The offices record their area's meetings; leaders chair them and record them too."""
    return _role_of(user, Role.OFFICE_STAFF, Role.LEADER)


class Meeting(RulesModel):
    """A meeting of an area's committee or office on its disputes (D14)."""

    scope_path = "area__path"
    scope_units = ("decisions__unit",)  # a unit given a task sees the meeting that set it

    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="dispute_meetings"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices)
    held_on = models.DateField(_("held on"))
    title = models.CharField(_("title"), max_length=120)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chaired by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    attendees = models.TextField(_("attendees"), help_text=_("Units and people present."))
    minutes = models.TextField(_("minutes"), blank=True)
    cases = models.ManyToManyField(
        Case, verbose_name=_("cases discussed"), blank=True, related_name="meetings"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("meeting on disputes")
        verbose_name_plural = _("meetings on disputes")
        ordering = ["-held_on", "-pk"]
        rules_permissions = {
            "view": is_portal_user & object_in_scope,
            "add": holds_meetings & object_in_scope,
            "change": rules.always_deny,  # recorded once; decisions are done through services
            "delete": is_administrator & object_in_scope,
        }

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.title}"


class MeetingDecision(RulesModel):
    """A decision of a meeting: a task for a unit, with a deadline, done once."""

    scope_path = "meeting__area__path"
    scope_units = ("unit",)  # the responsible unit's people see and close their tasks

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="decisions"
    )
    text = models.TextField(_("decision"))
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meeting_decisions",
    )
    unit = models.ForeignKey(
        "grid.Unit",
        verbose_name=_("responsible unit"),
        on_delete=models.PROTECT,
        related_name="meeting_decisions",
    )
    deadline = models.DateField(_("deadline"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    done_note = models.TextField(_("what was done"), blank=True)

    class Meta:
        verbose_name = _("meeting decision")
        verbose_name_plural = _("meeting decisions")
        ordering = ["deadline", "pk"]
        indexes = [
            models.Index(
                fields=["unit", "deadline"],
                condition=models.Q(done_at__isnull=True),
                name="meeting_decision_open",
            )
        ]
        rules_permissions = {
            "view": is_portal_user & object_in_scope,
            "add": rules.always_deny,  # with its meeting
            "change": rules.always_deny,  # done through the service
            "delete": rules.always_deny,
        }

    def __str__(self) -> str:
        return self.text[:40]
