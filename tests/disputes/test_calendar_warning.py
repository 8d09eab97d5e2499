"""A year without a holiday calendar counts Monday to Friday, and administrators are warned
until somebody enters it (issue 8, Deadlines): on the admin pages, and once each by a
notification from the daily task."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse

from disputes.models import CalendarYear
from disputes.selectors import calendar_years_missing
from disputes.tasks import warn_missing_calendar_years
from disputes.workdays import add_working_days
from governance.celery import app
from governance.models import Notification, User
from tests.conftest import login

D = datetime.date
WARNING = "The holiday calendar of 2027 has not been entered"


@pytest.fixture
def december_2026(db, monkeypatch):
    """1 December 2026, with 2027 not entered (chinese-calendar 1.11.0 stops at 2026)."""
    CalendarYear.objects.filter(year=2027).delete()
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: D(2026, 12, 1))


def test_next_year_is_missing_from_december_and_this_year_always(db):
    CalendarYear.objects.filter(year=2027).delete()
    assert calendar_years_missing(D(2026, 11, 30)) == []
    assert calendar_years_missing(D(2026, 12, 1)) == [2027]
    assert calendar_years_missing(D(2027, 3, 1)) == [2027]
    CalendarYear.objects.create(year=2027, source="entered by hand")
    assert calendar_years_missing(D(2026, 12, 1)) == []
    assert calendar_years_missing(D(2027, 12, 1)) == [2028]


def test_administrators_see_the_warning_on_the_admin_index_and_the_calendar(
    client, users, december_2026
):
    login(client, users["street_admin"])
    for url in (
        reverse("admin:index"),
        reverse("admin:disputes_calendaryear_changelist"),
        reverse("admin:disputes_calendarday_changelist"),
    ):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert WARNING in page, url
    assert (
        WARNING
        not in client.get(
            reverse("admin:disputes_disputecategory_changelist"), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    )
    CalendarYear.objects.create(year=2027, source="entered by hand")
    assert WARNING not in client.get(reverse("admin:index")).content.decode()


def test_the_warning_is_in_chinese_for_a_chinese_browser(client, users, december_2026):
    login(client, users["admin"])
    page = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "2027 年的节假日安排尚未录入" in page


def test_the_daily_task_notifies_each_administrator_once_per_missing_year(users, december_2026):
    administrators = set(User.objects.administrators())
    assert {users["admin"], users["street_admin"], users["superuser"]} <= administrators
    assert warn_missing_calendar_years() == len(administrators)
    assert warn_missing_calendar_years() == 0  # run twice: nothing new
    notices = Notification.objects.filter(kind="calendar_year_missing")
    assert sorted(n.recipient_id for n in notices) == sorted(u.pk for u in administrators)
    assert {n.dedupe_key for n in notices} == {"calendar_year_missing:2027"}
    assert notices[0].url == reverse("admin:disputes_calendaryear_changelist")
    assert "2027" in notices[0].title
    assert not notices.filter(recipient__in=[users["street_office"], users["leader"]]).exists()


def test_the_task_tells_nobody_once_the_year_is_entered(users, december_2026):
    CalendarYear.objects.create(year=2027, source="entered by hand")
    assert warn_missing_calendar_years() == 0
    assert not Notification.objects.filter(kind="calendar_year_missing").exists()


def test_beat_runs_the_task_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["calendar-years-missing-daily"]
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks


def test_an_administrator_enters_next_year_by_hand_and_the_warning_goes(
    client, users, december_2026
):
    login(client, users["admin"])
    url = reverse("admin:disputes_calendaryear_add")
    form = {
        "year": "2027",
        "source": "entered by hand",
        "note": "国办发明电〔2026〕",
        "days-TOTAL_FORMS": "2",
        "days-INITIAL_FORMS": "0",
        "days-0-date": "2027-01-01",
        "days-0-name": "元旦",
        "days-1-date": "2026-12-31",
        "days-1-name": "元旦",
    }
    refused = client.post(url, form, HTTP_ACCEPT_LANGUAGE="en")
    assert "This date is not in 2027." in refused.content.decode()
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 1)  # Monday to Friday
    response = client.post(url, {**form, "days-TOTAL_FORMS": "1"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    assert calendar_years_missing() == []
    assert WARNING not in client.get(reverse("admin:index")).content.decode()
    assert warn_missing_calendar_years() == 0
