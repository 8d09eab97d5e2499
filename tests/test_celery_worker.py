"""The nightly integrity task, run by a real Celery worker over Redis."""

import os
from datetime import date

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from governance.celery import app
from governance.models import Notification, Role
from grid.models import Area
from grid.tasks import check_area_tree
from tests.factories import UserFactory


@pytest.fixture
def worker(transactional_db, settings):
    assert app.conf.broker_url.startswith("redis://"), "the worker test needs REDIS_URL"
    saved = {
        key: app.conf[key]
        for key in (
            "task_always_eager",
            "task_ignore_result",
            "result_backend",
            "task_default_queue",
        )
    }
    # A queue of this run's own: two runs side by side must not take each other's tasks.
    # Results are ignored in production; here the test reads them back through Redis.
    app.conf.update(
        task_always_eager=False,
        task_ignore_result=False,
        result_backend=settings.REDIS_URL,
        task_default_queue=f"test-{os.getpid()}",
    )
    with start_worker(
        app,
        perform_ping_check=False,
        pool="solo",
        loglevel="WARNING",
        queues=[app.conf.task_default_queue],
    ):
        yield
    app.conf.update(saved)


@pytest.mark.celery
def test_the_worker_finds_a_broken_tree_and_notifies_administrators_once(
    worker, users, areas, monkeypatch
):
    # Both runs below count as "the same day" even if the test straddles midnight.
    monkeypatch.setattr(timezone, "localdate", lambda: date(2026, 12, 1))
    grid = areas["grid_a"]
    UserFactory(username="t_admin_b", role=Role.ADMIN, home_area=areas["street_b"])
    # Break the tree behind the services' back, as a bad import or a hand edit would.
    Area.objects.filter(pk=grid.pk).update(path="/999/", boundary=None)

    result = check_area_tree.apply_async(ignore_result=False)
    problems = result.get(timeout=30)
    assert problems >= 2
    notices = Notification.objects.filter(kind="area_tree_check")
    recipients = set(notices.values_list("recipient__username", flat=True))
    assert {"t_admin", "t_admin_a", "t_root"} <= recipients
    # Leaders and staff are not told; nor is the administrator of the other street.
    assert not recipients & {"t_leader", "t_office_a", "t_gw_a", "t_admin_b"}
    body = notices.first().body
    # Written in the portal's language (Chinese), whatever the worker has active.
    assert grid.code in body and "路径" in body and "网格没有边界" in body

    # A second run the same day (beat fired twice, or a redelivery) adds no notice.
    before = notices.count()
    assert check_area_tree.apply_async(ignore_result=False).get(timeout=30) == problems
    assert Notification.objects.filter(kind="area_tree_check").count() == before


@pytest.mark.celery
def test_a_sound_tree_raises_no_notice(worker, district):
    assert check_area_tree.apply_async(ignore_result=False).get(timeout=30) == 0
    assert not Notification.objects.exists()
