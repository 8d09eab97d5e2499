"""Shared reads of compounds (小区/院落, 四位一体, P27) and internal security bodies (P13);
every one goes through the scoping rule."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from governance.models import ApiToken
from governance.scoping import visible_to
from grid.models import Area
from population.models import (
    COMPOUND_ORGANISATION_KINDS,
    Compound,
    House,
    Organisation,
    Presence,
    Resident,
    ResidentStatus,
    SecurityBody,
    SpecialGroupRecord,
    Visit,
    special_group_access,
)

# A person counts as covered (管理服务全覆盖, seed 002) when visited within this many days.
# No seed sets a number: 30 days is our default, matching the monthly rhythm of the grid
# workers' rounds and screenings.
COVERAGE_DAYS = 30


def incomplete_four_in_one() -> Q:
    """Compounds missing one of the four (党组织、居委会、业委会、物业)."""
    missing = Q(party_organisation="")
    for field in COMPOUND_ORGANISATION_KINDS:
        missing |= Q(**{f"{field}__isnull": True})
    return missing


def compound_list(
    *,
    user: Any,
    token: ApiToken | None = None,
    grid: Area | None = None,
    community: Area | None = None,
    incomplete: bool | None = None,
) -> QuerySet[Compound]:
    """The compounds the user sees, with their four and their number of houses, in one
    query; of a grid or a community, and only the incomplete (or complete) ones."""
    compounds = visible_to(
        user,
        Compound.objects.select_related(
            "grid", "residents_committee", "owners_committee", "property_company"
        )
        .defer("grid__boundary")
        # A subquery, not a join: counted for the rows of the page only, not for every
        # compound of the scope before the page is cut.
        .annotate(
            house_count=Coalesce(
                Subquery(
                    House.objects.filter(compound=OuterRef("pk"))
                    .order_by()
                    .values("compound")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            )
        ),
        token=token,
    )
    if grid is not None:
        compounds = compounds.filter(grid=grid)
    if community is not None:
        compounds = compounds.filter(grid__parent=community)
    if incomplete is True:
        compounds = compounds.filter(incomplete_four_in_one())
    elif incomplete is False:
        compounds = compounds.exclude(incomplete_four_in_one())
    return compounds


def compound_choices(*, user: Any, grid: Area, token: ApiToken | None = None) -> QuerySet[Compound]:
    """The compounds a house of `grid` may belong to: those the user sees in its community."""
    return visible_to(
        user, Compound.objects.filter(grid__parent_id=grid.parent_id), token=token
    ).order_by("name", "pk")


@dataclass(frozen=True)
class Coverage:
    """Who of a compound's floating and special-group residents was visited lately."""

    floating: int = 0
    floating_visited: int = 0
    special: int = 0  # people with an open special-group record of a kind the viewer counts
    special_visited: int = 0

    @staticmethod
    def _percent(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def floating_percent(self) -> float | None:
        return self._percent(self.floating_visited, self.floating)

    @property
    def special_percent(self) -> float | None:
        return self._percent(self.special_visited, self.special)


def _counted_records(user: Any) -> Q:
    """Which special-group records a viewer's coverage counts: those whose members the viewer
    may see (special_group_access); for leaders and other systems, who see counts, the kinds
    that are not health-related (AIDS and severe mental illness count for no one else)."""
    access = special_group_access(user)
    return Q(kind__health_related=False) if access is None else access


def compound_coverage(
    *,
    user: Any,
    compounds: list[Compound],
    token: ApiToken | None = None,
    now: datetime.datetime | None = None,
) -> dict[int, Coverage]:
    """Coverage per compound (seed 002: 流动人口、高危人群等特殊人群管理服务的全覆盖): the
    floating residents living in its houses, the people with an open special-group record
    the viewer counts, and how many of each were visited (themselves or their household)
    within COVERAGE_DAYS. Two queries whatever the number of compounds; only residents the
    viewer sees are counted."""
    ids = [compound.pk for compound in compounds]
    if not ids:
        return {}
    since = (now or timezone.now()) - datetime.timedelta(days=COVERAGE_DAYS)
    # Two EXISTS rather than one over an OR: each then uses its own index.
    recent = Visit.objects.filter(visited_at__gte=since)
    visited = Exists(recent.filter(resident=OuterRef("pk"))) | Exists(
        recent.filter(household=OuterRef("household"))
    )
    living = visible_to(
        user,
        Resident.objects.filter(household__house__compound__in=ids, presence=Presence.PRESENT),
        token=token,
    )
    special = Exists(
        SpecialGroupRecord.objects.filter(
            _counted_records(user), resident=OuterRef("pk"), until__isnull=True
        )
    )
    found: dict[int, dict[str, int]] = {pk: {} for pk in ids}
    for prefix, people in (
        ("floating", living.filter(status=ResidentStatus.FLOATING)),
        ("special", living.filter(special)),
    ):
        rows = (
            people.values("household__house__compound")
            .annotate(n=Count("pk"), seen=Count("pk", filter=visited))
            .values_list("household__house__compound", "n", "seen")
        )
        for compound_id, n, seen in rows:
            found[compound_id][prefix] = n
            found[compound_id][f"{prefix}_visited"] = seen
    return {pk: Coverage(**values) for pk, values in found.items()}


def security_body_list(
    *, user: Any, token: ApiToken | None = None, organisation: Organisation | None = None
) -> QuerySet[SecurityBody]:
    """The internal security bodies of the organisations the user sees, or of one of them."""
    bodies = visible_to(user, SecurityBody.objects.select_related("organisation"), token=token)
    return bodies.filter(organisation=organisation) if organisation is not None else bodies
