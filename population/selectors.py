"""Shared reads of the population ledger; every one goes through the scoping rule."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from governance.identity import id_number_validate
from governance.models import ApiToken, Role
from governance.scoping import scope_root, visible_to
from governance.sensitive import blind_index_of
from grid.models import Area
from population.models import (
    ReminderPurpose,
    Resident,
    SpecialGroupDetails,
    SpecialGroupEvent,
    SpecialGroupEventKind,
    SpecialGroupKind,
    SpecialGroupRecord,
    special_group_access,
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


# --- Special groups (特殊人群) ------------------------------------------------------------------


def special_group_record_list(
    *, user: Any, token: ApiToken | None = None, kind: SpecialGroupKind | None = None
) -> QuerySet[SpecialGroupRecord]:
    """The records whose members the user may see by name (special_group_access: beyond the
    scoping rule, by role and kind); with `kind`, that kind and its sub-kinds."""
    access = special_group_access(user)
    if access is None:
        return SpecialGroupRecord.objects.none()
    records = visible_to(
        user,
        SpecialGroupRecord.objects.select_related(
            "resident__grid", "kind__parent", "responsible"
        ).filter(access),
        token=token,
    )
    if kind is not None:
        records = records.filter(Q(kind=kind) | Q(kind__parent=kind))
    return records


def special_group_counts(
    *, user: Any, token: ApiToken | None = None
) -> list[tuple[SpecialGroupKind, int]]:
    """Open records per kind in the user's scope: counts, which everyone in scope may see
    (leaders and other systems see these rather than names)."""
    counts = dict(
        visible_to(user, SpecialGroupRecord.objects.filter(until__isnull=True), token=token)
        .values("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    return [(kind, counts.get(kind.pk, 0)) for kind in SpecialGroupKind.objects.all()]


@dataclass(frozen=True)
class DueItem:
    record: SpecialGroupRecord
    purpose: str  # ReminderPurpose
    due: datetime.date
    overdue: bool


def follow_ups_due(
    *, user: Any, today: datetime.date | None = None, within_days: int = 7
) -> list[DueItem]:
    """Follow-up visits and first-month assistance (首月救助, P17) due within `within_days` or
    overdue, soonest first, among the records the user sees; a grid worker's own only."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=within_days)
    records = special_group_record_list(user=user).filter(until__isnull=True)
    if user.role == Role.GRID_WORKER:
        records = records.filter(responsible=user)
    items = [
        DueItem(record, ReminderPurpose.FOLLOW_UP, record.next_follow_up_due,
                record.next_follow_up_due < today)
        for record in records.filter(next_follow_up_due__lte=horizon)
    ]  # fmt: skip
    # 首月救助 is a task from the day of release until it is given (due a month after).
    for record in records.filter(
        first_month_aid_on__isnull=True, release_date__isnull=False, release_date__lte=today
    ):
        due = record.first_month_aid_due
        assert due is not None  # released, not given, open: as filtered
        items.append(DueItem(record, ReminderPurpose.FIRST_MONTH_AID, due, due < today))
    return sorted(items, key=lambda item: (item.due, item.record.pk, item.purpose))


def high_risk_without_guardian(
    *, user: Any, token: ApiToken | None = None, min_risk: int = 3
) -> QuerySet[SpecialGroupRecord]:
    """P20: open records of severe mental illness at risk level `min_risk` or above whose
    family cannot look after them (家庭无力看管): candidates for control measures."""
    return (
        special_group_record_list(user=user, token=token)
        .filter(
            Q(kind__details=SpecialGroupDetails.MENTAL_ILLNESS)
            | Q(kind__parent__details=SpecialGroupDetails.MENTAL_ILLNESS),
            until__isnull=True,
            risk_level__gte=min_risk,
            guardian_capable=False,
        )
        .order_by("-risk_level", "resident__grid__path", "pk")
    )


@dataclass(frozen=True)
class Rate:
    area: Area | None  # None: the whole of the user's scope
    kind: SpecialGroupKind
    members: int
    with_event: int
    target_percent: Decimal | None

    @property
    def percent(self) -> Decimal | None:
        if not self.members:
            return None
        return (Decimal(100) * self.with_event / self.members).quantize(Decimal("0.1"))

    @property
    def meets_target(self) -> bool | None:
        if self.percent is None or self.target_percent is None:
            return None
        return self.percent < self.target_percent


def _rates(*, user: Any, year: int, details: str, event: str, token: ApiToken | None) -> list[Rate]:
    """Per kind with these specific fields: the members at any time in `year` and those of
    them with an `event` that year, for the whole scope and per area one level below it."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    records = visible_to(
        user,
        SpecialGroupRecord.objects.filter(
            Q(kind__details=details) | Q(kind__parent__details=details), since__lte=end
        ).filter(Q(until__isnull=True) | Q(until__gte=start)),
        token=token,
    ).annotate(
        had_event=Exists(
            SpecialGroupEvent.objects.filter(
                record=OuterRef("pk"), kind=event, occurred_on__range=(start, end)
            )
        )
    )
    rows = list(records.values_list("resident__grid__path", "kind_id", "had_event"))
    root = scope_root(user, token)
    below = (
        list(Area.objects.filter(parent=root).defer("boundary").order_by("code"))
        if isinstance(root, Area)
        else list(Area.objects.filter(parent__isnull=True).defer("boundary").order_by("code"))
    )
    kinds = SpecialGroupKind.objects.filter(
        Q(details=details) | Q(parent__details=details)
    ).select_related("parent")
    rates = []
    for kind in kinds:
        target = kind.recidivism_target_percent
        mine = [(path, had) for path, kind_id, had in rows if kind_id == kind.pk]
        rates.append(Rate(None, kind, len(mine), sum(had for _, had in mine), target))
        for area in below:
            inside = [had for path, had in mine if path.startswith(area.path)]
            rates.append(Rate(area, kind, len(inside), sum(inside), target))
    return rates


def recidivism_rates(*, user: Any, year: int, token: ApiToken | None = None) -> list[Rate]:
    """重新犯罪率 (P18) of released prisoners and re-education, against seed 004's targets."""
    return _rates(
        user=user,
        year=year,
        details=SpecialGroupDetails.RELEASE,
        event=SpecialGroupEventKind.REOFFENCE,
        token=token,
    )


def relapse_rates(*, user: Any, year: int, token: ApiToken | None = None) -> list[Rate]:
    """复吸率 (P21) of drug users; the seeds ask to lower it and set no target."""
    return _rates(
        user=user,
        year=year,
        details=SpecialGroupDetails.DRUGS,
        event=SpecialGroupEventKind.RELAPSE,
        token=token,
    )
