"""The dispute figures per area and period (issue 8, "Figures, API, Open311"): one selector
per figure, each over the cases the user sees that were registered in the period and lie in
`area`, counted for the area and for each of its child areas.

Each selector is one query: conditional aggregates (`Count(filter=...)`) grouped by the child
area a case lies in, which is the segment of the case's grid path after the area's path
(`/1/5/` + `12/40/` → child 12), so the answer has one row per child area whatever the number
of cases. "Accepted on time" needs the working-day calendar, which SQL does not know: it
reads one row per accepted case and two small tables (the policies and the calendar).
`dispute_figures` puts them together with the child areas (one more query).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, StrIndex, Substr
from django.utils import timezone

from disputes.case_selectors import registered_between
from disputes.models import (
    OPEN_STATES,
    Case,
    CaseAction,
    CaseState,
    Outcome,
    Severity,
    Stage,
)
from disputes.selectors import DeadlinePolicies
from disputes.workdays import WorkCalendar
from governance.models import ApiToken
from governance.scoping import scope_root, visible_to
from grid.models import Area

Counts = dict[str, int]


@dataclass
class FigureCounts:
    """One figure: its counts for the area asked about (`total`) and for each child area
    (`children`, by area id; a child with no case is absent)."""

    keys: list[str]
    total: Counts = field(default_factory=dict)
    children: dict[int, Counts] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.total = {key: self.total.get(key, 0) for key in self.keys}

    def add(self, child: int | None, counts: Counts) -> None:
        for key in self.keys:
            self.total[key] += counts.get(key, 0)
        if child is not None:
            row = self.children.setdefault(child, dict.fromkeys(self.keys, 0))
            for key in self.keys:
                row[key] += counts.get(key, 0)

    def of(self, child: int) -> Counts:
        return self.children.get(child, dict.fromkeys(self.keys, 0))


def _by_child(rows: QuerySet[Any], area: Area | None, path: str) -> QuerySet[Any]:
    """The rows annotated with `_child`: the id (as text) of the child area of `area` that
    their `path` lies in, the path segment after the area's own; "" where there is none (the
    area is a grid)."""
    prefix = area.path if area is not None else "/"
    rest = Substr(F(path), len(prefix) + 1)
    return rows.alias(_child_slash=StrIndex(rest, Value("/"))).annotate(
        _child=models.Case(
            When(Q(_child_slash__gt=1), then=Substr(rest, 1, F("_child_slash") - 1)),
            default=Value(""),
            output_field=models.CharField(),
        )
    )


def _grouped(
    user: Any,
    token: ApiToken | None,
    area: Area | None,
    since: datetime.date | None,
    until: datetime.date | None,
    aggregates: dict[str, Count],
    *,
    rows: QuerySet[Any] | None = None,
    case_prefix: str = "",
) -> FigureCounts:
    """The aggregates over the scoped rows (cases, or rows of a case with `case_prefix`
    "case__"), grouped by child area: one query."""
    rows = visible_to(user, rows if rows is not None else Case.objects.all(), token=token)
    path = f"{case_prefix}grid__path"
    if area is not None:
        rows = rows.filter(**{f"{path}__startswith": area.path})
    rows = registered_between(rows, since, until, prefix=case_prefix)
    grouped = _by_child(rows.order_by(), area, path).values("_child").annotate(**aggregates)
    figure = FigureCounts(keys=list(aggregates))
    for row in grouped:
        child = row.pop("_child")
        figure.add(int(child) if child else None, row)
    return figure


def _count(condition: Q | None = None) -> Count:
    return Count("pk", filter=condition)


# --- The figures ------------------------------------------------------------------------------


def cases_by_state(
    *,
    user: Any,
    token: ApiToken | None = None,
    area: Area | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> FigureCounts:
    """Cases in each state now (keys: CaseState values)."""
    aggregates = {state: _count(Q(state=state)) for state in CaseState.values}
    return _grouped(user, token, area, since, until, aggregates)


def cases_by_grade(
    *,
    user: Any,
    token: ApiToken | None = None,
    area: Area | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> FigureCounts:
    """Cases of each grade (等级评估, D13; keys: Severity values)."""
    aggregates = {grade: _count(Q(severity=grade)) for grade in Severity.values}
    return _grouped(user, token, area, since, until, aggregates)


def cases_registered(
    *,
    user: Any,
    token: ApiToken | None = None,
    area: Area | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> FigureCounts:
    """Cases registered in the period."""
    return _grouped(user, token, area, since, until, {"registered": _count()})


def cases_resolved(
    *,
    user: Any,
    token: ApiToken | None = None,
    area: Area | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> FigureCounts:
    """The resolution rate's parts (事要解决, 案结事了): closed cases, and of them those
    resolved and verified with the parties satisfied (a failed case, referred to arbitration,
    a court or as criminal, closes unresolved)."""
    closed = Q(state=CaseState.CLOSED)
    aggregates = {
        "closed": _count(closed),
        "resolved": _count(closed & Q(outcome=Outcome.RESOLVED, satisfied=True)),
    }
    return _grouped(user, token, area, since, until, aggregates)


def cases_overdue(
    *,
    user: Any,
    token: ApiToken | None = None,
    area: Area | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> FigureCounts:
    """Open cases past their current stage's deadline now (as the case list's "overdue")."""
    now = now or timezone.now()
    aggregates = {"overdue": _count(Q(state__in=OPEN_STATES, stage_due_at__lt=now))}
    return _grouped(user, token, area, since, until, aggregates)


def cases_escalated(
    *,
    user: Any,
    token: ApiToken | None = None,
    area: Area | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> FigureCounts:
    """Cases escalated at least once (督办), by hand or by the deadline scan."""
    return _grouped(user, token, area, since, until, {"escalated": _count(Q(escalations__gt=0))})


def cases_awaiting_sign_off(
    *,
    user: Any,
    token: ApiToken | None = None,
    area: Area | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> FigureCounts:
    """Cases waiting for their leader's sign-off (D12)."""
    aggregates = {"awaiting_sign_off": _count(Q(state=CaseState.AWAITING_SIGN_OFF))}
    return _grouped(user, token, area, since, until, aggregates)


