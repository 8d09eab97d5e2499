"""Shared reads of the population ledger; every one goes through the scoping rule."""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import ExtractMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance.countries import COUNTRIES
from governance.identity import id_number_validate
from governance.models import ApiToken, Role, User
from governance.scoping import EVERYTHING, scope_path_of, scope_root, visible_to
from governance.sensitive import blind_index_of
from grid.models import Area, phone_normalize
from population.models import (
    SIZE_RULE_KINDS,
    TWO_NEW_KINDS,
    ExportStatus,
    House,
    Household,
    HouseholdEvent,
    Organisation,
    PassportIndexField,
    Presence,
    ReminderPurpose,
    Resident,
    ResidentDocument,
    ResidentEvent,
    ResidentImport,
    ResidentStatus,
    SecurityBody,
    SpecialGroupDetails,
    SpecialGroupEvent,
    SpecialGroupEventKind,
    SpecialGroupExportRequest,
    SpecialGroupKind,
    SpecialGroupRecord,
    Visit,
    VitalPart,
    oversees_special_group_exports,
    special_group_access,
)

HISTORY_LIMIT = 100


# A name is searched from its start and from two characters on: one character (a surname)
# matches thousands of a street's people and cannot be served by an index in time.
SEARCH_MIN_LENGTH = 2


def within_area(rows: QuerySet[Any], area: Area) -> QuerySet[Any]:
    """The rows of an area-bound model that lie in `area`'s subtree (a narrowing of a scoped
    queryset: it does not replace visible_to)."""
    return rows.filter(**{f"{scope_path_of(rows.model)}__startswith": area.path})


# A whole passport number as PASSPORT_VALIDATOR accepts it (5 to 20 capitals and digits).
PASSPORT_SHAPE = re.compile(r"[0-9A-Z]{5,20}")


def resident_search(residents: QuerySet[Resident], query: str) -> QuerySet[Resident]:
    """By name (from its start: a surname or a full name, which an index serves; "contains"
    would read every row of a district), full phone number or full ID number (both exact, through their
    blind indexes; a whole passport number likewise: an encrypted column cannot be searched any other way). Searching by part
    of a phone number was given up when the phone was encrypted."""
    query = query.strip()
    if not query:
        return residents
    if len(query) < SEARCH_MIN_LENGTH:
        return residents.none()
    match = Q(name__startswith=query)
    phone = phone_normalize(query)
    if phone.isdigit():
        match |= Q(phone_index=blind_index_of(Resident, "phone", phone))
    try:
        number = id_number_validate(query)
    except ValidationError:
        pass  # not a whole, valid ID number: nothing to look up by it
    else:
        match |= Q(id_number_index=blind_index_of(Resident, "id_number", number))
    passport = "".join(query.split()).upper()
    if PASSPORT_SHAPE.fullmatch(passport) and any(c.isdigit() for c in passport):
        # The index holds nationality and number: a whole number is looked up under every
        # nationality (one index scan of ~250 values; the nationality is rarely typed).
        field = Resident._meta.get_field("passport_index")
        assert isinstance(field, PassportIndexField)
        indexes = [field.passport_index_of(code, passport) for code, _name in COUNTRIES]
        match |= Q(passport_index__in=indexes)
    return residents.filter(match)


def resident_list(
    *,
    user: Any,
    token: ApiToken | None = None,
    query: str | None = None,
    area: Area | None = None,
    presence: str | None = None,
    missing: str = "",
) -> QuerySet[Resident]:
    """The residents the user sees (through `token` for an API call), optionally inside an
    area, of one presence, lacking one of MISSING_CHOICES, or searched."""
    residents = visible_to(
        user, Resident.objects.select_related("grid").defer("grid__boundary"), token=token
    )
    if area is not None:
        residents = within_area(residents, area)
    if presence:
        residents = residents.filter(presence=presence)
    if missing:
        residents = residents_missing(residents, missing)
    return resident_search(residents, query) if query else residents


