"""Shared reads of the stability-risk register; every one goes through the scoping rule."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from disputes.models import (
    AssessmentStatus,
    RiskAssessment,
    RiskConclusion,
    RiskDecision,
    RiskLevel,
    RiskMatter,
    reads_risk_register,
)
from governance.models import ApiToken
from governance.scoping import scope_root, visible_to
from grid.models import Area

_COMPLETED = Q(status=AssessmentStatus.COMPLETED)


def _has_completed_assessment() -> Exists:
    return Exists(RiskAssessment.objects.filter(_COMPLETED, matter=OuterRef("pk")).values("pk"))


def risk_matter_list(
    *,
    user: Any,
    token: ApiToken | None = None,
    area: Area | None = None,
    year: int | None = None,
    status: str | None = None,
    awaiting_assessment: bool | None = None,
) -> QuerySet[RiskMatter]:
    """The register of the user's scope (none for grid workers), newest first. `area`: its
    subtree; `year`: registered that year; `awaiting_assessment`: those that require an
    assessment, are undecided and have no completed one (the list D31 asks for)."""
    if not reads_risk_register(user):
        return RiskMatter.objects.none()
    matters = visible_to(
        user,
        RiskMatter.objects.select_related("area", "decided_by", "registered_by")
        .defer("area__boundary")
        .annotate(assessed=_has_completed_assessment()),
        token=token,
    )
    if area is not None:
        matters = matters.filter(area__path__startswith=area.path)
    if year is not None:
        matters = matters.filter(created_at__year=year)
    if status:
        matters = matters.filter(status=status)
    if awaiting_assessment is not None:
        awaiting = Q(
            requires_assessment=True,
            status__in=[RiskDecision.PROPOSED, RiskDecision.SUSPENDED],
            assessed=False,
        )
        matters = matters.filter(awaiting) if awaiting_assessment else matters.exclude(awaiting)
    return matters.order_by("-created_at", "-pk")


def risk_assessment_list(
    *,
    user: Any,
    token: ApiToken | None = None,
    area: Area | None = None,
    year: int | None = None,
    status: str | None = None,
    level: str | None = None,
    matter: RiskMatter | None = None,
) -> QuerySet[RiskAssessment]:
    """The assessments of the user's scope (none for grid workers). `year`: assessed that year."""
    if not reads_risk_register(user):
        return RiskAssessment.objects.none()
    assessments = visible_to(
        user,
        RiskAssessment.objects.select_related("matter__area", "assessor")
        .defer("matter__area__boundary")
        .prefetch_related("consultations"),
        token=token,
    )
    if area is not None:
        assessments = assessments.filter(matter__area__path__startswith=area.path)
    if year is not None:
        assessments = assessments.filter(assessed_on__year=year)
    if status:
        assessments = assessments.filter(status=status)
    if level:
        assessments = assessments.filter(level=level)
    if matter is not None:
        assessments = assessments.filter(matter=matter)
    return assessments.order_by("-created_at", "-pk")


# --- Counts per area and year (D34) ----------------------------------------------------------


@dataclass
class RiskFigures:
    """One area's counts for a year. Matters count by the year they were registered; completed
    assessments by their assessment date (D34: 全年完成…评估25个)."""

    area: Area | None
    matters: int = 0
    requiring_assessment: int = 0
    assessed: int = 0  # matters with a completed assessment
    approved: int = 0
    not_approved: int = 0
    # Approved with no completed assessment: allowed only where none is required; the second
    # figure must stay 0 (应评尽评) and shows a rule broken outside the portal if it is not.
    approved_without_assessment: int = 0
    approved_without_required_assessment: int = 0
    completed_assessments: int = 0
    by_level: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RiskLevel.values, 0))
    by_conclusion: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(RiskConclusion.values, 0)
    )

    MATTER_COUNTS = (
        "matters",
        "requiring_assessment",
        "assessed",
        "approved",
        "not_approved",
        "approved_without_assessment",
        "approved_without_required_assessment",
    )


@dataclass
class RiskSummary:
    year: int
    total: RiskFigures
    rows: list[RiskFigures]  # one per child area of the area asked about


def risk_summary(
    *,
    user: Any,
    token: ApiToken | None = None,
    area: Area | None = None,
    year: int | None = None,
) -> RiskSummary:
    """The counts of `area` (default: the top of the user's scope) and of each of its child
    areas for a year (default: this one). The caller passes an area the user sees. Three
    queries whatever the size of the area: its tree, the matters grouped by area, the completed
    assessments grouped by area, level and conclusion."""
    year = year or datetime.date.today().year
    if area is None:
        root = scope_root(user, token)
        area = root if isinstance(root, Area) else None
    total = RiskFigures(area)
    if not reads_risk_register(user):
        return RiskSummary(year=year, total=total, rows=[])
    areas = visible_to(user, Area.objects.defer("boundary").order_by("path"), token=token)
    if area is not None:
        areas = areas.filter(path__startswith=area.path)
    by_id = {each.pk: each for each in areas}
    depth = len(area.ancestor_ids) + 1 if area is not None else 0
    children = {
        pk: RiskFigures(each)
        for pk, each in by_id.items()
        if (each.parent_id == area.pk if area is not None else each.parent_id is None)
    }

    def rows_of(area_id: int) -> list[RiskFigures]:
        found = by_id.get(area_id)
        if found is None:
            return []
        parts = found.path.strip("/").split("/")
        child = children.get(int(parts[depth])) if len(parts) > depth else None
        return [total, child] if child is not None else [total]

    approved = Q(status=RiskDecision.APPROVED)
    unassessed = Q(assessed=False)
    matters = (
        risk_matter_list(user=user, token=token, area=area, year=year)
        .order_by()
        .values("area_id")
        .annotate(
            matters=Count("pk"),
            requiring_assessment=Count("pk", filter=Q(requires_assessment=True)),
            assessed_count=Count("pk", filter=Q(assessed=True)),
            approved=Count("pk", filter=approved),
            not_approved=Count("pk", filter=Q(status=RiskDecision.NOT_APPROVED)),
            approved_without_assessment=Count("pk", filter=approved & unassessed),
            approved_without_required_assessment=Count(
                "pk", filter=approved & unassessed & Q(requires_assessment=True)
            ),
        )
    )
    for counts in matters:
        counts["assessed"] = counts.pop("assessed_count")
        for row in rows_of(counts["area_id"]):
            for name in RiskFigures.MATTER_COUNTS:
                setattr(row, name, getattr(row, name) + counts[name])
    completed = (
        risk_assessment_list(user=user, token=token, area=area, year=year)
        .filter(_COMPLETED)
        .order_by()
        .values("matter__area_id", "level", "conclusion")
        .annotate(n=Count("pk"))
    )
    for counts in completed:
        for row in rows_of(counts["matter__area_id"]):
            row.completed_assessments += counts["n"]
            if counts["level"] in row.by_level:
                row.by_level[counts["level"]] += counts["n"]
            if counts["conclusion"] in row.by_conclusion:
                row.by_conclusion[counts["conclusion"]] += counts["n"]
    rows = sorted(children.values(), key=lambda row: row.area.code if row.area else "")
    return RiskSummary(year=year, total=total, rows=rows)
