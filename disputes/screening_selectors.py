"""Reads of the two screenings; every one goes through the scoping rule."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from disputes.models import (
    ScreeningCadence,
    ScreeningHotspot,
    ScreeningItem,
    ScreeningItemKind,
    ScreeningPeriod,
    ScreeningReport,
    ScreeningState,
)
from governance.models import ApiToken, Role
from governance.scoping import EVERYTHING, scope_root, visible_to
from grid.models import Area, AreaLevel, Unit, UnitKind


def screening_report_list(
    *,
    user: Any,
    token: ApiToken | None = None,
    period: ScreeningPeriod | None = None,
    unit: Unit | None = None,
    area: Area | None = None,
    state: str | None = None,
    late: bool | None = None,
) -> QuerySet[ScreeningReport]:
    """The reports the user sees (their area's units; department staff their own unit's)."""
    reports = visible_to(
        user,
        ScreeningReport.objects.select_related("unit__area", "period", "submitted_by").defer(
            "unit__area__boundary"
        ),
        token=token,
    )
    if period is not None:
        reports = reports.filter(period=period)
    if unit is not None:
        reports = reports.filter(unit=unit)
    if area is not None:
        reports = reports.filter(unit__area__path__startswith=area.path)
    if state:
        reports = reports.filter(state=state)
    if late is not None:
        reports = reports.filter(late=late)
    return reports.order_by("-period__starts_on", "unit__area__path", "unit__name", "pk")


def screening_item_list(
    *,
    user: Any,
    token: ApiToken | None = None,
    report: ScreeningReport | None = None,
    kind: str | None = None,
    immediate: bool | None = None,
) -> QuerySet[ScreeningItem]:
    items = visible_to(
        user,
        ScreeningItem.objects.select_related(
            "report__unit", "report__period", "grid", "category", "added_by"
        ).defer("grid__boundary"),
        token=token,
    )
    if report is not None:
        items = items.filter(report=report)
    if kind:
        items = items.filter(kind=kind)
    if immediate is not None:
        items = items.filter(immediate=immediate)
    return items.order_by("report", "kind", "pk")


def screening_period_list() -> QuerySet[ScreeningPeriod]:
    """Periods are the same for everyone."""
    return ScreeningPeriod.objects.order_by("-starts_on", "cadence")


def units_reported_for(user: Any) -> QuerySet[Unit]:
    """The units the user reports for: their own unit, the office of the area an office staff
    member works in, and for a grid worker the office of their community (they compile their
    grid's entries into its report)."""
    if not (user.is_authenticated and user.is_active):
        return Unit.objects.none()
    rule = Q(pk=user.unit_id) if user.unit_id else Q(pk__in=[])
    area = user.home_area
    if area is not None and user.role == Role.OFFICE_STAFF:
        rule |= Q(kind=UnitKind.OFFICE, area=area)
    if area is not None and user.role == Role.GRID_WORKER and area.level == AreaLevel.GRID:
        rule |= Q(kind=UnitKind.OFFICE, area_id=area.parent_id)
    return Unit.objects.filter(rule, active=True).select_related("area")


def my_open_reports(user: Any) -> QuerySet[ScreeningReport]:
    """The open reports of the units the user reports for, oldest period first."""
    return (
        ScreeningReport.objects.filter(unit__in=units_reported_for(user), state=ScreeningState.OPEN)
        .select_related("unit__area", "period")
        .defer("unit__area__boundary")
        .order_by("period__starts_on", "unit__name")
    )


def my_grid_items(user: Any, report: ScreeningReport) -> QuerySet[ScreeningItem]:
    """A grid worker's own grid's entries in their community's report."""
    return report.items.filter(grid_id=user.home_area_id).select_related("category", "grid")


def hotspot_list(
    *, user: Any, token: ApiToken | None = None, active: bool | None = True
) -> QuerySet[ScreeningHotspot]:
    hotspots = visible_to(
        user,
        ScreeningHotspot.objects.select_related("area", "flagged_by", "lifted_by").defer(
            "area__boundary"
        ),
        token=token,
    )
    if active is not None:
        hotspots = hotspots.filter(lifted_at__isnull=active)
    return hotspots.order_by("-flagged_at", "-pk")


def default_period(cadence: str = ScreeningCadence.HALF_MONTHLY) -> ScreeningPeriod | None:
    """The latest period of the cadence that has begun."""
    return (
        ScreeningPeriod.objects.filter(cadence=cadence, starts_on__lte=timezone.localdate())
        .order_by("-starts_on")
        .first()
    )


# --- The roll-up (D9) -------------------------------------------------------------------------


@dataclass
class ScreeningFigures:
    """One row of the overview: the reports of the units in `area` (or attached to it)."""

    area: Area | None
    label: str = ""
    due: int = 0
    submitted_on_time: int = 0
    submitted_late: int = 0
    missing: int = 0  # open after the due day
    open: int = 0  # open, not yet due
    zero_disputes: int = 0
    zero_security: int = 0
    items: dict[str, int] = field(default_factory=dict)

    @property
    def items_total(self) -> int:
        return sum(self.items.values())

    def add(self, report: ScreeningReport, today: datetime.date, items: dict[str, int]) -> None:
        self.due += 1
        if report.state == ScreeningState.SUBMITTED:
            if report.late:
                self.submitted_late += 1
            else:
                self.submitted_on_time += 1
            self.zero_disputes += int(report.disputes_zero)
            self.zero_security += int(report.security_zero)
        elif report.period.due_on < today:
            self.missing += 1
        else:
            self.open += 1
        for kind, count in items.items():
            self.items[kind] = self.items.get(kind, 0) + count


@dataclass
class ScreeningOverview:
    period: ScreeningPeriod | None
    area: Area | None
    total: ScreeningFigures
    rows: list[ScreeningFigures]
    kinds: list[tuple[str, str]] = field(
        default_factory=lambda: [(value, str(label)) for value, label in ScreeningItemKind.choices]
    )


def _top_area(user: Any, token: ApiToken | None) -> Area | None:
    root = scope_root(user, token)
    if root is EVERYTHING:
        return Area.objects.filter(parent__isnull=True).defer("boundary").order_by("code").first()
    return root if isinstance(root, Area) else None


def screening_overview(
    *,
    user: Any,
    token: ApiToken | None = None,
    period: ScreeningPeriod | None,
    area: Area | None = None,
    today: datetime.date | None = None,
) -> ScreeningOverview:
    """Roll-up figures per area for one period (D9): the units attached to the area itself
    (its office, departments, enterprises), then each child area's subtree; the total of
    what the user sees. Department staff get their own unit's figures."""
    today = today or timezone.localdate()
    area = area or _top_area(user, token)
    reports = screening_report_list(user=user, token=token, period=period, area=area)
    if period is None:
        reports = reports.none()
    item_counts: dict[int, dict[str, int]] = {}
    for report_id, kind in ScreeningItem.objects.filter(report__in=reports).values_list(
        "report_id", "kind"
    ):
        counts = item_counts.setdefault(report_id, {})
        counts[kind] = counts.get(kind, 0) + 1
    children = (
        list(Area.objects.filter(parent=area).defer("boundary").order_by("code"))
        if area is not None
        else []
    )
    own = ScreeningFigures(area=area, label=str(area) if area else "")
    rows = {child.pk: ScreeningFigures(area=child, label=str(child)) for child in children}
    total = ScreeningFigures(area=area, label=str(area) if area else "")
    for report in reports:
        counts = item_counts.get(report.pk, {})
        total.add(report, today, counts)
        unit_area = report.unit.area
        target = own
        for child in children:
            if unit_area.path.startswith(child.path):
                target = rows[child.pk]
                break
        target.add(report, today, counts)
    ordered = ([own] if own.due else []) + list(rows.values())
    return ScreeningOverview(period=period, area=area, total=total, rows=ordered)


def ledger_reports(
    *,
    user: Any,
    token: ApiToken | None = None,
    period: ScreeningPeriod | None = None,
    area: Area | None = None,
) -> QuerySet[ScreeningReport]:
    """The screening ledger (工作台帐, D7): the reports per unit and period; the export and
    the page fetch their items."""
    return screening_report_list(user=user, token=token, period=period, area=area)