def documents_expiring_filter(*, today: datetime.date, within_days: int) -> Q:
    """Residents present whose residence permit (floating, P3) or visa/stay (foreign, P10)
    expires within `within_days` of `today`, or has expired."""
    horizon = today + datetime.timedelta(days=within_days)
    return Q(presence=Presence.PRESENT) & (
        Q(status=ResidentStatus.FLOATING, residence_permit_expires_on__lte=horizon)
        | Q(status=ResidentStatus.FOREIGN, stay_expires_on__lte=horizon)
    )


@dataclass(frozen=True)
class ExpiringDocument:
    resident: Resident
    document: str  # ResidentDocument
    number: str  # the permit number, or the passport masked
    expires_on: datetime.date
    expired: bool


def documents_expiring(
    *, user: Any, within_days: int, today: datetime.date | None = None
) -> list[ExpiringDocument]:
    """Residence permits and visas/stays of the residents the user sees that expire within
    `within_days` or have expired, soonest (longest expired) first."""
    today = today or timezone.localdate()
    residents = resident_list(user=user).filter(
        documents_expiring_filter(today=today, within_days=within_days)
    )
    items = []
    for resident in residents:
        if resident.status == ResidentStatus.FLOATING:
            expires = resident.residence_permit_expires_on
            document, number = ResidentDocument.RESIDENCE_PERMIT, resident.residence_permit_number
        else:
            expires = resident.stay_expires_on
            document, number = ResidentDocument.STAY, resident.passport_number_masked
        assert expires is not None  # as filtered
        items.append(ExpiringDocument(resident, document, number, expires, expires < today))
    return sorted(items, key=lambda item: (item.expires_on, item.resident.pk))


def organisation_floating_workers(
    *, user: Any, organisation: Organisation, token: ApiToken | None = None
) -> QuerySet[Resident]:
    """The floating people who work for the organisation (以业管人, P7) and live in grids the
    user sees, by name."""
    return (
        resident_list(user=user, token=token)
        .filter(
            employer_organisation=organisation,
            status=ResidentStatus.FLOATING,
            presence=Presence.PRESENT,
        )
        .order_by("name", "pk")
    )


def resident_event_list(
    *, user: Any, token: ApiToken | None = None, resident: Resident | None = None
) -> QuerySet[ResidentEvent]:
    """The dated history (newest first) the user sees, of one resident or of all."""
    events = ResidentEvent.objects.select_related("from_grid", "to_grid", "recorded_by").defer(
        "from_grid__boundary", "to_grid__boundary"
    )
    if resident is not None:
        events = events.filter(resident=resident)
    return visible_to(user, events, token=token)


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a ledger record's audit trail, as its page and the API show it."""

    id: int
    when: Any
    action: int
    who: str
    # Which row changed: "" for the record itself, else a part of it (a household's move in
    # or out, an organisation's vital part, a special-group member's relapse) by its kind.
    part: str
    changes: list[tuple[str, str, str]]  # (field label, old, new): encrypted fields masked
    reason: str  # for a reveal (LogEntry.Action.ACCESS)

    @property
    def is_reveal(self) -> bool:
        return self.action == LogEntry.Action.ACCESS


# The rows whose audit trail belongs to a record's history besides its own: those that are
# part of it and have no page of their own (model, the foreign key to the record). A
# resident's events, a household's moves in and out, an organisation's vital parts and a
# special-group member's relapses are edited as part of the record, so their changes are its
# changes. Rows with their own page (a house's households, a person's visits) keep their own.
HISTORY_PARTS: dict[type[Any], list[tuple[type[Any], str]]] = {
    Resident: [(ResidentEvent, "resident")],
    Household: [(HouseholdEvent, "household")],
    Organisation: [(VitalPart, "organisation"), (SecurityBody, "organisation")],
    SpecialGroupRecord: [(SpecialGroupEvent, "record")],
}


def _field_label(model: type[Any] | None, name: str) -> str:
    if model is None:
        return name
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    return str(getattr(field, "verbose_name", name))


