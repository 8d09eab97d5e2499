"""Shared reads of the population ledger; every one goes through the scoping rule."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Prefetch, Q, QuerySet

from governance.identity import id_number_validate
from governance.models import ApiToken
from governance.scoping import visible_to
from governance.sensitive import blind_index_of
from population.models import House, Household, HouseholdEvent, Resident


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


# --- Houses, households and rental houses ------------------------------------------------------


def house_list(
    *,
    user: Any,
    token: ApiToken | None = None,
    rented: bool | None = None,
    filed: bool | None = None,
) -> QuerySet[House]:
    """The houses the user sees, each with its number of households, optionally only the
    rented (or not rented) and the filed (or not filed) ones."""
    houses = visible_to(
        user,
        House.objects.select_related("grid").annotate(household_count=Count("households")),
        token=token,
    )
    if rented is not None:
        houses = houses.filter(is_rented=rented)
    if filed is not None:
        houses = houses.filter(filed_on__isnull=not filed)
    return houses


def rentals_not_filed(*, user: Any, token: ApiToken | None = None) -> QuerySet[House]:
    """Rented houses with no filing date (P4: 出租房屋登记备案), oldest registration first."""
    return house_list(user=user, token=token, rented=True, filed=False).order_by("created_at", "pk")


def _members() -> Prefetch:
    return Prefetch("members", queryset=Resident.objects.order_by("pk"))


def household_list(
    *, user: Any, token: ApiToken | None = None, house: House | None = None
) -> QuerySet[Household]:
    """The households the user sees (of one house, when given), with their house, head and
    members in a constant number of queries."""
    households = visible_to(
        user,
        Household.objects.select_related("house__grid", "head").prefetch_related(_members()),
        token=token,
    )
    return households.filter(house=house) if house is not None else households


def household_events(*, user: Any, household: Household) -> QuerySet[HouseholdEvent]:
    """Who joined and left the household, and when (latest first)."""
    return visible_to(
        user, HouseholdEvent.objects.filter(household=household).select_related("resident")
    )


def household_candidates(*, user: Any, household: Household) -> QuerySet[Resident]:
    """The residents who could join a household: those of its house's grid the user sees,
    not already in it (those in another household first by name, marked as such)."""
    return (
        visible_to(user, Resident.objects.filter(grid_id=household.house.grid_id))
        .exclude(household=household)
        .select_related("household__house")
        .order_by(F("household").asc(nulls_first=True), "name", "pk")
    )
