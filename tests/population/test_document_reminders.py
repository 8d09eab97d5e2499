"""Reminders before a residence permit (P3) or a visa/stay (P10) expires: to the grid's
workers, once per (resident, document, expiry date)."""

import datetime
import itertools

import pytest
from django.test import override_settings
from django.utils import timezone

from governance.models import Notification, Role, User
from population.models import DocumentExpiryReminder, ResidentStatus
from population.services import (
    document_expiry_reminders_send,
    resident_move_out,
    resident_update,
)
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def floating(areas, expires_on, grid="grid_a"):
    return ResidentFactory(
        grid=areas[grid],
        status=ResidentStatus.FLOATING,
        residence_permit_number="33010620240001",
        residence_permit_expires_on=expires_on,
    )


PASSPORTS = itertools.count()


def foreign(areas, expires_on, grid="grid_a"):
    return ResidentFactory(
        grid=areas[grid],
        status=ResidentStatus.FOREIGN,
        # One person, one row: each a passport of their own (masked alike: M1*****78).
        passport_number=f"M1{23456 + next(PASSPORTS):05d}78",
        nationality="KOR",
        stay_expires_on=expires_on,
    )


def notices(user):
    """What one grid worker of the grid was sent (the grid's team has its own worker too)."""
    return Notification.objects.filter(kind="document_expiry", recipient=user)


def test_the_grid_worker_is_reminded_within_the_window_and_of_expired_ones(users, areas):
    """P3 and P10: a reminder before the permit or the visa expires (default 30 days)."""
    due = [floating(areas, days(30)), foreign(areas, days(3)), floating(areas, days(-5))]
    floating(areas, days(31))  # not yet
    foreign(areas, days(40))  # not yet
    assert document_expiry_reminders_send() == 3
    mine = notices(users["grid_worker_a"])
    assert sorted(mine.values_list("url", flat=True)) == sorted(f"/residents/{r.pk}/" for r in due)
    assert not notices(users["grid_worker_b"]).exists()
    titles = set(mine.values_list("title", flat=True))
    # Stored in the portal's language (the special-group reminders' way).
    assert any("已于" in title and "过期" in title for title in titles)
    assert any("签证" in title for title in titles)


@override_settings(DOCUMENT_EXPIRY_REMINDER_DAYS=7)
def test_the_window_is_a_setting(users, areas):
    floating(areas, days(8))
    soon = floating(areas, days(7))
    assert document_expiry_reminders_send() == 1
    assert notices(users["grid_worker_a"]).get().url == f"/residents/{soon.pk}/"


def test_a_document_is_reminded_once_and_again_after_renewal(users, areas):
    resident = floating(areas, days(10))
    assert document_expiry_reminders_send() == 1
    assert document_expiry_reminders_send() == 0
    assert document_expiry_reminders_send(today=days(1)) == 0
    # Renewed for a year: that expiry is reminded when its time comes, not now.
    resident_update(
        actor=users["grid_worker_a"], resident=resident, residence_permit_expires_on=days(375)
    )
    assert document_expiry_reminders_send() == 0
    assert document_expiry_reminders_send(today=days(350)) == 1
    assert notices(users["grid_worker_a"]).count() == 2


def test_no_reminder_for_someone_who_moved_away_or_a_document_renewed_before_sending(users, areas):
    gone = floating(areas, days(5))
    resident_move_out(actor=users["grid_worker_a"], resident=gone, happened_on=TODAY)
    renewed = foreign(areas, days(5))
    document_expiry_reminders_send()  # nothing for the one who left
    assert not DocumentExpiryReminder.objects.filter(resident=gone).exists()
    # A reminder row planned for the old date, then renewed before a run could send it.
    DocumentExpiryReminder.objects.filter(resident=renewed).update(sent_at=None)
    Notification.objects.all().delete()
    resident_update(actor=users["grid_worker_a"], resident=renewed, stay_expires_on=days(300))
    assert document_expiry_reminders_send() == 0
    assert not notices(users["grid_worker_a"]).exists()


def test_a_grid_without_a_worker_is_reminded_once_one_arrives(users, areas):
    grid = areas["grid_other_street"]
    User.objects.filter(home_area=grid, role=Role.GRID_WORKER).update(is_active=False)
    resident = floating(areas, days(5), grid="grid_other_street")
    assert document_expiry_reminders_send() == 0
    users["grid_worker_b"].home_area = grid
    users["grid_worker_b"].save()
    assert document_expiry_reminders_send() == 1
    assert notices(users["grid_worker_b"]).get().url == f"/residents/{resident.pk}/"