def _shown(value: Any) -> str:
    # auditlog writes a missing value (before a creation) as "None"
    return "" if value is None or value == "None" else str(value)


def record_log_entries(obj: Any) -> QuerySet[LogEntry]:
    """The audit-log entries of a ledger record and of its parts (HISTORY_PARTS), newest
    first: one query however many parts. The entries are stored with every encrypted field
    masked (governance.sensitive.audit_options). A part deleted in the admin takes its link
    to the record with it: its entries stay in the admin's log, not here."""
    model = type(obj)
    entries = Q(
        content_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
        object_id=obj.pk,
    )
    for part, key in HISTORY_PARTS.get(model, []):
        entries |= Q(
            content_type=ContentType.objects.get_for_model(part, for_concrete_model=False),
            object_id__in=part._default_manager.filter(**{key: obj.pk}).values("pk"),
        )
    return LogEntry.objects.filter(entries).select_related("actor").order_by("-timestamp", "-pk")


def history_entries(*, user: Any, obj: Any, entries: list[LogEntry]) -> list[HistoryEntry]:
    """`obj`'s log entries as the user may read them: field labels from the model, the
    people outside the user's area not named (as in the admin's history). One query for
    all. The caller checks the record's `history` permission."""
    actor_ids = {entry.actor_id for entry in entries if entry.actor_id}
    named = (
        set(visible_to(user, User.objects.filter(pk__in=actor_ids)).values_list("pk", flat=True))
        if actor_ids
        else set()
    )
    history = []
    for entry in entries:
        if entry.actor_id is None:
            who = _("the system")
        elif entry.actor_id in named:
            who = entry.actor.display_name
        else:
            who = _("someone outside your area")
        model = ContentType.objects.get_for_id(entry.content_type_id).model_class()
        part = ""
        if model is not None and model is not type(obj):
            part = str(model._meta.verbose_name)
        changes = [
            (_field_label(model, name), _shown(values[0]), _shown(values[1]))
            for name, values in (entry.changes_dict or {}).items()
        ]
        reason = (entry.additional_data or {}).get("reason", "")
        history.append(
            HistoryEntry(entry.pk, entry.timestamp, entry.action, who, part, changes, reason)
        )
    return history


def record_history(*, user: Any, obj: Any) -> list[HistoryEntry]:
    """A ledger record's audit trail, newest first (the last HISTORY_LIMIT entries): who
    registered and changed it and its parts, and, for a resident, who saw the numbers in
    full with the reason they gave. Two queries, however long the history. The caller checks
    `population.history_<model>` (governance.permissions.reviews_record_history)."""
    return history_entries(
        user=user, obj=obj, entries=list(record_log_entries(obj)[:HISTORY_LIMIT])
    )


# --- Organisations ---------------------------------------------------------------------------

# What an organisation list can be narrowed to (the page's and the API's `problem` filter).
LACKING_CONTACTS = "lacking_contacts"  # 两新 without a liaison or safety officer (P11)
SIZE_RULE = "size_rule"  # short of the size rule (P12)
PROBLEM_CHOICES = [
    (
        LACKING_CONTACTS,
        gettext_lazy("两新 organisations lacking a liaison or safety-information officer"),
    ),
    (SIZE_RULE, gettext_lazy("Short of the size rule (security body or liaison)")),
]


def lacking_two_new_contacts() -> Q:
    """两新 organisations without a 综治联络员 or a 安全信息治安员 (P11). The names decide: the
    services keep a name and its (encrypted, unsearchable) phone together."""
    return Q(kind__in=TWO_NEW_KINDS) & (Q(liaison_name="") | Q(safety_officer_name=""))


