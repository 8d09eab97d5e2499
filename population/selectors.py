"""Shared reads of the population ledger; every one goes through the scoping rule."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from governance.identity import id_number_validate
from governance.models import ApiToken
from governance.scoping import visible_to
from governance.sensitive import blind_index_of
from grid.models import Area
from population.models import Resident, ResidentImport


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


def resident_import_list(*, user: Any, token: ApiToken | None = None) -> QuerySet[ResidentImport]:
    """The imports of the user's area, newest first; the file itself (`content`) is left out
    of the rows until a load or the rejected rows need it."""
    imports = ResidentImport.objects.select_related("area", "uploaded_by").defer(
        "content", "area__boundary"
    )
    return visible_to(user, imports, token=token)


def resident_export_list(
    *, user: Any, area: Area | None = None, token: ApiToken | None = None
) -> QuerySet[Resident]:
    """The residents an export holds: those the user sees, within `area` when given (an area
    out of the user's scope gives none), by grid and name."""
    residents = visible_to(user, Resident.objects.all(), token=token)
    if area is not None:
        residents = residents.filter(grid__path__startswith=area.path)
    return residents.order_by("grid__code", "name", "pk")
