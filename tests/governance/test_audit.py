import pytest
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from axes.models import AccessLog
from django.apps import apps
from django.test import Client
from django.urls import reverse

from governance.models import Notification
from grid.models import Area, GridTeamMember
from tests.conftest import PASSWORD, login
from tests.factories import GridTeamMemberFactory


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


@pytest.fixture
def team_phone_masked():
    """No model holds an identity number yet: register a team member's phone as a masked
    field, as population will register identity numbers, and restore grid/apps.py's
    registration afterwards."""
    auditlog.unregister(GridTeamMember)
    auditlog.register(GridTeamMember, mask_fields=["phone"])
    yield
    auditlog.unregister(GridTeamMember)
    auditlog.register(GridTeamMember)


def test_a_masked_field_is_hidden_entirely_in_the_audit_log(db, team_phone_masked):
    """AUDITLOG_MASK_CALLABLE hides every digit; auditlog's own default keeps half of them."""
    member = GridTeamMemberFactory(phone="13912345678")
    member.phone = "0571-87654321"
    member.save()
    entry = LogEntry.objects.get_for_object(member).get(action=LogEntry.Action.UPDATE)
    assert entry.changes_dict["phone"] == ["*" * 11, "*" * 13]
    created = LogEntry.objects.get_for_object(member).get(action=LogEntry.Action.CREATE)
    assert "13912345678"[-4:] not in str(created.changes_dict)


# Notifications are the system's own record of what it told whom, when it mailed it and
# when it was read (created_at, emailed_at, read_at): an audit row per mark-read adds nothing.
NOT_AUDITED = {Notification: "a notice records its own sending and reading"}
AREA_BOUND_MODELS = [model for model in apps.get_models() if hasattr(model, "scope_path")]


@pytest.mark.parametrize(
    "model",
    [model for model in AREA_BOUND_MODELS if model not in NOT_AUDITED],
    ids=lambda model: model._meta.label_lower,
)
def test_every_area_bound_model_is_registered_with_the_audit_log(model):
    assert auditlog.contains(model), (
        f"{model._meta.label} is bound to an area (scope_path) but django-auditlog does not "
        f"log its changes: add `auditlog.register({model.__name__}, ...)` to the ready() of "
        f"{model._meta.app_label}/apps.py (exclude_fields for secrets, mask_fields for "
        "identity numbers)."
    )


def test_the_models_left_out_of_the_audit_log_are_still_left_out():
    audited = [model._meta.label for model in NOT_AUDITED if auditlog.contains(model)]
    assert not audited, f"{audited} are audited now: remove them from NOT_AUDITED"


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
