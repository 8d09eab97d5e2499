"""Shared reads of dispute cases; every one goes through the scoping rule."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from disputes.models import (
    OPEN_STATES,
    Case,
    CaseAction,
    CaseHandoff,
    CaseState,
    CaseTaskGroupMember,
    MediationOrganisation,
    MediationSession,
    Mediator,
)
from governance.models import ApiToken, Role, User
from governance.scoping import visible_to
from grid.models import Area, AreaLevel, Unit


def case_list(
    *,
    user: Any,
    token: ApiToken | None = None,
    state: str | None = None,
    overdue: bool | None = None,
    severity: str | None = None,
    unit: Unit | None = None,
    area: Area | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> QuerySet[Case]:
    """The cases the user sees (their area's, and those of or handed to their unit); `area`
    narrows them to its subtree, `since`/`until` to those registered in those days."""
    cases = visible_to(
        user,
        Case.objects.select_related("grid", "category", "owner_unit", "pending_unit").defer(
            "grid__boundary"
        ),
        token=token,
    )
    if state is not None:
        cases = cases.filter(state=state)
    if overdue is not None:
        due = {"stage_due_at__lt": timezone.now()}
        cases = cases.filter(**due) if overdue else cases.exclude(**due)
    if severity is not None:
        cases = cases.filter(severity=severity)
    if unit is not None:
        cases = cases.filter(owner_unit=unit)
    if area is not None:
        cases = cases.filter(grid__path__startswith=area.path)
    return registered_between(cases, since, until)


def registered_between(
    rows: QuerySet[Any],
    since: datetime.date | None,
    until: datetime.date | None,
    *,
    prefix: str = "",
) -> QuerySet[Any]:
    """Rows whose case (`prefix` "case__" for a case's rows) was registered from the start of
    `since` to the end of `until`, local days, both included; None leaves that end open."""
    # The first and last days the calendar holds leave that end open (no moment in the
    # time zone lies outside them, and their bounds would not convert to UTC).
    if since is not None and since > datetime.date.min + datetime.timedelta(days=1):
        rows = rows.filter(**{f"{prefix}registered_at__gte": _day_start(since)})
    if until is not None and until < datetime.date.max - datetime.timedelta(days=1):
        end = _day_start(until + datetime.timedelta(days=1))
        rows = rows.filter(**{f"{prefix}registered_at__lt": end})
    return rows


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def case_detail(*, user: Any, token: ApiToken | None = None, pk: int) -> Case:
    """One case with what its page shows, in a fixed number of queries."""
    return (
        case_list(user=user, token=token)
        .select_related("supervising_area", "responsible_leader", "registered_by", "duplicate_of")
        .prefetch_related(
            "handlers",
            "parties__resident",
            "parties__organisation",
            Prefetch(
                "mediations", queryset=MediationSession.objects.select_related("organisation")
            ),
            "mediations__roster",
            Prefetch("task_group", queryset=CaseTaskGroupMember.objects.select_related("unit")),
            "extensions",
            "supervisions",
            "accountability",
            Prefetch(
                "handoffs",
                queryset=CaseHandoff.objects.select_related("from_unit", "to_unit", "handed_by"),
            ),
            Prefetch(
                "actions",
                queryset=CaseAction.objects.select_related("actor", "unit").order_by("at", "pk"),
            ),
        )
        .get(pk=pk)
    )


def case_work_queue(*, user: Any) -> QuerySet[Case]:
    """The open cases waiting on the user: those their unit must accept or handle, those
    they must sign off (leaders), and for office staff those awaiting verification."""
    cases = case_list(user=user).filter(state__in=OPEN_STATES)
    if user.role == Role.LEADER:
        return cases.filter(responsible_leader=user)
    if user.role == Role.GRID_WORKER:
        return cases.filter(registered_by=user)
    if user.role == Role.OFFICE_STAFF:
        return cases.exclude(state=CaseState.AWAITING_SIGN_OFF)
    if user.unit_id:
        return cases.filter(owner_unit_id=user.unit_id) | cases.filter(pending_unit_id=user.unit_id)
    return cases


def handoff_targets(*, case: Case) -> QuerySet[Unit]:
    """The units a case may be handed to: active units serving its area, but its own."""
    area_ids = [*case.grid.ancestor_ids, case.grid_id]
    return (
        Unit.objects.filter(area_id__in=area_ids, active=True)
        .exclude(pk=case.owner_unit_id)
        .select_related("area")
        .defer("area__boundary")
        .order_by("area__path", "kind", "name")
    )


def leaders_for(*, case: Case) -> QuerySet[User]:
    """The leaders who may lead a case: those whose area contains it."""
    area_ids = [*case.grid.ancestor_ids, case.grid_id]
    return User.objects.filter(role=Role.LEADER, is_active=True, home_area_id__in=area_ids)


def registrable_grids(*, user: Any, token: ApiToken | None = None) -> QuerySet[Area]:
    """The grids the user may register a case in: those they see; a department's, those of
    the area its unit serves (a department receives cases from anywhere it serves), through
    its people or its unit token."""
    by_unit = token is None or token.unit_id is not None
    if by_unit and user.is_authenticated and not user.sees_by_area and user.unit_id:
        grids = Area.objects.filter(level=AreaLevel.GRID, path__startswith=user.unit.area.path)
    else:
        grids = visible_to(user, Area.objects.filter(level=AreaLevel.GRID), token=token)
    return grids.defer("boundary")


def mediation_organisations_routed(*, case: Case) -> QuerySet[MediationOrganisation]:
    """The active organisations of the register (D19) that may mediate the case: serving its
    grid or an area above it, and handling its category or every category. Those that
    handle the category by name come first, then the nearest."""
    area_ids = [*case.grid.ancestor_ids, case.grid_id]
    handles = MediationOrganisation.categories.through.objects.filter(
        mediationorganisation_id=OuterRef("pk")
    )
    return (
        MediationOrganisation.objects.filter(area_id__in=area_ids, active=True)
        .annotate(
            specialised=Exists(handles.filter(disputecategory_id=case.category_id)),
            general=~Exists(handles),
        )
        .filter(Q(specialised=True) | Q(general=True))
        .select_related("area", "host_unit")
        .defer("area__boundary")
        .order_by("-specialised", "-area__level", "name")
    )


def mediators_serving(*, case: Case) -> QuerySet[Mediator]:
    """The active mediators of the rosters of the areas serving the case (its grid and the
    areas above it, D20)."""
    area_ids = [*case.grid.ancestor_ids, case.grid_id]
    return (
        Mediator.objects.filter(area_id__in=area_ids, active=True)
        .select_related("area")
        .defer("area__boundary")
        .order_by("area__path", "name")
    )
