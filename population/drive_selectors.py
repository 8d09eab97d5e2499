"""Reads of the re-verification drives (P8, P16): the drives a user takes part in, their
checklists and their progress per grid."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from governance.models import ApiToken
from governance.scoping import EVERYTHING, scope_root, visible_to
from grid.models import Area
from population.models import (
    CheckOutcome,
    DriveCheck,
    DriveKind,
    ResidentDrive,
    special_group_access,
)


def resident_drive_list(*, user: Any, token: ApiToken | None = None) -> QuerySet[ResidentDrive]:
    """The drives over the user's area and below it, and the drives over an area above it
    that the user's area takes part in (a grid worker checks their grid's part of the
    street's drive)."""
    drives = ResidentDrive.objects.select_related("area", "created_by").defer("area__boundary")
    root = scope_root(user, token)
    if root is EVERYTHING:
        return drives
    if root is None:
        return drives.none()
    assert isinstance(root, Area)
    return drives.filter(Q(area__path__startswith=root.path) | Q(area_id__in=root.ancestor_ids))


def drive_check_list(
    *,
    user: Any,
    token: ApiToken | None = None,
    drive: ResidentDrive | None = None,
    grid: Area | None = None,
    outcome: str | None = None,
) -> QuerySet[DriveCheck]:
    """The subjects the user sees by name: checks in the user's area; those of a key-youth
    drive only for whoever sees key youth by name (special_group_access). `outcome=""` is
    the unchecked."""
    checks = visible_to(
        user,
        DriveCheck.objects.select_related("drive", "resident", "grid", "checked_by").defer(
            "grid__boundary"
        ),
        token=token,
    )
    if special_group_access(user) is None:
        checks = checks.exclude(drive__kind=DriveKind.KEY_YOUTH_CARE)
    if drive is not None:
        checks = checks.filter(drive=drive)
    if grid is not None:
        checks = checks.filter(grid=grid)
    if outcome is not None:
        checks = checks.filter(outcome=outcome)
    return checks


@dataclass
class GridProgress:
    grid_id: int
    grid_name: str
    counts: dict[str, int] = field(default_factory=dict)  # outcome ("" = unchecked) -> count

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def unchecked(self) -> int:
        return self.counts.get("", 0)

    @property
    def done_percent(self) -> int:
        return round(100 * (self.total - self.unchecked) / self.total) if self.total else 0

    def of(self, outcome: str) -> int:
        return self.counts.get(outcome, 0)

    @property
    def row(self) -> list[int]:
        """The counts in the order of CheckOutcome, then the unchecked (for tables)."""
        return [self.of(value) for value in CheckOutcome.values] + [self.unchecked]


def drive_progress(
    *, user: Any, drive: ResidentDrive, token: ApiToken | None = None
) -> list[GridProgress]:
    """Counts per outcome and unchecked for each grid of the drive in the user's scope, in
    one query. Counts, not names: a leader sees the progress of a key-youth drive too."""
    rows = (
        visible_to(user, DriveCheck.objects.filter(drive=drive), token=token)
        .values("grid", "grid__name", "outcome")
        .annotate(n=Count("pk"))
        .order_by("grid__path", "outcome")
    )
    grids: dict[int, GridProgress] = {}
    for row in rows:
        progress = grids.setdefault(row["grid"], GridProgress(row["grid"], row["grid__name"]))
        progress.counts[row["outcome"]] = row["n"]
    return list(grids.values())


def drive_totals(progress: list[GridProgress]) -> GridProgress:
    """The whole drive's counts, added up from its grids'."""
    total = GridProgress(0, "")
    for grid in progress:
        for outcome, n in grid.counts.items():
            total.counts[outcome] = total.counts.get(outcome, 0) + n
    return total
