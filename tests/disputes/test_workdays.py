"""Working days on the State Council calendar, as chinese-calendar 1.11.0 gives it and the
data migration seeds it. Issue 8 (Deadlines): limits count working days, 调休 make-up days
included; a year with no calendar counts Monday to Friday."""

import datetime
import zoneinfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from disputes.models import CalendarDay, CalendarYear
from disputes.workdays import (
    WorkCalendar,
    add_working_days,
    deadline_after,
    is_working_day,
    working_days_between,
)

D = datetime.date
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def no_2027(db):
    """2027 as nobody has entered it (chinese-calendar 1.11.0 stops at 2026)."""
    CalendarYear.objects.filter(year=2027).delete()


def test_national_day_2026_is_off_and_its_make_up_saturday_and_sunday_are_worked(db):
    assert not is_working_day(D(2026, 10, 1))  # Thursday, 国庆节
    assert not is_working_day(D(2026, 10, 5))  # Monday inside the holiday
    assert not is_working_day(D(2026, 10, 7))
    assert is_working_day(D(2026, 9, 20))  # Sunday, 调休上班
    assert is_working_day(D(2026, 10, 10))  # Saturday, 调休上班
    assert is_working_day(D(2026, 10, 8))


def test_a_limit_starting_before_national_day_skips_the_holiday_and_counts_the_make_up_day(db):
    # Wednesday 30 September: the next working days are Thu 8, Fri 9 and Sat 10 October.
    assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)
    assert add_working_days(D(2026, 9, 30), 4) == D(2026, 10, 12)
    # Friday 18 September: the make-up Sunday 20 is the first working day after it.
    assert add_working_days(D(2026, 9, 18), 1) == D(2026, 9, 20)
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 10)) == 3
    assert working_days_between(D(2026, 10, 10), D(2026, 9, 30)) == -3


def test_spring_festival_2026_with_its_two_make_up_saturdays(db):
    assert not is_working_day(D(2026, 2, 16))  # Monday, 春节
    assert not is_working_day(D(2026, 2, 23))  # Monday, the holiday's last day
    assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)  # Saturday 14, 调休上班
    assert add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 24)
    assert add_working_days(D(2026, 2, 14), 10) == D(2026, 3, 6)
    assert is_working_day(D(2026, 2, 28))  # Saturday, 调休上班
    assert working_days_between(D(2026, 2, 13), D(2026, 2, 28)) == 6  # 14, 24–27, 28


def test_a_weekend_is_skipped_and_a_zero_day_limit_ends_on_the_next_working_day(db):
    assert add_working_days(D(2026, 11, 27), 1) == D(2026, 11, 30)  # Friday → Monday
    assert add_working_days(D(2026, 11, 27), 0) == D(2026, 11, 27)
    assert add_working_days(D(2026, 11, 28), 0) == D(2026, 11, 30)  # Saturday → Monday
    assert add_working_days(D(2026, 10, 1), 0) == D(2026, 10, 8)  # a holiday → reopening
    assert working_days_between(D(2026, 11, 27), D(2026, 11, 27)) == 0
    with pytest.raises(ValueError):
        add_working_days(D(2026, 11, 27), -1)


def test_a_year_without_a_calendar_counts_monday_to_friday(no_2027):
    # 1 January 2027 will be a holiday, but nobody has entered 2027 yet.
    assert is_working_day(D(2027, 1, 1))
    assert not is_working_day(D(2027, 1, 2))
    assert add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 1)
    assert add_working_days(D(2026, 12, 31), 2) == D(2027, 1, 4)
    assert working_days_between(D(2026, 12, 31), D(2027, 1, 8)) == 6


def test_an_entered_day_changes_the_count_at_once(no_2027):
    year = CalendarYear.objects.create(year=2027, source="entered by hand")
    CalendarDay.objects.create(
        calendar_year=year, date=D(2027, 1, 1), is_working_day=False, name="元旦"
    )
    assert add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)


def test_the_deadline_is_the_end_of_the_last_working_day_in_shanghai(db):
    started = datetime.datetime(2026, 9, 30, 23, 30, tzinfo=SHANGHAI)
    due = deadline_after(started, 1)
    assert due == datetime.datetime(2026, 10, 8, 23, 59, 59, 999999, tzinfo=SHANGHAI)
    # 00:30 on Monday in Shanghai is still Sunday in UTC: the local day counts.
    started_utc = datetime.datetime(2026, 11, 29, 16, 30, tzinfo=datetime.UTC)
    assert deadline_after(started_utc, 1).date() == D(2026, 12, 1)
    assert deadline_after(started_utc, 0).date() == D(2026, 11, 30)
    with pytest.raises(ValueError):
        deadline_after(datetime.datetime(2026, 11, 30, 9, 0), 1)


def test_the_batch_calendar_reads_the_calendar_once_for_many_deadlines(
    db, django_assert_num_queries
):
    """A scan over many cases must not query per case."""
    starts = [
        datetime.datetime(2026, 1, 1, 9, tzinfo=SHANGHAI) + datetime.timedelta(hours=7 * n)
        for n in range(1000)
    ]
    with django_assert_num_queries(1):
        calendar = WorkCalendar(D(2026, 1, 1), D(2026, 12, 31))
        dues = [calendar.deadline_after(start, 10) for start in starts]
        spans = [
            calendar.working_days_between(start.date(), due.date())
            for start, due in zip(starts, dues, strict=True)
        ]
    assert dues[0].date() == add_working_days(D(2026, 1, 1), 10)
    assert set(spans) == {10}


def test_a_batch_reaching_a_year_it_did_not_load_loads_it_once_more(db, django_assert_num_queries):
    calendar = WorkCalendar(D(2026, 12, 1))
    with django_assert_num_queries(1):
        assert calendar.is_working_day(D(2025, 10, 8)) is False  # 国庆节 2025
        assert calendar.is_working_day(D(2025, 9, 28)) is True  # Sunday, 调休上班


@pytest.fixture(scope="module")
def reference_calendar(django_db_blocker):
    """The calendar of 2025–2028 as the data migration left it, read once."""
    with django_db_blocker.unblock():
        return WorkCalendar(D(2025, 1, 1), D(2028, 12, 31))


@settings(max_examples=200, deadline=None)
@given(start=st.dates(D(2025, 1, 1), D(2027, 10, 31)), days=st.integers(0, 40))
def test_the_counts_agree_with_walking_day_by_day(reference_calendar, start, days):
    calendar = reference_calendar
    due = calendar.add_working_days(start, days)
    walked = []
    day = start
    while len(walked) < days:
        day += datetime.timedelta(days=1)
        if calendar.is_working_day(day):
            walked.append(day)
    if days:
        assert due == walked[-1]
        assert calendar.working_days_between(start, due) == days
    else:
        assert calendar.is_working_day(due) and due >= start
        gap = (due - start).days
        assert not any(
            calendar.is_working_day(start + datetime.timedelta(days=i)) for i in range(gap)
        )