def short_of_size_rule() -> Q:
    """Enterprises and 两新 organisations at or above the size threshold without an internal
    security body, and those below it without a liaison (P12): Organisation.size_rule_shortfall
    as a filter. The bodies on record decide (P13), not a box."""
    threshold = settings.ORGANISATION_SECURITY_BODY_MIN_EMPLOYEES
    bodies = SecurityBody.objects.filter(organisation=OuterRef("pk"))
    large = Q(employee_count__gte=threshold) & ~Exists(bodies)
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
    if isinstance(root, Area):
        below = list(Area.objects.filter(parent=root).defer("boundary").order_by("code"))
    elif root is EVERYTHING:
        below = list(Area.objects.filter(parent__isnull=True).defer("boundary").order_by("code"))
    else:  # department staff, an enterprise's people, a unit token: no area of their own
        below = []
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


# --- Visits ----------------------------------------------------------------------------------


def visit_list(
    *,
    user: Any,
    token: ApiToken | None = None,
    grid: Area | None = None,
    worker: Any = None,
    resident: Resident | None = None,
    household: Household | None = None,
    organisation: Organisation | None = None,
    purpose: str | None = None,
    visited_from: datetime.date | None = None,
    visited_to: datetime.date | None = None,
    outside_grid: bool | None = None,
) -> QuerySet[Visit]:
    """The visits the user sees (through `token` for an API call), latest first, filtered.
    Dates are the portal's local days, both ends included. Boundaries (large) are left out."""
    visits = visible_to(
        user,
        Visit.objects.select_related("grid", "worker", "resident", "located_grid").defer(
            "grid__boundary", "located_grid__boundary"
        ),
        token=token,
    )
    if grid is not None:
        visits = visits.filter(grid=grid)
    if worker is not None:
        visits = visits.filter(worker=worker)
    if resident is not None:
        visits = visits.filter(resident=resident)
    if household is not None:
        visits = visits.filter(household=household)
    if organisation is not None:
        visits = visits.filter(organisation=organisation)
    if purpose:
        visits = visits.filter(purpose=purpose)
    if visited_from is not None:
        visits = visits_from_day(visits, visited_from)
    if visited_to is not None:
        visits = visits_to_day(visits, visited_to)
    if outside_grid is not None:
        visits = visits.filter(outside_grid=outside_grid)
    return visits


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def visits_from_day(visits: QuerySet[Visit], day: datetime.date) -> QuerySet[Visit]:
    """Visits on or after the local day (a range on visited_at: its index serves it)."""
    return visits.filter(visited_at__gte=_day_start(day))


def visits_to_day(visits: QuerySet[Visit], day: datetime.date) -> QuerySet[Visit]:
    """Visits on or before the local day."""
    return visits.filter(visited_at__lt=_day_start(day + datetime.timedelta(days=1)))


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


# --- Ledger quality (台账质量: 采集率 and what is missing, P1 底数清、情况明) --------------------
#
# One aggregate query per figure, grouped by grid (or by home area for the workers), whatever
# the number of grids; the roll-up to communities and streets is done here, over the area
# tree read once.

VISIT_WINDOW_DAYS = 30


def _count_by_area(
    user: Any, token: ApiToken | None, queryset: QuerySet[Any], area: Area | None, by: str
) -> dict[int, int]:
    """{area id: rows} of the scoped queryset inside `area` (everything the user sees when
    None), grouped by the area lookup `by` ("grid_id", "house__grid_id", ...)."""
    rows = visible_to(user, queryset, token=token)
    if area is not None:
        rows = within_area(rows, area)
    return dict(rows.order_by().values(by).annotate(n=Count("pk")).values_list(by, "n"))


def households_registered_by_grid(
    *, user: Any, token: ApiToken | None = None, area: Area | None = None
) -> dict[int, int]:
    """Households with at least one member living here (a household all of whose members
    moved away or died no longer counts towards the 采集率)."""
    households = Household.objects.filter(Exists(Resident.objects.filter(household=OuterRef("pk"))))
    return _count_by_area(user, token, households, area, "house__grid_id")


