"""Disputes (矛盾纠纷) and the stability-risk assessment register (社会稳定风险评估)."""

from typing import Any

import rules
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from rules.contrib.models import RulesModel

from governance.models import Role
from governance.permissions import is_administrator, object_in_scope
from grid.models import Area

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
