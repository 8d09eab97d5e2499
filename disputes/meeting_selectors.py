"""Reads of the meetings on disputes (D14), scoped by the one rule."""

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from disputes.case_selectors import case_list
from disputes.models import (
    OPEN_STATES,
    Case,
    Meeting,
    MeetingDecision,
    Severity,
    Supervision,
)
from governance.models import ApiToken
from governance.scoping import visible_to
from grid.models import Area

AGENDA_LIMIT = 50


def meeting_agenda(*, user: Any, area: Area) -> QuerySet[Case]:
    """What a meeting of the area should discuss (D14): its open cases that are major or a
    mass incident, overdue, carded, escalated, or listed for supervision, graver first."""
    now = timezone.now()
    return (
        case_list(user=user)
        .filter(grid__path__startswith=area.path, state__in=OPEN_STATES)
        .filter(
            Q(severity__in=[Severity.MAJOR, Severity.MASS_INCIDENT])
            | Q(stage_due_at__lt=now)
            | Q(red_carded_at__isnull=False)
            | Q(escalations__gt=0)
            | Exists(Supervision.objects.filter(case=OuterRef("pk"), lifted_at__isnull=True))
        )
        .order_by("-severity", "stage_due_at", "pk")[:AGENDA_LIMIT]
    )


def meeting_list(*, user: Any, token: ApiToken | None = None) -> QuerySet[Meeting]:
    return (
        visible_to(user, Meeting.objects.all(), token=token)
        .select_related("area", "chair")
        .defer("area__boundary")
        .annotate(
            case_count=Count("cases", distinct=True),
            open_decisions=Count(
                "decisions", filter=Q(decisions__done_at__isnull=True), distinct=True
            ),
        )
        .order_by("-held_on", "-pk")
    )


def meeting_decision_list(
    *, user: Any, token: ApiToken | None = None, open_only: bool = False
) -> QuerySet[MeetingDecision]:
    """Decisions the user sees: of their areas' meetings, or their unit's tasks."""
    decisions = visible_to(user, MeetingDecision.objects.all(), token=token)
    if open_only:
        decisions = decisions.filter(done_at__isnull=True)
    return decisions.select_related("meeting", "unit", "case", "done_by").order_by("deadline", "pk")