# What a resident's record can lack (the resident list's `missing` filter and the figures).
MISSING_HOUSEHOLD = "household"
MISSING_PHONE = "phone"
MISSING_ADDRESS = "address"
MISSING_CHOICES = [
    (MISSING_HOUSEHOLD, gettext_lazy("Missing a household")),
    (MISSING_PHONE, gettext_lazy("Missing a phone")),
    (MISSING_ADDRESS, gettext_lazy("Missing an address")),
]
_MISSING = {
    MISSING_HOUSEHOLD: Q(household__isnull=True),
    # The phone is encrypted: an empty one has no blind index.
    MISSING_PHONE: Q(phone_index__isnull=True),
    MISSING_ADDRESS: Q(address=""),
}


def residents_missing(residents: QuerySet[Resident], missing: str) -> QuerySet[Resident]:
    """Those lacking one of MISSING_CHOICES."""
    try:
        return residents.filter(_MISSING[missing])
    except KeyError:
        raise ValueError(f"unknown missing field {missing!r}") from None


def resident_gaps_by_grid(
    *, user: Any, token: ApiToken | None = None, area: Area | None = None
) -> dict[int, dict[str, int]]:
    """Per grid: the residents who live here and, of them, those without a household, a
    phone or an address. One scan of the residents for the four figures (as four queries
    they cost four times as much at district scale)."""
    residents = visible_to(user, Resident.objects.filter(presence=Presence.PRESENT), token=token)
    if area is not None:
        residents = within_area(residents, area)
    rows = (
        residents.order_by()
        .values("grid_id")
        .annotate(
            residents=Count("pk"),
            without_household=Count("pk", filter=_MISSING[MISSING_HOUSEHOLD]),
            missing_phone=Count("pk", filter=_MISSING[MISSING_PHONE]),
            missing_address=Count("pk", filter=_MISSING[MISSING_ADDRESS]),
        )
    )
    return {row.pop("grid_id"): row for row in rows}


def rentals_not_filed_by_grid(
    *, user: Any, token: ApiToken | None = None, area: Area | None = None
) -> dict[int, int]:
    """Rented houses with no filing date (P4), as rentals_not_filed lists them."""
    houses = House.objects.filter(is_rented=True, filed_on__isnull=True)
    return _count_by_area(user, token, houses, area, "grid_id")


def organisations_lacking_contacts_by_grid(
    *, user: Any, token: ApiToken | None = None, area: Area | None = None
) -> dict[int, int]:
    """两新 organisations without a liaison or a safety-information officer (P11)."""
    organisations = Organisation.objects.filter(lacking_two_new_contacts())
    return _count_by_area(user, token, organisations, area, "grid_id")


def follow_ups_overdue_by_grid(
    *,
    user: Any,
    token: ApiToken | None = None,
    area: Area | None = None,
    today: datetime.date | None = None,
) -> dict[int, int]:
    """Open special-group records whose follow-up visit is overdue (as follow_ups_due marks
    them). Counts only, which everyone in scope may see (as special_group_counts)."""
    today = today or timezone.localdate()
    records = SpecialGroupRecord.objects.filter(until__isnull=True, next_follow_up_due__lt=today)
    return _count_by_area(user, token, records, area, "resident__grid_id")


def visits_recent_by_grid(
    *,
    user: Any,
    token: ApiToken | None = None,
    area: Area | None = None,
    today: datetime.date | None = None,
) -> dict[int, int]:
    """Visits of the last VISIT_WINDOW_DAYS days, today included."""
    today = today or timezone.localdate()
    since = today - datetime.timedelta(days=VISIT_WINDOW_DAYS - 1)
    visits = visits_from_day(Visit.objects.all(), since)
    return _count_by_area(user, token, visits, area, "grid_id")


def grid_workers_by_area(
    *, user: Any, token: ApiToken | None = None, area: Area | None = None
) -> dict[int, int]:
    """Active grid workers per home area (the divisor of the visits per worker)."""
    workers = User.objects.filter(role=Role.GRID_WORKER, is_active=True)
    return _count_by_area(user, token, workers, area, "home_area_id")


