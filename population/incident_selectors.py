"""Reads of incidents at rental houses (P5), scoped by the one rule."""

from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from governance.models import ApiToken
from governance.scoping import visible_to
from population.models import RentalAccountability, RentalIncident


def rental_incident_list(
    *,
    user: Any,
    token: ApiToken | None = None,
    awaiting_decision: bool | None = None,
) -> QuerySet[RentalIncident]:
    """The incidents the user may see, newest first, each with its accountability rows and
    the number still awaiting a decision (`open_decisions`); `awaiting_decision` keeps those
    with (True) or without (False) an open one."""
    incidents = visible_to(user, RentalIncident.objects.all(), token=token)
    if awaiting_decision is not None:
        open_rows = RentalAccountability.objects.filter(
            incident=OuterRef("pk"), decided_at__isnull=True
        )
        incidents = incidents.filter(Exists(open_rows) if awaiting_decision else ~Exists(open_rows))
    return (
        incidents.select_related("house__grid", "case", "recorded_by")
        .prefetch_related(
            Prefetch(
                "accountability",
                queryset=RentalAccountability.objects.select_related("decided_by", "user"),
            )
        )
        .annotate(
            open_decisions=Count(
                "accountability", filter=Q(accountability__decided_at__isnull=True)
            )
        )
        .order_by("-occurred_on", "-pk")
    )
