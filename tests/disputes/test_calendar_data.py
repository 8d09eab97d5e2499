"""The calendar the data migration seeds from chinese-calendar, its import, and the rules an
entered day follows."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from disputes.calendar_services import calendar_year_import
from disputes.defaults import reference_data_ensure
from disputes.models import CalendarDay, CalendarYear
from disputes.workdays import add_working_days
from tests.conftest import login

D = datetime.date


def real_model(name):
    from django.apps import apps

    return apps.get_model("disputes", name)


def test_the_migration_seeds_every_year_the_package_covers_with_its_exceptions_only(db):
    years = CalendarYear.objects.order_by("year")
    assert list(years.values_list("year", flat=True)) == list(range(2004, 2027))
    assert {year.source for year in years} == {"chinese-calendar 1.11.0"}
    autumn = CalendarDay.objects.filter(date__range=(D(2026, 9, 1), D(2026, 10, 31)))
    assert [(d.date, d.is_working_day, d.name) for d in autumn] == [
        (D(2026, 9, 20), True, "国庆节调休上班"),
        (D(2026, 9, 25), False, "中秋"),
        (D(2026, 10, 1), False, "国庆节"),
        (D(2026, 10, 2), False, "国庆节"),
        (D(2026, 10, 5), False, "国庆节"),
        (D(2026, 10, 6), False, "国庆节"),
        (D(2026, 10, 7), False, "国庆节"),
        (D(2026, 10, 10), True, "国庆节调休上班"),
    ]
    # Weekend days inside a holiday are days off anyway: not stored.
    for day in CalendarDay.objects.all():
        assert day.is_working_day == (day.date.weekday() >= 5)


def test_seeding_again_changes_nothing_and_keeps_an_edited_year(db):
    day = CalendarDay.objects.get(date=D(2026, 10, 1))
    day.name = "国庆节(改)"
    day.save()
    CalendarDay.objects.filter(date=D(2026, 10, 7)).delete()
    count = CalendarDay.objects.count()
    reference_data_ensure(real_model)
    reference_data_ensure(real_model)
    assert CalendarDay.objects.count() == count
    assert CalendarDay.objects.get(date=D(2026, 10, 1)).name == "国庆节(改)"


def test_a_year_the_package_does_not_cover_cannot_be_imported(db, users):
    CalendarYear.objects.filter(year=2027).delete()
    with pytest.raises(ValidationError, match="covers 2004 to 2026 only"):
        calendar_year_import(actor=users["admin"], year=2027)
    with pytest.raises(CommandError, match="covers 2004 to 2026 only"):
        call_command("calendar_import", "2027")
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_an_entered_year_is_reimported_only_when_asked_and_only_by_an_administrator(db, users):
    CalendarDay.objects.filter(date=D(2026, 10, 7)).delete()
    with pytest.raises(ValidationError, match="2026 has been entered already"):
        calendar_year_import(actor=users["admin"], year=2026)
    with pytest.raises(PermissionDenied):
        calendar_year_import(actor=users["street_office"], year=2026, replace=True)
    assert not CalendarDay.objects.filter(date=D(2026, 10, 7)).exists()
    out = io.StringIO()
    call_command("calendar_import", "2026", "--replace", stdout=out)
    assert "2026: 25 days entered from chinese-calendar 1.11.0" in out.getvalue()
    assert CalendarDay.objects.filter(date=D(2026, 10, 7), is_working_day=False).exists()


def test_an_administrator_enters_a_day_in_the_admin_and_the_deadlines_follow(client, users):
    assert add_working_days(D(2026, 11, 27), 1) == D(2026, 11, 30)
    login(client, users["admin"])
    url = reverse("admin:disputes_calendarday_add")
    year = CalendarYear.objects.get(year=2026)
    form = {"calendar_year": year.pk, "is_working_day": "", "name": "临时放假"}
    refused = client.post(url, {**form, "date": "2026-11-28"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "A Saturday or Sunday is a day off anyway" in refused.content.decode()
    refused = client.post(url, {**form, "date": "2025-11-30"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "This date is not in 2026." in refused.content.decode()
    refused = client.post(url, {**form, "date": "2026-10-01"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "already exists" in refused.content.decode()
    assert not CalendarDay.objects.filter(name="临时放假").exists()
    response = client.post(url, {**form, "date": "2026-11-30"})
    assert response.status_code == 302
    assert add_working_days(D(2026, 11, 27), 1) == D(2026, 12, 1)


def test_a_weekday_cannot_be_entered_as_a_make_up_working_day(db):
    year = CalendarYear.objects.get(year=2026)
    day = CalendarDay(calendar_year=year, date=D(2026, 11, 30), is_working_day=True, name="x")
    with pytest.raises(ValidationError, match="A weekday is a working day anyway"):
        day.full_clean()


def test_other_staff_may_read_the_calendar_but_not_change_it(db, users):
    day = CalendarDay.objects.first()
    for key in ("street_office", "leader", "grid_worker_a"):
        assert users[key].has_perm("disputes.view_calendarday", day)
        assert not users[key].has_perm("disputes.change_calendarday", day)
        assert not users[key].has_perm("disputes.add_calendaryear")
    assert users["admin"].has_perm("disputes.change_calendarday", day)
    assert users["street_admin"].has_perm("disputes.add_calendaryear")


def test_the_admin_action_imports_covered_years_again_and_keeps_a_hand_entered_one(client, users):
    CalendarDay.objects.filter(date=D(2026, 10, 7)).delete()
    CalendarYear.objects.filter(year=2027).delete()
    by_hand = CalendarYear.objects.create(year=2027, source="entered by hand")
    CalendarDay.objects.create(
        calendar_year=by_hand, date=D(2027, 1, 1), is_working_day=False, name="元旦"
    )
    login(client, users["admin"])
    response = client.post(
        reverse("admin:disputes_calendaryear_changelist"),
        {
            "action": "reimport",
            "_selected_action": [CalendarYear.objects.get(year=2026).pk, by_hand.pk],
        },
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    page = response.content.decode()
    assert "2026 imported again." in page
    assert "covers 2004 to 2026 only" in page
    assert CalendarDay.objects.filter(date=D(2026, 10, 7), is_working_day=False).exists()
    assert CalendarYear.objects.get(year=2027).days.get().name == "元旦"
