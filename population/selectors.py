"""Shared reads of the population ledger; every one goes through the scoping rule."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from governance.identity import id_number_validate
from governance.models import ApiToken
from governance.scoping import visible_to
from governance.sensitive import blind_index_of
from population.models import (
    SIZE_RULE_KINDS,
    TWO_NEW_KINDS,
    Organisation,
    Resident,
    VitalPart,
)


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


# --- Organisations ---------------------------------------------------------------------------

# What an organisation list can be narrowed to (the page's and the API's `problem` filter).
LACKING_CONTACTS = "lacking_contacts"  # 两新 without a liaison or safety officer (P11)
SIZE_RULE = "size_rule"  # short of the size rule (P12)
PROBLEM_CHOICES = [
    (LACKING_CONTACTS, _("两新 organisations lacking a liaison or safety-information officer")),
    (SIZE_RULE, _("Short of the size rule (security body or liaison)")),
]


def lacking_two_new_contacts() -> Q:
    """两新 organisations without a 综治联络员 or a 安全信息治安员 (P11). The names decide: the
    services keep a name and its (encrypted, unsearchable) phone together."""
    return Q(kind__in=TWO_NEW_KINDS) & (Q(liaison_name="") | Q(safety_officer_name=""))


def short_of_size_rule() -> Q:
    """Enterprises and 两新 organisations at or above the size threshold without an internal
    security body, and those below it without a liaison (P12): Organisation.size_rule_shortfall
    as a filter."""
    threshold = settings.ORGANISATION_SECURITY_BODY_MIN_EMPLOYEES
    large = Q(employee_count__gte=threshold, has_security_body=False)
    small = Q(employee_count__lt=threshold, liaison_name="")
    return Q(kind__in=SIZE_RULE_KINDS) & (large | small)


def organisation_problems(
    organisations: QuerySet[Organisation], problem: str
) -> QuerySet[Organisation]:
    """Those with one of PROBLEM_CHOICES."""
    if problem == LACKING_CONTACTS:
        return organisations.filter(lacking_two_new_contacts())
    if problem == SIZE_RULE:
        return organisations.filter(short_of_size_rule())
    raise ValueError(f"unknown problem {problem!r}")


def organisation_search(
    organisations: QuerySet[Organisation], query: str
) -> QuerySet[Organisation]:
    """By name (contains) or credit code (its beginning, upper-cased)."""
    query = query.strip()
    if not query:
        return organisations
    return organisations.filter(Q(name__icontains=query) | Q(credit_code__startswith=query.upper()))


def organisation_list(
    *,
    user: Any,
    token: ApiToken | None = None,
    kind: str = "",
    problem: str = "",
    query: str = "",
) -> QuerySet[Organisation]:
    """The organisations the user sees (through `token` for an API call), of one kind, with
    one of PROBLEM_CHOICES, or searched."""
    organisations = visible_to(user, Organisation.objects.select_related("grid"), token=token)
    if kind:
        organisations = organisations.filter(kind=kind)
    if problem:
        organisations = organisation_problems(organisations, problem)
    return organisation_search(organisations, query) if query else organisations


def vital_part_list(
    *, user: Any, token: ApiToken | None = None, organisation: Organisation | None = None
) -> QuerySet[VitalPart]:
    """The vital parts of the key units the user sees, or of one of them."""
    parts = visible_to(user, VitalPart.objects.select_related("organisation"), token=token)
    return parts.filter(organisation=organisation) if organisation is not None else parts
