"""Shared reads of the population ledger; every one goes through the scoping rule."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from governance.identity import id_number_validate
from governance.models import ApiToken
from governance.scoping import visible_to
from governance.sensitive import blind_index_of
from grid.models import Area
from population.models import Resident, Visit


def resident_search(residents: QuerySet[Resident], query: str) -> QuerySet[Resident]:
    """By name (contains), phone (contains its digits) or full ID number (exact, through its
    blind index: an encrypted column cannot be searched any other way)."""
    query = query.strip()
    if not query:
        return residents
    match = Q(name__icontains=query)
    if query.isdigit():
        match |= Q(phone__contains=query)
    try:
        number = id_number_validate(query)
    except ValidationError:
        pass  # not a whole, valid ID number: nothing to look up by it
    else:
        match |= Q(id_number_index=blind_index_of(Resident, "id_number", number))
    return residents.filter(match)


def resident_list(
    *, user: Any, token: ApiToken | None = None, query: str | None = None
) -> QuerySet[Resident]:
    """The residents the user sees (through `token` for an API call), optionally searched."""
    residents = visible_to(user, Resident.objects.select_related("grid"), token=token)
    return resident_search(residents, query) if query else residents


# --- Visits ----------------------------------------------------------------------------------


def visit_list(
    *,
    user: Any,
    token: ApiToken | None = None,
    grid: Area | None = None,
    worker: Any = None,
    resident: Resident | None = None,
    purpose: str | None = None,
    visited_from: datetime.date | None = None,
    visited_to: datetime.date | None = None,
    outside_grid: bool | None = None,
) -> QuerySet[Visit]:
    """The visits the user sees (through `token` for an API call), latest first, filtered.
    Dates are the portal's local days, both ends included. Boundaries (large) are left out."""
    visits = visible_to(
        user,
        Visit.objects.select_related("grid", "worker", "resident", "located_grid").defer(
            "grid__boundary", "located_grid__boundary"
        ),
        token=token,
    )
    if grid is not None:
        visits = visits.filter(grid=grid)
    if worker is not None:
        visits = visits.filter(worker=worker)
    if resident is not None:
        visits = visits.filter(resident=resident)
    if purpose:
        visits = visits.filter(purpose=purpose)
    if visited_from is not None:
        visits = visits_from_day(visits, visited_from)
    if visited_to is not None:
        visits = visits_to_day(visits, visited_to)
    if outside_grid is not None:
        visits = visits.filter(outside_grid=outside_grid)
    return visits


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def visits_from_day(visits: QuerySet[Visit], day: datetime.date) -> QuerySet[Visit]:
    """Visits on or after the local day (a range on visited_at: its index serves it)."""
    return visits.filter(visited_at__gte=_day_start(day))


def visits_to_day(visits: QuerySet[Visit], day: datetime.date) -> QuerySet[Visit]:
    """Visits on or before the local day."""
    return visits.filter(visited_at__lt=_day_start(day + datetime.timedelta(days=1)))