@dataclass
class LedgerQuality:
    """The figures of one area: its grids summed."""

    area: Area | None  # None: the whole of the user's scope (a superuser's)
    grids: int = 0
    grids_without_expected: int = 0
    expected_households: int = 0  # the sum over the grids that have an expected count
    households: int = 0
    residents: int = 0
    without_household: int = 0
    missing_phone: int = 0
    missing_address: int = 0
    rentals_not_filed: int = 0
    organisations_lacking_contacts: int = 0
    follow_ups_overdue: int = 0
    visits_recent: int = 0
    grid_workers: int = 0

    @property
    def collection_rate(self) -> Decimal | None:
        """采集率, households registered against the expected count, in percent; unknown while
        a grid has no expected count (the sum would understate the base)."""
        if self.grids_without_expected or not self.expected_households:
            return None
        return (Decimal(100) * self.households / self.expected_households).quantize(Decimal("0.1"))

    @property
    def visits_per_worker(self) -> Decimal | None:
        if not self.grid_workers:
            return None
        return (Decimal(self.visits_recent) / self.grid_workers).quantize(Decimal("0.1"))

    @property
    def missing_records(self) -> int:
        return (
            self.without_household
            + self.missing_phone
            + self.missing_address
            + self.rentals_not_filed
            + self.organisations_lacking_contacts
            + self.follow_ups_overdue
        )

    def worst_first_key(self) -> tuple[Any, ...]:
        """No known rate first (its base is not clear), then the lowest rate, then the most
        missing records."""
        rate = self.collection_rate
        return (
            rate is not None,
            rate or 0,
            -self.missing_records,
            self.area.code if self.area else "",
        )


_COUNTED = {
    "households": households_registered_by_grid,
    "rentals_not_filed": rentals_not_filed_by_grid,
    "organisations_lacking_contacts": organisations_lacking_contacts_by_grid,
    "grid_workers": grid_workers_by_area,
}
_DATED = {
    "follow_ups_overdue": follow_ups_overdue_by_grid,
    "visits_recent": visits_recent_by_grid,
}


@dataclass
class LedgerQualityReport:
    area: Area | None  # the area asked about; None: a superuser's whole tree
    total: LedgerQuality
    rows: list[LedgerQuality]  # one per child area, worst first; none for a grid


def ledger_quality(
    *,
    user: Any,
    token: ApiToken | None = None,
    area: Area | None = None,
    today: datetime.date | None = None,
) -> LedgerQualityReport:
    """The ledger's figures for `area` (default: the top of the user's scope) and for each
    of its child areas, worst first. The caller passes an area the user sees. A constant
    number of queries (one per figure and one for the area tree) whatever the number of
    grids."""
    if area is None:
        root = scope_root(user, token)
        area = root if isinstance(root, Area) else None
    areas = visible_to(user, Area.objects.defer("boundary").order_by("path"), token=token)
    if area is not None:
        areas = areas.filter(path__startswith=area.path)
    by_id = {each.pk: each for each in areas}
    depth = len(area.ancestor_ids) + 1 if area is not None else 0
    children = {
        pk: LedgerQuality(each)
        for pk, each in by_id.items()
        if (each.parent_id == area.pk if area is not None else each.parent_id is None)
    }
    total = LedgerQuality(area)

    def rows_of(area_id: int) -> list[LedgerQuality]:
        """The total and the child row an area's figures add to."""
        found = by_id.get(area_id)
        if found is None:
            return [total]
        parts = found.path.strip("/").split("/")
        child = children.get(int(parts[depth])) if len(parts) > depth else None
        return [total, child] if child is not None else [total]

    for each in by_id.values():
        if each.is_grid:
            for row in rows_of(each.pk):
                row.grids += 1
                if each.expected_households is None:
                    row.grids_without_expected += 1
                else:
                    row.expected_households += each.expected_households
    figures = {name: count(user=user, token=token, area=area) for name, count in _COUNTED.items()}
    for name, dated in _DATED.items():
        figures[name] = dated(user=user, token=token, area=area, today=today)
    per_area: list[tuple[int, dict[str, int]]] = [
        (area_id, {name: n}) for name, counts in figures.items() for area_id, n in counts.items()
    ]
    per_area += resident_gaps_by_grid(user=user, token=token, area=area).items()
    for area_id, counts in per_area:
        for row in rows_of(area_id):
            for name, n in counts.items():
                setattr(row, name, getattr(row, name) + n)
    rows = sorted(children.values(), key=LedgerQuality.worst_first_key)
    return LedgerQualityReport(area=area, total=total, rows=rows)