def cases_turned_criminal(
    *,
    user: Any,
    token: ApiToken | None = None,
    area: Area | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> FigureCounts:
    """Cases whose outcome is 'turned criminal' (民转刑, D26)."""
    aggregates = {"turned_criminal": _count(Q(outcome=Outcome.CRIMINAL))}
    return _grouped(user, token, area, since, until, aggregates)


def cases_petitions(
    *,
    user: Any,
    token: ApiToken | None = None,
    area: Area | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> FigureCounts:
    """Petitions (上访), and of them the collective (集体) and bypass-level (越级) ones (D25);
    a case may be both."""
    aggregates = {
        "petitions": _count(Q(petition=True)),
        "collective_petitions": _count(Q(collective_petition=True)),
        "bypass_petitions": _count(Q(bypass_petition=True)),
    }
    return _grouped(user, token, area, since, until, aggregates)


def cases_mass_incidents(
    *,
    user: Any,
    token: ApiToken | None = None,
    area: Area | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> FigureCounts:
    """Cases graded mass incidents (群体性事件)."""
    aggregates = {"mass_incidents": _count(Q(severity=Severity.MASS_INCIDENT))}
    return _grouped(user, token, area, since, until, aggregates)


def cases_satisfaction(
    *,
    user: Any,
    token: ApiToken | None = None,
    area: Area | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> FigureCounts:
    """Per-case satisfaction: cases whose verification (验证) stands, and of them those whose
    parties were satisfied. A case sent back or reopened loses its verification until it is
    verified again, so each case counts once, with its latest answer."""
    aggregates = {
        "verified": _count(Q(satisfied__isnull=False)),
        "satisfied": _count(Q(satisfied=True)),
    }
    return _grouped(user, token, area, since, until, aggregates)


def cards_shown(
    *,
    user: Any,
    token: ApiToken | None = None,
    area: Area | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> FigureCounts:
    """Yellow and red cards shown (预警督办, D29) on the cases, counted from their timelines:
    a case gets a card at most once per stage, and may get several over its stages."""
    aggregates = {
        "yellow_cards": _count(Q(action="yellow_card")),
        "red_cards": _count(Q(action="red_card")),
    }
    cards = CaseAction.objects.filter(action__in=["yellow_card", "red_card"])
    return _grouped(user, token, area, since, until, aggregates, rows=cards, case_prefix="case__")


# The actions that start a case's acceptance clock (services.stage_begin): registration, a
# hand-off (the receiving unit has the full time to accept) and a returned hand-off (the
# sender's own time starts again).
ACCEPT_CLOCK_STARTS = ("register", "hand_off", "return")


def cases_accepted_on_time(
    *,
    user: Any,
    token: ApiToken | None = None,
    area: Area | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> FigureCounts:
    """Cases accepted (受理), and of them those accepted on time.

    The rule, from the timeline: the case's first "accept" action against the acceptance
    deadline in force then, which is the policy's accept days (by grade and category) in
    working days from the last action that started the acceptance clock before it
    (ACCEPT_CLOCK_STARTS), counted as stage_begin counts it. The deadline is not stored once
    the case moves on, so it is recomputed with today's policy and calendar: an edit of the
    policy changes the figure of past cases, and the figure does not depend on whether the
    deadline scan ran in time (a red card would). Three queries: the accepted cases, the
    policies, the calendar."""
    first_accept = (
        CaseAction.objects.filter(case=OuterRef("pk"), action="accept")
        .order_by("at", "pk")
        .values("at")[:1]
    )
    clock_start = (
        CaseAction.objects.filter(
            case=OuterRef("pk"), action__in=ACCEPT_CLOCK_STARTS, at__lte=OuterRef("accepted_at")
        )
        .order_by("-at", "-pk")
        .values("at")[:1]
    )
    cases = visible_to(user, Case.objects.all(), token=token)
    if area is not None:
        cases = cases.filter(grid__path__startswith=area.path)
    accepted = (
        registered_between(cases, since, until)
        .order_by()
        .annotate(accepted_at=Subquery(first_accept))
        .filter(accepted_at__isnull=False)
        .annotate(clock_from=Coalesce(Subquery(clock_start), F("registered_at")))
    )
    rows = list(
        _by_child(accepted, area, "grid__path").values_list(
            "_child", "severity", "category_id", "clock_from", "accepted_at"
        )
    )
    figure = FigureCounts(keys=["accepted", "accepted_on_time"])
    if not rows:
        return figure
    policies = DeadlinePolicies()
    limits = [policies.stage_limit(row[1], row[2], Stage.ACCEPT) for row in rows]
    starts = [timezone.localtime(row[3]).date() for row in rows]
    # Holidays stretch a limit by a few weeks at most: load every year a deadline may reach
    # in the one query (as add_working_days reckons).
    reach = datetime.timedelta(days=max(limits) * 2 + 30)
    calendar = WorkCalendar(min(starts), max(starts) + reach)
    # Deadlines end at the end of a day: one computation per start day and limit.
    due_by: dict[tuple[datetime.date, int], datetime.datetime] = {}
    for (child, _grade, _category, clock_from, accepted_at), start, days in zip(
        rows, starts, limits, strict=True
    ):
        key = (start, days)
        if key not in due_by:
            due_by[key] = calendar.deadline_after(clock_from, days)
        on_time = int(accepted_at <= due_by[key])
        figure.add(int(child) if child else None, {"accepted": 1, "accepted_on_time": on_time})
    return figure


# --- All of them, per child area ----------------------------------------------------------------


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"))


@dataclass
class AreaFigures:
    """Every figure of one area (or of the whole scope: `area` None)."""

    area: Area | None
    by_state: Counts = field(default_factory=dict)
    by_grade: Counts = field(default_factory=dict)
    registered: int = 0
    accepted: int = 0
    accepted_on_time: int = 0
    closed: int = 0
    resolved: int = 0
    overdue: int = 0
    escalated: int = 0
    awaiting_sign_off: int = 0
    turned_criminal: int = 0
    petitions: int = 0
    collective_petitions: int = 0
    bypass_petitions: int = 0
    mass_incidents: int = 0
    verified: int = 0
    satisfied: int = 0
    yellow_cards: int = 0
    red_cards: int = 0

    @property
    def accepted_on_time_rate(self) -> Decimal | None:
        return _percent(self.accepted_on_time, self.accepted)

    @property
    def resolution_rate(self) -> Decimal | None:
        return _percent(self.resolved, self.closed)

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return _percent(self.satisfied, self.verified)

    def states(self) -> list[tuple[str, Any, int]]:
        """(state, label, count) in the workflow's order, for the page."""
        return [(value, label, self.by_state.get(value, 0)) for value, label in CaseState.choices]

    def grades(self) -> list[tuple[str, Any, int]]:
        return [(value, label, self.by_grade.get(value, 0)) for value, label in Severity.choices]


Figure = Callable[..., FigureCounts]
# The figures kept as a dict of counts on AreaFigures; every other figure's keys are fields.
_BY_KEY: dict[str, Figure] = {"by_state": cases_by_state, "by_grade": cases_by_grade}
_FIELDS: list[Figure] = [
    cases_registered,
    cases_accepted_on_time,
    cases_resolved,
    cases_overdue,
    cases_escalated,
    cases_awaiting_sign_off,
    cases_turned_criminal,
    cases_petitions,
    cases_mass_incidents,
    cases_satisfaction,
    cards_shown,
]


@dataclass
class FiguresReport:
    area: Area | None  # the area asked about; None: everything the user sees by unit or all
    since: datetime.date | None
    until: datetime.date | None
    total: AreaFigures
    rows: list[AreaFigures]  # one per child area the user sees, by code; none for a grid


def dispute_figures(
    *,
    user: Any,
    token: ApiToken | None = None,
    area: Area | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> FiguresReport:
    """Every figure for `area` (default: the top of the user's scope) and each of its child
    areas, over the cases registered from `since` to `until` (days, both included; None:
    unbounded). The caller passes an area the user sees. A constant number of queries
    whatever the number of child areas and cases."""
    if area is None:
        root = scope_root(user, token)
        area = root if isinstance(root, Area) else None
    children = visible_to(
        user,
        Area.objects.filter(parent=area).defer("boundary").order_by("code"),
        token=token,
    )
    rows = {child.pk: AreaFigures(child) for child in children}
    total = AreaFigures(area)
    span = {"user": user, "token": token, "area": area, "since": since, "until": until}
    for name, figure in _BY_KEY.items():
        counts = figure(**span)
        setattr(total, name, counts.total)
        for pk, row in rows.items():
            setattr(row, name, counts.of(pk))
    for figure in _FIELDS:
        counts = figure(**span)
        for target, values in [(total, counts.total)] + [
            (row, counts.of(pk)) for pk, row in rows.items()
        ]:
            for key, n in values.items():
                setattr(target, key, n)
    return FiguresReport(area=area, since=since, until=until, total=total, rows=list(rows.values()))
