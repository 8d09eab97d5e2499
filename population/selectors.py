"""Shared reads of the population ledger; every one goes through the scoping rule."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from governance.identity import id_number_validate
from governance.models import ApiToken
from governance.scoping import visible_to
from governance.sensitive import blind_index_of
from population.models import Resident


def resident_search(residents: QuerySet[Resident], query: str) -> QuerySet[Resident]:
    """By name (from its start: a surname, a full name), phone (contains its digits) or full ID number (exact, through its
    blind index: an encrypted column cannot be searched any other way)."""
    query = query.strip()
    if not query:
        return residents
    match = Q(name__startswith=query)
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
    residents = visible_to(
        user, Resident.objects.select_related("grid").defer("grid__boundary"), token=token
    )
    return resident_search(residents, query) if query else residents