# --- Special-group ledger exports (P24) ---------------------------------------------------------


def special_group_export_list(
    *, user: Any, token: ApiToken | None = None
) -> QuerySet[SpecialGroupExportRequest]:
    """The export requests of the user's area, for office staff, leaders and administrators
    (the requests name an area and a reason, never a person)."""
    if not oversees_special_group_exports(user):
        return SpecialGroupExportRequest.objects.none()
    return visible_to(
        user,
        SpecialGroupExportRequest.objects.select_related(
            "area", "requested_by", "decided_by"
        ).prefetch_related("kinds"),
        token=token,
    )


def special_group_exports_mine(*, user: Any) -> QuerySet[SpecialGroupExportRequest]:
    return special_group_export_list(user=user).filter(requested_by=user)


def special_group_exports_pending(*, user: Any) -> QuerySet[SpecialGroupExportRequest]:
    """What awaits this user's decision: the undecided requests of their area that they may
    approve (a leader's; never their own)."""
    if not user.has_perm("population.approve_specialgroupexportrequest"):
        return SpecialGroupExportRequest.objects.none()
    return (
        special_group_export_list(user=user)
        .filter(status=ExportStatus.REQUESTED)
        .exclude(requested_by=user)
        .order_by("requested_at", "pk")
    )


# --- Employers' registrations of their floating workers (以业管人, P7) -------------------------


@dataclass(frozen=True)
class EmployerRegistrations:
    """The floating workers one employer's own account registered, per month of a year
    (P7 「全年登记录入流动人口35万人」)."""

    organisation_id: int
    name: str
    months: tuple[int, ...]  # January to December

    @property
    def total(self) -> int:
        return sum(self.months)


@dataclass(frozen=True)
class EmployerRegistrationFigures:
    year: int
    employers: list[EmployerRegistrations]

    @property
    def months(self) -> tuple[int, ...]:
        """The area's sum per month: every employer the viewer sees."""
        return tuple(sum(row.months[month] for row in self.employers) for month in range(12))

    @property
    def total(self) -> int:
        return sum(self.months)


def employer_registration_figures(
    *,
    user: Any,
    year: int,
    token: ApiToken | None = None,
    area: Area | None = None,
    organisation: Organisation | None = None,
) -> EmployerRegistrationFigures:
    """Per employer and month of `year`, the residents registered by the employer's own
    account (Resident.registered_by_employer) among those the viewer sees: an office its area's
    (optionally one `area` or one `organisation`), an enterprise its own workers. One query."""
    residents = visible_to(
        user,
        Resident.objects.filter(registered_by_employer__isnull=False, created_at__year=year),
        token=token,
    )
    if area is not None:
        residents = within_area(residents, area)
    if organisation is not None:
        residents = residents.filter(registered_by_employer=organisation)
    counts: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for row in (
        residents.annotate(month=ExtractMonth("created_at"))
        .values("registered_by_employer", "registered_by_employer__name", "month")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        employer = row["registered_by_employer"]
        names[employer] = row["registered_by_employer__name"]
        counts.setdefault(employer, [0] * 12)[row["month"] - 1] += row["n"]
    employers = [
        EmployerRegistrations(organisation_id=pk, name=names[pk], months=tuple(months))
        for pk, months in counts.items()
    ]
    employers.sort(key=lambda row: (-row.total, row.name, row.organisation_id))
    return EmployerRegistrationFigures(year=year, employers=employers)
