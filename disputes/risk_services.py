"""Every change to the stability-risk register (社会稳定风险评估, D30-D35): one function per
use case, each in one transaction."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.models import (
    AssessmentStatus,
    ConsultationForm,
    RiskAssessment,
    RiskConclusion,
    RiskConsultation,
    RiskDecision,
    RiskLevel,
    RiskMatter,
    RiskMatterKind,
)
from governance.permissions import require_perm
from governance.scoping import in_scope
from grid.models import Area


def _person(actor: Any) -> Any:
    """The actor as a row to point at; None for the system (commands, factories)."""
    return actor if getattr(actor, "pk", None) else None


# --- The risk level ------------------------------------------------------------------------
# The seeds name the three factors (D32, seed 002: 可能性、危害程度和处置难度) and the three
# conclusions, not how the factors combine: the rule below is ours. Possibility times severity
# is the usual 5x5 risk matrix (1-25): up to 6 is low, up to 14 medium, above that high. A risk
# that is hard to handle (difficulty 4 or 5) is one level higher, since it must be prepared for
# earlier. Changing it changes only this function and its table test.
LOW_UP_TO = 6
MEDIUM_UP_TO = 14
HARD_TO_HANDLE_FROM = 4
_LEVELS = [RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH]


def risk_level(*, possibility: int, severity: int, difficulty: int) -> str:
    """The risk level of three scores, each 1-5 (see the comment above)."""
    for name, score in (
        ("possibility", possibility),
        ("severity", severity),
        ("difficulty", difficulty),
    ):
        if not 1 <= score <= 5:
            raise ValueError(f"{name} must be 1-5, not {score}")
    product = possibility * severity
    index = 0 if product <= LOW_UP_TO else 1 if product <= MEDIUM_UP_TO else 2
    if difficulty >= HARD_TO_HANDLE_FROM:
        index = min(index + 1, 2)
    return _LEVELS[index]


# --- Matters ---------------------------------------------------------------------------------

MATTER_FIELDS = frozenset(
    {"title", "kind", "sponsor", "description", "planned_on", "requires_assessment"}
)
TEXT_MAX = {"title": 200, "sponsor": 100}


def _clean_matter(fields: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    for name in ("title", "sponsor"):
        if name in fields:
            fields[name] = " ".join((fields[name] or "").split())
            if not fields[name]:
                errors[name] = _("This field is required.")
            elif len(fields[name]) > TEXT_MAX[name]:
                errors[name] = _("Keep it under %(max)d characters.") % {"max": TEXT_MAX[name]}
    if "kind" in fields and fields["kind"] not in RiskMatterKind.values:
        errors["kind"] = _("Choose a major decision, project or matter.")
    if "description" in fields:
        fields["description"] = (fields["description"] or "").strip()
    if errors:
        raise ValidationError(errors)
    return fields


@transaction.atomic
def risk_matter_register(
    *,
    actor: Any,
    area: Area,
    title: str,
    kind: str,
    sponsor: str,
    description: str = "",
    planned_on: datetime.date | None = None,
    requires_assessment: bool = True,
) -> RiskMatter:
    """Register a major decision, project or matter of an area in the actor's scope (D31)."""
    require_perm(actor, "disputes.add_riskmatter")
    if area is None or not in_scope(actor, area):
        raise ValidationError({"area": _("Choose an area within your own area.")})
    fields = _clean_matter(
        {
            "title": title,
            "kind": kind,
            "sponsor": sponsor,
            "description": description,
            "planned_on": planned_on,
            "requires_assessment": requires_assessment,
        }
    )
    matter = RiskMatter(area=area, registered_by=_person(actor), **fields)
    require_perm(actor, "disputes.add_riskmatter", matter)
    matter.save()
    return matter


def _locked_matter(matter: RiskMatter) -> RiskMatter:
    return (
        RiskMatter.objects.select_for_update(of=("self",)).select_related("area").get(pk=matter.pk)
    )


