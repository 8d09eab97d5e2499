"""The two screenings (两个排查, D1-D9): periods, reports, items, hotspots and the beat work
(open the periods, remind, list late units). One function per use case, each in one
transaction; the beat functions lock each row they act on and guard on its state, so a run
twice, two runs side by side or a run killed half-way do each thing exactly once."""

import calendar
import datetime
import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from disputes.models import (
    SECURITY_KINDS,
    DisputeCategory,
    ScreeningCadence,
    ScreeningHotspot,
    ScreeningItem,
    ScreeningItemKind,
    ScreeningPeriod,
    ScreeningReport,
    ScreeningState,
    Severity,
)
from disputes.workdays import WorkCalendar
from governance.models import Role, User
from governance.permissions import require_perm
from governance.scoping import in_scope
from governance.services import notification_send
from grid.models import Area, AreaLevel, Unit, UnitKind

# --- The reporting chain ---------------------------------------------------------------------
# Who reports how often (seed 004, D2/D3): communities and villages, reporting enterprises and
# the departments of a street report to the street every half month; each street's office and
# the district's departments report to the district every month. The district office reports
# to no one here. settings.SCREENING_CADENCES holds the default chain by reporter class,
# settings.SCREENING_CADENCES_BY_DISTRICT overrides it per district (by the district's code).

COMMUNITY = "community"
STREET = "street"
STREET_DEPARTMENT = "street_department"
DISTRICT_DEPARTMENT = "district_department"
ENTERPRISE = "enterprise"
REPORTER_CLASSES = (COMMUNITY, STREET, STREET_DEPARTMENT, DISTRICT_DEPARTMENT, ENTERPRISE)


def reporter_class(unit: Unit, level: int) -> str | None:
    """The reporter class of a unit whose area has `level`; None for a unit that reports to
    no one (the district office)."""
    if unit.kind == UnitKind.OFFICE:
        offices: dict[int, str] = {AreaLevel.COMMUNITY: COMMUNITY, AreaLevel.STREET: STREET}
        return offices.get(level)
    if unit.kind == UnitKind.ENTERPRISE:
        return ENTERPRISE
    return STREET_DEPARTMENT if level == AreaLevel.STREET else DISTRICT_DEPARTMENT


def cadence_for(reporter: str | None, district_code: str) -> str | None:
    """The cadence of a reporter class in a district; None: it does not report."""
    if reporter is None:
        return None
    chain = dict(settings.SCREENING_CADENCES)
    chain.update(settings.SCREENING_CADENCES_BY_DISTRICT.get(district_code, {}))
    cadence = chain.get(reporter)
    return cadence or None


def _district_codes(area_ids: Iterable[int]) -> dict[int, str]:
    return dict(Area.objects.filter(pk__in=set(area_ids)).values_list("pk", "code"))


def _district_id(path: str) -> int:
    return int(path.strip("/").split("/")[0])


def cadence_of(unit: Unit) -> str | None:
    """The cadence a unit reports at (its district's chain), None when it reports to no one."""
    area = unit.area
    code = _district_codes([_district_id(area.path)]).get(_district_id(area.path), "")
    return cadence_for(reporter_class(unit, area.level), code)


def receiving_area(unit: Unit) -> Area | None:
    """The area whose office receives a unit's reports (the level above, D3): an office
    reports to its parent area's office; a department or enterprise to the office of the
    area it belongs to."""
    return unit.area.parent if unit.kind == UnitKind.OFFICE else unit.area


# --- Periods -------------------------------------------------------------------------------


def due_working_days() -> int:
    """Working days after a period's last day by which its report is due. No seed fixes a
    due day (seed-rules: "No due day for dispute screening"): SCREENING_DUE_WORKING_DAYS."""
    return int(settings.SCREENING_DUE_WORKING_DAYS)


