from auditlog.models import LogEntry
from axes.models import AccessLog
from django.test import Client
from django.urls import reverse

from governance.audit import mask_entirely
from grid.models import Area
from tests.conftest import PASSWORD, login


def test_an_area_change_through_the_api_is_logged_with_its_actor(client, users, areas):
    login(client, users["admin"])
    grid = areas["grid_a"]
    client.patch(f"/api/v1/areas/{grid.pk}/", {"name": "审计网格"}, content_type="application/json")
    entry = (
        LogEntry.objects.get_for_object(Area.objects.get(pk=grid.pk))
        .filter(action=LogEntry.Action.UPDATE)
        .latest("timestamp")
    )
    assert entry.actor == users["admin"]
    assert entry.changes_dict["name"][1] == "审计网格"


def test_passwords_and_token_hashes_never_reach_the_audit_log(users, street_token):
    logged = {entry.content_type.model for entry in LogEntry.objects.all()}
    assert {"user", "apitoken"} <= logged  # the loop below has something to look at
    for entry in LogEntry.objects.all():
        assert "password" not in entry.changes_dict
        assert "secret_hash" not in entry.changes_dict


def test_sign_in_and_sign_out_are_recorded(users):
    client = Client()
    client.post(reverse("login"), {"username": "t_office_a", "password": PASSWORD})
    client.post(reverse("logout"))
    record = AccessLog.objects.get(username="t_office_a")
    assert record.attempt_time and record.logout_time


def test_identity_numbers_are_masked_entirely_in_the_audit_log():
    assert mask_entirely("330106199001011234") == "*" * 18


def test_a_move_logs_every_area_it_carries(users, areas):
    from grid.services import area_update

    community, street_b = areas["community_b"], areas["street_b"]
    Area.objects.filter(path__startswith=community.path).update(boundary=None)
    community.refresh_from_db()
    grids = list(community.children.all())
    area_update(actor=users["admin"], area=community, parent=street_b, code=street_b.code + "009")
    for grid in grids:
        entry = LogEntry.objects.get_for_object(grid).latest("timestamp")
        assert entry.changes_dict["code"] == [grid.code, street_b.code + "009" + grid.code[-3:]]
        assert entry.changes_dict["path"][0] == grid.path


def test_expired_sessions_are_cleared_by_the_daily_task(users):
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from governance.tasks import clear_expired_sessions

    client = Client()
    client.post(reverse("login"), {"username": "t_office_a", "password": PASSWORD})
    Session.objects.update(expire_date=timezone.now() - timedelta(minutes=1))
    clear_expired_sessions()
    assert not Session.objects.exists()
