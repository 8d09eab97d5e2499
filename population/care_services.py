"""Care and counselling records of special-group members (seed 001: 关爱帮扶, 心理筛查和疏导;
P16, P23): one function per change, each in one transaction."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.permissions import require_perm
from population.models import CareKind, SpecialGroupCare, SpecialGroupRecord


@transaction.atomic
def special_group_care_add(
    *,
    actor: Any,
    record: SpecialGroupRecord,
    kind: str,
    given_on: datetime.date,
    provider: str = "",
    notes: str = "",
    outcome: str = "",
) -> SpecialGroupCare:
    """Record care, a psychological screening, counselling or education given to the member,
    dated on or after the record began and not in the future."""
    record = SpecialGroupRecord.objects.select_related("resident__grid", "kind").get(pk=record.pk)
    care = SpecialGroupCare(
        record=record,
        kind=kind,
        given_on=given_on,
        given_by=actor if getattr(actor, "pk", None) else None,
        provider=provider.strip(),
        notes=notes.strip(),
        outcome=outcome.strip(),
    )
    require_perm(actor, "population.add_specialgroupcare", care)
    if kind not in CareKind.values:
        raise ValidationError({"kind": _("Choose one of the kinds of care.")})
    if not isinstance(given_on, datetime.date):
        raise ValidationError({"given_on": _("Enter the date of the care.")})
    if given_on > timezone.localdate():
        raise ValidationError({"given_on": _("The date cannot be in the future.")})
    if given_on < record.since:
        raise ValidationError({"given_on": _("The date is before the record's start.")})
    care.full_clean(exclude=["record", "given_by"])
    care.save()
    return care
