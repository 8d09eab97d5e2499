"""A service request of Open311 GeoReport v2 registered as a dispute case. The mapping only:
every rule of registration (who, where, which category, the parties) is case_register's."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.case_selectors import registrable_grids
from disputes.case_services import case_register
from disputes.models import Case, CaseSource, DisputeCategory, PartyRole
from governance.models import ApiToken
from grid.index import grid_index

TITLE_LENGTH = 40


def title_from(description: str) -> str:
    """Open311 has no title: the description's first line, shortened."""
    first = description.strip().splitlines()[0].strip() if description.strip() else ""
    return first if len(first) <= TITLE_LENGTH else first[: TITLE_LENGTH - 1] + "…"


def party_name(first_name: str, last_name: str) -> str:
    """A Chinese name is written family name first, without a space; others given name first."""
    first_name, last_name = first_name.strip(), last_name.strip()
    if not first_name or not last_name:
        return first_name or last_name
    if first_name.isascii() and last_name.isascii():
        return f"{first_name} {last_name}"
    return f"{last_name}{first_name}"


def open311_request_register(
    *,
    token: ApiToken,
    category: DisputeCategory,
    latitude: float,
    longitude: float,
    description: str,
    first_name: str = "",
    last_name: str = "",
    address: str = "",
    occurred_on: datetime.date | None = None,
    people_involved: int | None = None,
    units_involved: str = "",
) -> Case:
    """Register the request as a general case of another system, in the grid its point lies
    in. A point in no grid is bad input; a point in a grid the token does not reach is refused
    (PermissionDenied), before case_register checks the same again with everything else."""
    located = grid_index().locate(longitude, latitude)
    if located is None:
        raise ValidationError({"grid": _("This point lies in no grid of the portal.")})
    grid = registrable_grids(user=token.client, token=token).filter(pk=located).first()
    if grid is None:
        raise PermissionDenied(_("This point lies outside the area of your API key."))
    more: dict[str, Any] = {}
    if people_involved is not None:
        more["people_involved"] = people_involved
    return case_register(
        actor=token.client,
        token=token,
        title=title_from(description),
        summary=description,
        category=category,
        source=CaseSource.OTHER_SYSTEM,
        occurred_on=occurred_on or timezone.localdate(),
        grid=grid,
        address=address,
        longitude=longitude,
        latitude=latitude,
        units_involved=units_involved,
        parties=[{"role": PartyRole.APPLICANT, "name": party_name(first_name, last_name)}],
        **more,
    )
