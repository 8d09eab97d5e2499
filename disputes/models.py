"""Disputes (矛盾纠纷): the two screenings, cases, deadlines and stability-risk assessment."""

from typing import Any

import rules
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from rules.contrib.models import RulesModel

from governance.models import Role
from governance.permissions import is_administrator, is_portal_user, object_in_scope
from grid.models import Area

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