def period_bounds(cadence: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the period of `cadence` that holds `day`."""
    if cadence == ScreeningCadence.HALF_MONTHLY:
        if day.day <= 15:
            return day.replace(day=1), day.replace(day=15)
        last = calendar.monthrange(day.year, day.month)[1]
        return day.replace(day=16), day.replace(day=last)
    if cadence == ScreeningCadence.MONTHLY:
        last = calendar.monthrange(day.year, day.month)[1]
        return day.replace(day=1), day.replace(day=last)
    if cadence == ScreeningCadence.WEEKLY:
        monday = day - datetime.timedelta(days=day.weekday())
        return monday, monday + datetime.timedelta(days=6)
    raise ValueError(f"unknown cadence {cadence!r}")


def periods_ensure(
    cadences: Iterable[str], day: datetime.date, calendar_: WorkCalendar | None = None
) -> dict[str, ScreeningPeriod]:
    """The periods of the cadences that hold `day`, created once (the unique key)."""
    cadences = sorted(set(cadences))
    work = calendar_ or WorkCalendar(day, day + datetime.timedelta(days=60))
    wanted = []
    for cadence in cadences:
        starts, ends = period_bounds(cadence, day)
        due = work.add_working_days(ends, due_working_days())
        wanted.append(ScreeningPeriod(cadence=cadence, starts_on=starts, ends_on=ends, due_on=due))
    ScreeningPeriod.objects.bulk_create(wanted, ignore_conflicts=True)
    found = ScreeningPeriod.objects.filter(
        Q(*[Q(cadence=p.cadence, starts_on=p.starts_on) for p in wanted], _connector=Q.OR)
    )
    return {period.cadence: period for period in found} if wanted else {}


def period_of(cadence: str, day: datetime.date) -> ScreeningPeriod:
    return periods_ensure([cadence], day)[cadence]


# --- Opening the periods (beat) -------------------------------------------------------------


def _hotspot_paths() -> list[str]:
    return list(
        ScreeningHotspot.objects.filter(lifted_at__isnull=True).values_list("area__path", flat=True)
    )


def screening_periods_open(*, today: datetime.date | None = None) -> int:
    """The beat task's work: a report row (open) for every active reporting unit in the
    periods that hold today, and the weekly rolling report of every half-monthly reporter in
    a hotspot (D6). One bulk insert that skips the (unit, period) pairs already there, so a
    second or concurrent run creates nothing. Returns how many rows it created."""
    today = today or timezone.localdate()
    units = list(
        Unit.objects.filter(active=True).values_list("pk", "kind", "area__level", "area__path")
    )
    codes = _district_codes(_district_id(path) for *_, path in units)
    hotspots = _hotspot_paths()
    wanted: list[tuple[int, str]] = []
    for pk, kind, level, path in units:
        reporter = reporter_class(Unit(kind=kind), level)
        cadence = cadence_for(reporter, codes.get(_district_id(path), ""))
        if cadence is None:
            continue
        wanted.append((pk, cadence))
        if cadence == ScreeningCadence.HALF_MONTHLY and any(path.startswith(h) for h in hotspots):
            wanted.append((pk, ScreeningCadence.WEEKLY))
    if not wanted:
        return 0
    with transaction.atomic():
        # Two runs side by side take turns here, so each counts only the rows it made; the
        # unique key alone already keeps every (unit, period) once.
        _serialise("screening_periods_open")
        periods = periods_ensure({cadence for _, cadence in wanted}, today)
        period_ids = [period.pk for period in periods.values()]
        before = ScreeningReport.objects.filter(period_id__in=period_ids).count()
        ScreeningReport.objects.bulk_create(
            [ScreeningReport(unit_id=pk, period=periods[cadence]) for pk, cadence in wanted],
            ignore_conflicts=True,
            batch_size=2000,
        )
        return ScreeningReport.objects.filter(period_id__in=period_ids).count() - before


def _serialise(name: str) -> None:
    """A transaction-scoped PostgreSQL advisory lock named `name` (released at commit); other
    databases (the demo's SQLite) serialise writers anyway."""
    if connection.vendor != "postgresql":
        return
    key = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


# --- Who is told ---------------------------------------------------------------------------


def _active(users: Iterable[User | None]) -> list[User]:
    seen: dict[int, User] = {}
    for user in users:
        if user is not None and user.is_active:
            seen.setdefault(user.pk, user)
    return list(seen.values())


def reporters_of(unit: Unit) -> list[User]:
    """The unit's named liaison and lead (T10); without either, the unit's own people."""
    named = _active([unit.liaison, unit.lead])
    if named:
        return named
    return list(unit.members.filter(is_active=True).order_by("pk"))


def office_of(area: Area | None) -> list[User]:
    """The office of an area: its office unit's lead, liaison and reporting leader, and the
    office staff whose home area it is."""
    if area is None:
        return []
    office = (
        Unit.objects.filter(area=area, kind=UnitKind.OFFICE)
        .select_related("lead", "liaison", "reporting_leader")
        .first()
    )
    named = [office.lead, office.liaison, office.reporting_leader] if office else []
    staff = User.objects.filter(home_area=area, role=Role.OFFICE_STAFF, is_active=True)
    return _active([*named, *staff.order_by("pk")])


def _report_url(report: ScreeningReport) -> str:
    return reverse("screenings:report", kwargs={"pk": report.pk})


# --- Reminders and late notices (beat) ------------------------------------------------------


def reminder_days() -> int:
    """Days before the due day the reporter is reminded (SCREENING_REMINDER_DAYS; ours)."""
    return int(settings.SCREENING_REMINDER_DAYS)


def _deliver(
    pending: Sequence[int],
    guard: Q,
    act: Any,
) -> int:
    """For each report pk: lock it (skip_locked: runs side by side share the work), check the
    guard again under the lock, and let `act(report)` send and mark it in the same
    transaction; act returns False when there is nobody to tell yet (retried next run)."""
    done = 0
    rows = ScreeningReport.objects.select_related(
        "unit__area", "unit__lead", "unit__liaison", "period"
    )
    with translation.override(settings.LANGUAGE_CODE):
        for pk in pending:
            with transaction.atomic():
                report = (
                    rows.select_for_update(skip_locked=True, of=("self",))
                    .filter(guard, pk=pk)
                    .first()
                )
                if report is not None and act(report):
                    done += 1
    return done


def screening_reminders_send(*, today: datetime.date | None = None) -> int:
    """Remind each open report's liaison and lead once, from SCREENING_REMINDER_DAYS before
    the due day until the due day. Returns how many reports were reminded."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=reminder_days())
    guard = Q(
        state=ScreeningState.OPEN,
        reminded_at__isnull=True,
        period__due_on__lte=horizon,
        period__due_on__gte=today,
        period__starts_on__lte=today,
    )
    pending = list(
        ScreeningReport.objects.filter(guard).order_by("pk").values_list("pk", flat=True)
    )

    def remind(report: ScreeningReport) -> bool:
        recipients = reporters_of(report.unit)
        if not recipients:
            return False
        notification_send(
            recipients=recipients,
            kind="screening_reminder",
            title=_("The screening report (两个排查) of %(unit)s is due on %(date)s")
            % {"unit": report.unit.name, "date": report.period.due_on.isoformat()},
            body=_("Period %(period)s: list the disputes and the public-security problems found, or submit a zero report (零报告).")
            % {"period": str(report.period)},
            url=_report_url(report),
            dedupe_key=f"screening_reminder:{report.pk}",
        )  # fmt: skip
        report.reminded_at = timezone.now()
        report.save(update_fields=["reminded_at"])
        return True

    return _deliver(pending, guard, remind)


def screening_late_scan(*, today: datetime.date | None = None) -> int:
    """After the due day: mark each still-open report late and tell the office of the level
    above once, naming the late unit (D3). Returns how many late units were notified."""
    today = today or timezone.localdate()
    ScreeningReport.objects.filter(
        state=ScreeningState.OPEN, late=False, period__due_on__lt=today
    ).update(late=True)
    guard = Q(state=ScreeningState.OPEN, late_notified_at__isnull=True, period__due_on__lt=today)
    pending = list(
        ScreeningReport.objects.filter(guard).order_by("pk").values_list("pk", flat=True)
    )

    def notify(report: ScreeningReport) -> bool:
        recipients = office_of(receiving_area(report.unit))
        if not recipients:
            return False  # the overview lists it; a later run retries
        notification_send(
            recipients=recipients,
            kind="screening_late",
            title=_("%(unit)s has not submitted its screening report (due %(date)s)")
            % {"unit": report.unit.name, "date": report.period.due_on.isoformat()},
            body=_("Period %(period)s. The report is listed as late on the screening overview.")
            % {"period": str(report.period)},
            url=_report_url(report),
            dedupe_key=f"screening_late:{report.pk}",
        )
        report.late = True
        report.late_notified_at = timezone.now()
        report.save(update_fields=["late", "late_notified_at"])
        return True

    return _deliver(pending, guard, notify)


# --- Items and submission -----------------------------------------------------------------

ITEM_FIELDS = frozenset(
    {
        "kind",
        "title",
        "description",
        "grid",
        "parties",
        "severity",
        "category",
        "people_count",
        "responsible_leader",
        "handlers",
        "duty",
        "measures",
        "deadline",
    }
)
ITEM_TEXT_MAX = {"title": 200, "responsible_leader": 60, "handlers": 200}


def compiles_for(user: Any, report: ScreeningReport) -> bool:
    """A grid worker compiles entries for their community's office report (D9: 三级排查网络)."""
    unit = report.unit
    grid = getattr(user, "home_area", None)
    return bool(
        user.is_authenticated
        and user.is_active
        and user.role == Role.GRID_WORKER
        and unit.kind == UnitKind.OFFICE
        and grid is not None
        and grid.level == AreaLevel.GRID
        and grid.parent_id == unit.area_id
    )


def may_add_items(user: Any, report: ScreeningReport) -> bool:
    return compiles_for(user, report) or user.has_perm("disputes.change_screeningreport", report)


def _clean_item(actor: Any, report: ScreeningReport, fields: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(fields) - ITEM_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in unknown})
    errors: dict[str, str] = {}
    for name in ("title", "responsible_leader", "handlers"):
        value = " ".join((fields.get(name) or "").split())
        fields[name] = value
        if name != "handlers" and not value:
            errors[name] = _("This field is required.")
        elif len(value) > ITEM_TEXT_MAX[name]:
            errors[name] = _("Keep it under %(max)d characters.") % {"max": ITEM_TEXT_MAX[name]}
    for name in ("description", "parties", "duty", "measures"):
        fields[name] = (fields.get(name) or "").strip()
    kind = fields.get("kind")
    if kind not in ScreeningItemKind.values:
        errors["kind"] = _("Choose a dispute, an area of disorder, a security problem or a hazard.")
    fields.setdefault("severity", Severity.GENERAL)
    if fields["severity"] not in Severity.values:
        errors["severity"] = _("Choose general, major or mass incident.")
    category = fields.get("category")
    if kind == ScreeningItemKind.DISPUTE:
        if category is None:
            errors["category"] = _("A dispute needs its category.")
        elif not isinstance(category, DisputeCategory) or not category.active:
            errors["category"] = _("Choose an active category.")
    else:
        fields["category"] = None
    people = fields.get("people_count", 1)
    if not isinstance(people, int) or people < 1:
        errors["people_count"] = _("At least one person is involved.")
    fields["people_count"] = people
    if fields.get("deadline") is None:
        errors["deadline"] = _("Set the deadline by which it is to be resolved (限期解决).")
    grid = fields.get("grid")
    if compiles_for(actor, report):
        if grid is not None and grid.pk != actor.home_area_id:
            errors["grid"] = _("You add entries for your own grid only.")
        fields["grid"] = actor.home_area
    elif grid is not None and (
        grid.level != AreaLevel.GRID or not grid.path.startswith(report.unit.area.path)
    ):
        errors["grid"] = _("Choose a grid in the area of %(unit)s.") % {"unit": report.unit.name}
    elif (
        grid is None
        and report.unit.kind == UnitKind.OFFICE
        and (report.unit.area.level == AreaLevel.COMMUNITY)
    ):
        errors["grid"] = _("Name the grid where it was found.")
    if errors:
        raise ValidationError(errors)
    return fields


def _locked_report(report: ScreeningReport) -> ScreeningReport:
    return (
        ScreeningReport.objects.select_for_update(of=("self",))
        .select_related("unit__area", "period")
        .get(pk=report.pk)
    )


def _already_submitted(report: ScreeningReport) -> ValidationError:
    return ValidationError(
        {"state": _("This report was already submitted on %(date)s: a second submission is refused.")
         % {"date": timezone.localtime(report.submitted_at).date().isoformat()}}
    )  # fmt: skip


@transaction.atomic
def screening_item_add(*, actor: Any, report: ScreeningReport, **fields: Any) -> ScreeningItem:
    """Add a found problem to an open report: the unit's reporters, or a grid worker for their
    own grid in their community's report."""
    if not may_add_items(actor, report):
        require_perm(actor, "disputes.change_screeningreport", report)
    current = _locked_report(report)
    if not current.is_open:
        raise _already_submitted(current)
    fields = _clean_item(actor, current, dict(fields))
    item = ScreeningItem(report=current, added_by=_person(actor), **fields)
    item.full_clean(exclude=["report", "added_by"])
    item.save()
    return item


def _person(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


@transaction.atomic
def screening_report_submit(
    *,
    actor: Any,
    report: ScreeningReport,
    disputes_zero: bool = False,
    security_zero: bool = False,
    items: Sequence[dict[str, Any]] = (),
    note: str = "",
    today: datetime.date | None = None,
) -> ScreeningReport:
    """Submit a report: for each of the two kinds, its items (already added or given here) or
    an explicit zero report (D4), never both and never neither. A period that has not begun is
    refused, so is a second submission. Submitted after the due day, the report is late (D3).
    All or nothing: a refused submission adds none of the items given."""
    require_perm(actor, "disputes.change_screeningreport", report)
    today = today or timezone.localdate()
    current = _locked_report(report)
    if not current.is_open:
        raise _already_submitted(current)
    if current.period.starts_on > today:
        raise ValidationError(
            {"period": _("The period %(period)s has not begun: a future period cannot be submitted.")
             % {"period": str(current.period)}}
        )  # fmt: skip
    errors: dict[str, Any] = {}
    for index, fields in enumerate(items):
        try:
            with transaction.atomic():
                screening_item_add(actor=actor, report=current, **fields)
        except ValidationError as error:
            # One list under "items", each message naming its entry and field.
            errors.setdefault("items", []).extend(
                _("Entry %(number)d, %(field)s: %(message)s")
                % {"number": index + 1, "field": name, "message": message}
                for name, messages in error.message_dict.items()
                for message in messages
            )
    if errors:
        raise ValidationError(errors)
    kinds = set(current.items.values_list("kind", flat=True))
    answers = (
        ("disputes_zero", disputes_zero, ScreeningItemKind.DISPUTE in kinds, _("disputes")),
        ("security_zero", security_zero, bool(kinds & SECURITY_KINDS), _("public security")),
    )
    for name, zero, found, label in answers:
        if zero and found:
            errors[name] = _("Items of %(kind)s are listed: this is not a zero report.") % {
                "kind": label
            }
        elif not zero and not found:
            errors[name] = _(
                "List the %(kind)s found, or submit a zero report (零报告) for them."
            ) % {"kind": label}
    if errors:
        raise ValidationError(errors)
    current.state = ScreeningState.SUBMITTED
    current.disputes_zero = disputes_zero
    current.security_zero = security_zero
    current.submitted_at = timezone.now()
    current.submitted_by = _person(actor)
    current.late = today > current.period.due_on
    current.note = (note or "").strip()
    current.save()
    return current


# --- Immediate report of a major problem (随时上报, D5) -------------------------------------

MAJOR = frozenset({Severity.MAJOR, Severity.MASS_INCIDENT})


def _street_and_district(area: Area) -> list[Area]:
    ids = [*area.ancestor_ids, area.pk]
    return list(
        Area.objects.filter(pk__in=ids, level__in=[AreaLevel.DISTRICT, AreaLevel.STREET])
        .defer("boundary")
        .order_by("level")
    )


def immediate_recipients(area: Area) -> list[User]:
    """The street's and the district's offices and their leaders."""
    found: list[User | None] = []
    for above in _street_and_district(area):
        found += office_of(above)
        found += list(
            User.objects.filter(home_area=above, role=Role.LEADER, is_active=True).order_by("pk")
        )
    return _active(found)


@transaction.atomic
def screening_major_report(
    *, actor: Any, unit: Unit, today: datetime.date | None = None, **fields: Any
) -> ScreeningItem:
    """Report a major problem at once (D5): it goes on the unit's report of the current period
    (opened if need be; even a submitted one takes it) and the street's and district's offices
    and leaders are told immediately."""
    today = today or timezone.localdate()
    if fields.get("severity") not in MAJOR:
        raise ValidationError(
            {"severity": _("Only a major problem or a mass incident is reported at once.")}
        )
    cadence = cadence_of(unit) or ScreeningCadence.MONTHLY
    period = period_of(cadence, today)
    report, _created = ScreeningReport.objects.get_or_create(unit=unit, period=period)
    if not may_add_items(actor, report):
        require_perm(actor, "disputes.change_screeningreport", report)
    current = _locked_report(report)
    fields = _clean_item(actor, current, dict(fields))
    item = ScreeningItem(report=current, added_by=_person(actor), immediate=True, **fields)
    item.full_clean(exclude=["report", "added_by"])
    item.save()
    place = item.grid or unit.area
    with translation.override(settings.LANGUAGE_CODE):
        notification_send(
            recipients=immediate_recipients(place),
            kind="screening_immediate",
            title=_("Major problem reported at once by %(unit)s: %(title)s")
            % {"unit": unit.name, "title": item.title},
            body=_("%(kind)s, %(severity)s, %(people)d people involved. Responsible: %(leader)s.")
            % {
                "kind": item.get_kind_display(),
                "severity": item.get_severity_display(),
                "people": item.people_count,
                "leader": item.responsible_leader,
            },
            url=_report_url(current),
            dedupe_key=f"screening_immediate:{item.pk}",
        )
    return item


# --- Hotspots (滚动排查, D6) -----------------------------------------------------------------


@transaction.atomic
def screening_hotspot_flag(*, actor: Any, area: Area, reason: str) -> ScreeningHotspot:
    """Flag an area (a street or a community in the actor's scope) as a hotspot by hand."""
    require_perm(actor, "disputes.add_screeninghotspot")
    errors: dict[str, str] = {}
    if area is None or not in_scope(actor, area):
        errors["area"] = _("Choose an area within your own area.")
    elif area.level not in (AreaLevel.STREET, AreaLevel.COMMUNITY):
        errors["area"] = _("Flag a street or a community.")
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = _("Say why the area screens more often.")
    if errors:
        raise ValidationError(errors)
    hotspot = ScreeningHotspot(area=area, reason=reason, flagged_by=_person(actor))
    require_perm(actor, "disputes.add_screeninghotspot", hotspot)
    if ScreeningHotspot.objects.filter(area=area, lifted_at__isnull=True).exists():
        raise ValidationError({"area": _("This area is already flagged as a hotspot.")})
    hotspot.save()
    return hotspot


@transaction.atomic
def screening_hotspot_lift(*, actor: Any, hotspot: ScreeningHotspot) -> ScreeningHotspot:
    require_perm(actor, "disputes.change_screeninghotspot", hotspot)
    current = ScreeningHotspot.objects.select_for_update().get(pk=hotspot.pk)
    if current.lifted_at is not None:
        raise ValidationError({"lifted_at": _("This flag was already lifted.")})
    current.lifted_at = timezone.now()
    current.lifted_by = _person(actor)
    current.save(update_fields=["lifted_at", "lifted_by"])
    return current


def hotspot_window(today: datetime.date) -> datetime.date:
    """The first day of the last SCREENING_HOTSPOT_PERIODS half-monthly periods (today's
    included)."""
    start, _end = period_bounds(ScreeningCadence.HALF_MONTHLY, today)
    for _step in range(int(settings.SCREENING_HOTSPOT_PERIODS) - 1):
        start, _end = period_bounds(
            ScreeningCadence.HALF_MONTHLY, start - datetime.timedelta(days=1)
        )
    return start


@transaction.atomic
def screening_hotspots_scan(*, today: datetime.date | None = None) -> tuple[int, int]:
    """Flag each community whose screened items in the window reach SCREENING_HOTSPOT_ITEMS
    (an automatic flag), and lift the automatic flags of those that fell below. Items count
    by their grid's community. Returns (flagged, lifted)."""
    today = today or timezone.localdate()
    threshold = int(settings.SCREENING_HOTSPOT_ITEMS)
    counts = dict(
        ScreeningItem.objects.filter(
            grid__isnull=False, report__period__starts_on__gte=hotspot_window(today)
        )
        .values_list("grid__parent_id")
        .annotate(n=Count("pk"))
        .values_list("grid__parent_id", "n")
    )
    hot = {area_id for area_id, n in counts.items() if area_id is not None and n >= threshold}
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("%(count)d or more items screened in the last %(periods)d half-month periods.") % {
            "count": threshold,
            "periods": int(settings.SCREENING_HOTSPOT_PERIODS),
        }  # fmt: skip
    before = ScreeningHotspot.objects.filter(lifted_at__isnull=True).count()
    lifted = (
        ScreeningHotspot.objects.filter(lifted_at__isnull=True, automatic=True)
        .exclude(area_id__in=hot)
        .update(lifted_at=timezone.now())
    )
    ScreeningHotspot.objects.bulk_create(
        [ScreeningHotspot(area_id=pk, automatic=True, reason=reason) for pk in sorted(hot)],
        ignore_conflicts=True,  # the area's active flag, by hand or not, stays the one
    )
    flagged = ScreeningHotspot.objects.filter(lifted_at__isnull=True).count() - before + lifted
    return flagged, lifted
