"""Working days on the State Council holiday calendar (节假日 and 调休 make-up working days).

A day is a working day when the calendar lists it as one (a weekend make-up day), or it is a
Monday to Friday the calendar does not list as a holiday. A year nobody has entered therefore
counts Monday to Friday (administrators are warned: selectors.calendar_years_missing).

Counting rule, the one every deadline uses: a limit of N working days starts the day after
the start date and ends at the end of the N-th working day after it. So a case registered on
a Friday with 1 day to accept must be accepted by the end of Monday, whatever hour it came
in. A limit of 0 days ends at the end of the start day if that is a working day, else at the
end of the next working day (work that arrives on a holiday is due when the office reopens).

`WorkCalendar` reads the calendar a year at a time, one query for all the years a batch
needs; the module functions are for single calls (one query each).
"""

import datetime
from collections.abc import Iterable

from django.utils import timezone

from disputes.models import CalendarDay

ONE_DAY = datetime.timedelta(days=1)


def _weekdays_between(a: datetime.date, b: datetime.date) -> int:
    """Mondays to Fridays d with a < d <= b (a <= b)."""
    total = (b - a).days
    weeks, rest = divmod(total, 7)
    count = weeks * 5
    day = a + datetime.timedelta(days=weeks * 7)
    for _ in range(rest):
        day += ONE_DAY
        if day.weekday() < 5:
            count += 1
    return count


class WorkCalendar:
    """The calendar's exceptions held in memory, for batch work: a scan over many cases loads
    the years it needs once (`WorkCalendar(first, last)`: one query), then answers without
    the database. A date in a year not loaded yet costs one more query for that year."""

    def __init__(self, first: datetime.date, last: datetime.date | None = None) -> None:
        self._years: set[int] = set()
        self._exceptions: dict[datetime.date, bool] = {}
        self._load(range(first.year, (last or first).year + 1))

    def _load(self, years: Iterable[int]) -> None:
        wanted = sorted(set(years) - self._years)
        if not wanted:
            return
        days = CalendarDay.objects.filter(
            date__gte=datetime.date(wanted[0], 1, 1), date__lte=datetime.date(wanted[-1], 12, 31)
        ).values_list("date", "is_working_day")
        for day, working in days:
            self._exceptions[day] = working
        self._years.update(range(wanted[0], wanted[-1] + 1))

    def is_working_day(self, day: datetime.date) -> bool:
        if day.year not in self._years:
            self._load([day.year])
        default = day.weekday() < 5
        return self._exceptions.get(day, default)

    def add_working_days(self, start: datetime.date, days: int) -> datetime.date:
        """The day on which a limit of `days` working days from `start` ends (module doc)."""
        if days < 0:
            raise ValueError("a time limit is zero working days or more")
        day = start
        if days == 0:
            while not self.is_working_day(day):
                day += ONE_DAY
            return day
        # Load the years the limit may reach in one go (holidays add at most a few weeks).
        self._load(range(start.year, (start + datetime.timedelta(days=days * 2 + 30)).year + 1))
        remaining = days
        while remaining:
            day += ONE_DAY
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, a: datetime.date, b: datetime.date) -> int:
        """Working days d with a < d <= b; negative (the same count, reversed) when b < a.
        `working_days_between(a, add_working_days(a, n)) == n` for n >= 1."""
        if b < a:
            return -self.working_days_between(b, a)
        self._load(range(a.year, b.year + 1))
        count = _weekdays_between(a, b)
        for day, working in self._exceptions.items():
            if a < day <= b:
                count += int(working) - int(day.weekday() < 5)
        return count

    def deadline_after(self, started_at: datetime.datetime, days: int) -> datetime.datetime:
        """The moment a limit of `days` working days from `started_at` ends: the end of its
        last working day (23:59:59.999999) in the portal's time zone (TIME_ZONE)."""
        if timezone.is_naive(started_at):
            raise ValueError("started_at must be an aware datetime")
        zone = timezone.get_default_timezone()
        start = timezone.localtime(started_at, zone).date()
        last = self.add_working_days(start, days)
        return datetime.datetime.combine(last, datetime.time.max, tzinfo=zone)


def is_working_day(day: datetime.date) -> bool:
    return WorkCalendar(day).is_working_day(day)


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    return WorkCalendar(start).add_working_days(start, days)


def working_days_between(a: datetime.date, b: datetime.date) -> int:
    return WorkCalendar(min(a, b), max(a, b)).working_days_between(a, b)


def deadline_after(started_at: datetime.datetime, days: int) -> datetime.datetime:
    return WorkCalendar(timezone.localtime(started_at).date()).deadline_after(started_at, days)
