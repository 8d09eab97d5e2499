"""Disputes (矛盾纠纷): the two screenings, cases, deadlines and stability-risk assessment."""

import rules
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from rules.contrib.models import RulesModel

from governance.permissions import is_administrator, is_portal_user

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
