"""Reads behind the Open311 GeoReport v2 endpoint (disputes/open311.py): the services (the
active dispute categories) and the service requests (the cases a token sees, through the one
scoping rule of disputes.case_selectors.case_list)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import OuterRef, QuerySet, Subquery

from disputes.case_selectors import case_list
from disputes.models import OPEN_STATES, Case, CaseAction, CaseState, DisputeCategory
from governance.models import ApiToken

# GeoReport v2: without dates a query answers the last 90 days, a date range spans at most
# 90 days, and an answer holds at most 1,000 requests.
DEFAULT_WINDOW = datetime.timedelta(days=90)
MAX_RESULTS = 1000

# The spec knows two statuses; every state but closed is still being worked on.
STATUS_STATES: dict[str, list[str]] = {"open": OPEN_STATES, "closed": [CaseState.CLOSED]}


def open311_services() -> QuerySet[DisputeCategory]:
    return DisputeCategory.objects.filter(active=True)


def open311_requests(
    *,
    token: ApiToken,
    numbers: Iterable[str] | None = None,
    service_codes: Iterable[str] | None = None,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
    statuses: Iterable[str] | None = None,
) -> QuerySet[Case]:
    """The token's cases, newest first, each annotated with its last timeline action
    (`last_action`, `last_comment`, `last_action_at`). Case numbers, when given, override the
    other filters (as the spec says of service_request_id); the dates bound `registered_at`."""
    last = CaseAction.objects.filter(case=OuterRef("pk")).order_by("-at", "-pk")
    cases = (
        case_list(user=token.client, token=token)
        .annotate(
            last_action=Subquery(last.values("action")[:1]),
            last_comment=Subquery(last.values("comment")[:1]),
            last_action_at=Subquery(last.values("at")[:1]),
        )
        .order_by("-registered_at", "-pk")
    )
    if numbers is not None:
        return cases.filter(number__in=list(numbers))
    if service_codes:
        cases = cases.filter(category__code__in=list(service_codes))
    if start is not None:
        cases = cases.filter(registered_at__gte=start)
    if end is not None:
        cases = cases.filter(registered_at__lte=end)
    if statuses:
        cases = cases.filter(
            state__in=[state for status in statuses for state in STATUS_STATES[status]]
        )
    return cases


def open311_request(*, token: ApiToken, number: str) -> Case:
    """One case of the token's by its number; Case.DoesNotExist when it has none such."""
    return open311_requests(token=token, numbers=[number]).get()