@transaction.atomic
def risk_matter_update(*, actor: Any, matter: RiskMatter, **fields: Any) -> RiskMatter:
    """Correct what was registered, until a leader has decided."""
    require_perm(actor, "disputes.change_riskmatter", matter)
    unknown = sorted(set(fields) - MATTER_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    fields = _clean_matter(dict(fields))
    current = _locked_matter(matter)
    if current.is_decided:
        raise ValidationError(
            {"status": _("A decided matter cannot be changed (%(status)s).")
             % {"status": current.get_status_display()}}
        )  # fmt: skip
    for name, value in fields.items():
        setattr(current, name, value)
    current.save()
    return current


def latest_completed_assessment(matter: RiskMatter) -> RiskAssessment | None:
    """The assessment that stands: the last one completed (a correction is a new one)."""
    return (
        matter.assessments.filter(status=AssessmentStatus.COMPLETED)
        .order_by("-completed_at", "-pk")
        .first()
    )


@transaction.atomic
def risk_matter_decide(
    *, actor: Any, matter: RiskMatter, decision: str, comment: str = ""
) -> RiskMatter:
    """A leader of the area approves the matter to proceed, does not approve it, or suspends
    it. Approval needs the standing (last completed) assessment to allow it: a matter that
    requires assessment is not approved without one (应评尽评, D31), and a no-go conclusion
    forbids approval whether or not one was required (当否必否, D31)."""
    require_perm(actor, "disputes.decide_riskmatter", matter)
    comment = " ".join((comment or "").split())
    current = _locked_matter(matter)
    if decision not in RiskDecision.values or decision == RiskDecision.PROPOSED:
        raise ValidationError(
            {"decision": _("Choose to approve, not approve or suspend the matter.")}
        )
    if decision not in current.decisions_open:
        raise ValidationError(
            {
                "decision": _("A matter that is %(status)s cannot be marked %(decision)s.")
                % {
                    "status": current.get_status_display(),
                    "decision": RiskDecision(decision).label,
                }
            }
        )
    if decision != RiskDecision.APPROVED and not comment:
        raise ValidationError({"comment": _("Say why the matter is not approved or suspended.")})
    if decision == RiskDecision.APPROVED:
        standing = latest_completed_assessment(current)
        if standing is None and current.requires_assessment:
            raise ValidationError(
                {
                    "decision": _(
                        "This matter requires a stability-risk assessment: it cannot be approved "
                        "before one is completed (应评尽评)."
                    )
                }
            )
        if standing is not None and standing.conclusion == RiskConclusion.NO_GO:
            raise ValidationError(
                {
                    "decision": _(
                        "The completed assessment concluded no-go: the matter cannot be "
                        "approved (当否必否)."
                    )
                }
            )
    current.status = decision
    current.decided_by = _person(actor)
    current.decided_at = timezone.now()
    current.decision_comment = comment
    current.save()
    return current


# --- Assessments -----------------------------------------------------------------------------

ASSESSMENT_FIELDS = frozenset(
    {
        "possibility",
        "severity",
        "difficulty",
        "findings",
        "early_warning",
        "judicial_advice",
        "measures",
        "conclusion",
        "assessor",
        "assessing_body",
        "assessed_on",
    }
)
CONSULTATION_FIELDS = ("held_on", "form", "participants", "opinions")
CONSULTATION_LABELS = {field.name: field.verbose_name for field in RiskConsultation._meta.fields}


def _check_assessment_fields(actor: Any, fields: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    for name in ("possibility", "severity", "difficulty"):
        value = fields.get(name)
        if value is not None and not (isinstance(value, int) and 1 <= value <= 5):
            errors[name] = _("Score it from 1 to 5.")
    conclusion = fields.get("conclusion")
    if conclusion and conclusion not in RiskConclusion.values:
        errors["conclusion"] = _("Choose go, go with measures or no-go.")
    assessor = fields.get("assessor")
    if assessor is not None and not in_scope(actor, assessor):
        errors["assessor"] = _("Choose an assessor within your own area.")
    if len(fields.get("assessing_body") or "") > 100:
        errors["assessing_body"] = _("Keep it under %(max)d characters.") % {"max": 100}
    if errors:
        raise ValidationError(errors)


def _apply_scores(assessment: RiskAssessment) -> None:
    p, s, d = assessment.possibility, assessment.severity, assessment.difficulty
    has_all = p is not None and s is not None and d is not None
    assessment.level = risk_level(possibility=p, severity=s, difficulty=d) if has_all else ""  # type: ignore[arg-type]


def _consultations_check(consultations: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each consultation needs its date (not in the future), form, participants and opinions."""
    cleaned: list[dict[str, Any]] = []
    errors: list[str] = []
    today = timezone.localdate()
    for entry in consultations:
        entry = {name: entry.get(name) for name in CONSULTATION_FIELDS}
        problems: dict[str, str] = {}
        for name in ("participants", "opinions"):
            entry[name] = (entry[name] or "").strip()
            if not entry[name]:
                problems[name] = _("This field is required.")
        if entry["form"] not in ConsultationForm.values:
            problems["form"] = _("Choose a dialogue, hearing, survey or forum.")
        if not isinstance(entry["held_on"], datetime.date):
            problems["held_on"] = _("Give the date it was held.")
        elif entry["held_on"] > today:
            problems["held_on"] = _("A consultation cannot be dated in the future.")
        errors += [
            _("Consultation %(number)d, %(field)s: %(message)s")
            % {
                "number": len(cleaned) + 1,
                "field": CONSULTATION_LABELS[name],
                "message": message,
            }
            for name, message in problems.items()
        ]
        cleaned.append(entry)
    if errors:
        raise ValidationError({"consultations": errors})
    return cleaned


@transaction.atomic
def risk_assessment_create(
    *,
    actor: Any,
    matter: RiskMatter,
    consultations: Iterable[dict[str, Any]] = (),
    **fields: Any,
) -> RiskAssessment:
    """Start an assessment (a draft) of a matter not yet decided, with its consultations."""
    require_perm(actor, "disputes.add_riskassessment")
    if matter is None or not actor.has_perm("disputes.view_riskmatter", matter):
        raise ValidationError({"matter": _("Choose a matter of your own area.")})
    unknown = sorted(set(fields) - ASSESSMENT_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in unknown})
    _check_assessment_fields(actor, fields)
    entries = _consultations_check(consultations)
    current = _locked_matter(matter)
    if current.is_decided:
        raise ValidationError(
            {"matter": _("This matter was decided already (%(status)s): it is not assessed.")
             % {"status": current.get_status_display()}}
        )  # fmt: skip
    assessment = RiskAssessment(matter=current, created_by=_person(actor), **fields)
    require_perm(actor, "disputes.add_riskassessment", assessment)
    _apply_scores(assessment)
    assessment.save()
    RiskConsultation.objects.bulk_create(
        RiskConsultation(assessment=assessment, **entry) for entry in entries
    )
    return assessment


def _locked_draft(assessment: RiskAssessment) -> RiskAssessment:
    current = (
        RiskAssessment.objects.select_for_update(of=("self",))
        .select_related("matter__area")
        .get(pk=assessment.pk)
    )
    if not current.is_draft:
        raise ValidationError(
            {
                "status": _(
                    "A completed assessment cannot be changed: a correction is a new assessment."
                )
            }
        )
    return current


@transaction.atomic
def risk_assessment_update(
    *,
    actor: Any,
    assessment: RiskAssessment,
    consultations: Iterable[dict[str, Any]] | None = None,
    **fields: Any,
) -> RiskAssessment:
    """Change a draft; `consultations`, when given, replace the draft's consultations."""
    require_perm(actor, "disputes.change_riskassessment", assessment)
    unknown = sorted(set(fields) - ASSESSMENT_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    _check_assessment_fields(actor, fields)
    entries = None if consultations is None else _consultations_check(consultations)
    current = _locked_draft(assessment)
    for name, value in fields.items():
        setattr(current, name, value)
    _apply_scores(current)
    current.save()
    if entries is not None:
        current.consultations.all().delete()
        RiskConsultation.objects.bulk_create(
            RiskConsultation(assessment=current, **entry) for entry in entries
        )
    return current


@transaction.atomic
def risk_consultation_add(
    *,
    actor: Any,
    assessment: RiskAssessment,
    held_on: datetime.date,
    form: str,
    participants: str,
    opinions: str,
) -> RiskConsultation:
    """Record one consultation of a draft assessment (D35)."""
    require_perm(actor, "disputes.change_riskassessment", assessment)
    (entry,) = _consultations_check(
        [{"held_on": held_on, "form": form, "participants": participants, "opinions": opinions}]
    )
    current = _locked_draft(assessment)
    consultation = RiskConsultation(assessment=current, **entry)
    require_perm(actor, "disputes.add_riskconsultation", consultation)
    consultation.save()
    return consultation


@transaction.atomic
def risk_assessment_complete(*, actor: Any, assessment: RiskAssessment) -> RiskAssessment:
    """Complete a draft: all three scores, findings, a conclusion, the assessing body, a date
    not in the future and at least one consultation. The actor signs as assessor unless one
    was named. From then on it is read-only."""
    require_perm(actor, "disputes.change_riskassessment", assessment)
    current = _locked_draft(assessment)
    required = _("Give this before the assessment is completed.")
    errors: dict[str, str] = {}
    for name in ("possibility", "severity", "difficulty"):
        if getattr(current, name) is None:
            errors[name] = required
    for name in ("findings", "conclusion", "assessing_body"):
        if not getattr(current, name).strip():
            errors[name] = required
    if current.assessed_on is None:
        errors["assessed_on"] = required
    elif current.assessed_on > timezone.localdate():
        errors["assessed_on"] = _("An assessment cannot be dated in the future.")
    # Our rule, not a seed's: D35 asks that the people concerned be heard (与群众代表对话、
    # 广泛征求意见); an assessment with no consultation has not heard them.
    if not current.consultations.exists():
        errors["consultations"] = _(
            "Record at least one consultation (dialogue, hearing, survey or forum) first."
        )
    if errors:
        raise ValidationError(errors)
    if current.matter.is_decided:
        raise ValidationError(
            {"matter": _("This matter was decided already (%(status)s): it is not assessed.")
             % {"status": current.matter.get_status_display()}}
        )  # fmt: skip
    current.assessor = current.assessor or _person(actor)
    current.status = AssessmentStatus.COMPLETED
    current.completed_at = timezone.now()
    _apply_scores(current)
    current.save()
    return current
