"""Reads of the care and counselling records (P16, P23): exactly as visible as their records."""

import datetime
from typing import Any

from django.db.models import QuerySet

from governance.models import ApiToken
from population.models import SpecialGroupCare
from population.selectors import special_group_record_list


def special_group_care_list(
    *,
    user: Any,
    token: ApiToken | None = None,
    record: Any = None,
    kind: str = "",
    given_from: datetime.date | None = None,
    given_to: datetime.date | None = None,
) -> QuerySet[SpecialGroupCare]:
    """The care records of the special-group records the user sees by name (the records'
    scoping and their kinds' restrictions: special_group_record_list), newest first."""
    records = special_group_record_list(user=user, token=token)
    care = SpecialGroupCare.objects.filter(record__in=records.values("pk")).select_related(
        "given_by"
    )
    if record is not None:
        care = care.filter(record=record)
    if kind:
        care = care.filter(kind=kind)
    if given_from is not None:
        care = care.filter(given_on__gte=given_from)
    if given_to is not None:
        care = care.filter(given_on__lte=given_to)
    return care
