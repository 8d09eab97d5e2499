import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from population import services
from population.models import Visit, VisitPurpose
from population.services import visit_correct, visit_log
from tests.factories import ResidentFactory
from tests.population.factories import VisitFactory


def messages_of(error: ValidationError, field: str) -> str:
    return " ".join(error.message_dict[field])


def point_in(grid) -> dict:
    point = grid.geometry.representative_point()
    return {"latitude": point.y, "longitude": point.x}


def test_a_visit_to_a_resident_is_logged_by_its_worker_in_the_residents_grid(users, areas):
    """P26: the visit log (走访基层群众); P25: the worker's diary (民情日记)."""
    resident = ResidentFactory(grid=areas["grid_a"], name="王建国")
    visit = visit_log(
        actor=users["grid_worker_a"],
        resident=resident,
        purpose=VisitPurpose.ROUTINE,
        notes=" 入户走访 ",
        findings="无异常",
    )
    visit.refresh_from_db()
    assert (visit.grid, visit.worker, visit.resident) == (
        areas["grid_a"],
        users["grid_worker_a"],
        resident,
    )
    assert visit.subject == "王建国" and visit.notes == "入户走访"
    assert abs(visit.visited_at - timezone.now()) < datetime.timedelta(seconds=5)
    assert not visit.has_point and visit.located_grid is None and not visit.outside_grid


def test_a_grid_worker_without_a_resident_logs_in_their_own_grid(users, areas):
    visit = visit_log(actor=users["grid_worker_b"], subject="3幢出租屋")
    assert visit.grid == areas["grid_b"]


def test_office_staff_without_a_resident_must_name_the_grid(users, areas):
    with pytest.raises(ValidationError) as error:
        visit_log(actor=users["street_office"], subject="某商铺")
    assert "grid" in error.value.message_dict
    assert not Visit.objects.exists()


def test_a_point_inside_the_visits_grid_is_placed_there_unflagged(users, areas):
    visit = visit_log(
        actor=users["grid_worker_a"],
        subject="住户",
        location_accuracy=8,
        **point_in(areas["grid_a"]),
    )
    visit.refresh_from_db()
    assert visit.located_grid == areas["grid_a"] and not visit.outside_grid
    assert visit.location_accuracy == 8


def test_a_point_in_another_grid_is_kept_and_flagged(users, areas):
    where = point_in(areas["grid_other_street"])
    visit = visit_log(actor=users["grid_worker_a"], subject="住户", **where)
    visit.refresh_from_db()
    assert (visit.latitude, visit.longitude) == (where["latitude"], where["longitude"])
    assert visit.grid == areas["grid_a"]
    assert visit.located_grid == areas["grid_other_street"] and visit.outside_grid


def test_a_point_outside_every_grid_is_kept_and_flagged(users, areas):
    visit = visit_log(actor=users["grid_worker_a"], subject="住户", latitude=10.0, longitude=10.0)
    visit.refresh_from_db()
    assert visit.located_grid is None and visit.outside_grid
    assert (visit.latitude, visit.longitude) == (10.0, 10.0)


@pytest.mark.parametrize("given, missing", [("latitude", "longitude"), ("longitude", "latitude")])
def test_half_a_point_is_refused_naming_the_missing_coordinate(users, areas, given, missing):
    with pytest.raises(ValidationError) as error:
        visit_log(actor=users["grid_worker_a"], subject="住户", **{given: 30.0})
    assert "both" in messages_of(error.value, missing)
    assert not Visit.objects.exists()


@pytest.mark.parametrize(
    "field, value", [("latitude", 91.0), ("longitude", -180.5), ("location_accuracy", -1.0)]
)
def test_a_coordinate_out_of_range_is_refused_naming_it(users, areas, field, value):
    where = {"latitude": 30.0, "longitude": 120.0, field: value}
    with pytest.raises(ValidationError) as error:
        visit_log(actor=users["grid_worker_a"], subject="住户", **where)
    assert field in error.value.message_dict
    assert not Visit.objects.exists()


def test_a_visit_says_whom_it_was_to(users, areas):
    with pytest.raises(ValidationError) as error:
        visit_log(actor=users["grid_worker_a"], subject="   ")
    assert "whom" in messages_of(error.value, "subject")


def test_a_resident_of_another_grid_than_the_visits_is_refused(users, areas):
    resident = ResidentFactory(grid=areas["grid_b"])
    with pytest.raises(ValidationError) as error:
        visit_log(actor=users["street_office"], grid=areas["grid_a"], resident=resident)
    assert "another grid" in messages_of(error.value, "resident")
    assert not Visit.objects.exists()


def test_a_resident_outside_the_workers_scope_is_refused(users, areas):
    resident = ResidentFactory(grid=areas["grid_b"])
    with pytest.raises(ValidationError) as error:
        visit_log(actor=users["grid_worker_a"], resident=resident)
    assert "your own area" in messages_of(error.value, "resident")


def test_a_grid_outside_scope_or_above_a_grid_is_refused(users, areas):
    with pytest.raises(ValidationError) as error:
        visit_log(actor=users["grid_worker_a"], grid=areas["grid_b"], subject="住户")
    assert "your own area" in messages_of(error.value, "grid")
    with pytest.raises(ValidationError) as error:
        visit_log(actor=users["street_office"], grid=areas["community_a"], subject="住户")
    assert "not to a larger area" in messages_of(error.value, "grid")


def test_a_future_time_is_refused(users, areas):
    later = timezone.now() + datetime.timedelta(hours=1)
    with pytest.raises(ValidationError) as error:
        visit_log(actor=users["grid_worker_a"], subject="住户", visited_at=later)
    assert "future" in messages_of(error.value, "visited_at")


def test_an_unknown_purpose_is_refused(users, areas):
    with pytest.raises(ValidationError) as error:
        visit_log(actor=users["grid_worker_a"], subject="住户", purpose="gossip")
    assert "purpose" in error.value.message_dict


def test_leaders_read_visits_but_do_not_log_them(users, areas):
    with pytest.raises(PermissionDenied):
        visit_log(actor=users["street_leader"], grid=areas["grid_a"], subject="住户")
    assert not Visit.objects.exists()


def logged_days_ago(visit: Visit, days: int) -> None:
    Visit.objects.filter(pk=visit.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=days)
    )


def test_the_worker_corrects_their_visit_at_any_time(users, areas):
    visit = VisitFactory(grid=areas["grid_a"], worker=users["grid_worker_a"])
    logged_days_ago(visit, 30)
    corrected = visit_correct(
        actor=users["grid_worker_a"], visit=visit, findings="补记：需再次回访"
    )
    assert corrected.findings == "补记：需再次回访"


def test_others_correct_a_visit_only_on_the_day_it_was_logged(users, areas):
    visit = VisitFactory(grid=areas["grid_a"], worker=users["grid_worker_a"])
    visit_correct(actor=users["street_office"], visit=visit, notes="当天补充")
    logged_days_ago(visit, 2)
    with pytest.raises(PermissionDenied):
        visit_correct(actor=users["street_office"], visit=visit, notes="事后改动")
    visit.refresh_from_db()
    assert visit.notes == "当天补充"


def test_a_correction_keeps_where_and_by_whom(users, areas):
    visit = VisitFactory(grid=areas["grid_a"], worker=users["grid_worker_a"])
    for field, value in (("grid", areas["grid_b"]), ("latitude", 1.0), ("worker", users["admin"])):
        with pytest.raises(ValueError, match=field):
            visit_correct(actor=users["grid_worker_a"], visit=visit, **{field: value})


def test_a_correction_is_validated_like_a_log(users, areas):
    visit = VisitFactory(grid=areas["grid_a"], worker=users["grid_worker_a"], subject="住户")
    with pytest.raises(ValidationError) as error:
        visit_correct(actor=users["grid_worker_a"], visit=visit, subject="")
    assert "subject" in error.value.message_dict
    visit.refresh_from_db()
    assert visit.subject == "住户"


def test_only_administrators_may_delete_a_visit(users, areas):
    visit = VisitFactory(grid=areas["grid_a"], worker=users["grid_worker_a"])
    assert not users["grid_worker_a"].has_perm("population.delete_visit", visit)
    assert not users["street_office"].has_perm("population.delete_visit", visit)
    assert users["street_admin"].has_perm("population.delete_visit", visit)


@pytest.fixture
def followups(monkeypatch) -> list:
    recorded: list = []
    monkeypatch.setattr(
        services,
        "special_group_followup_recorded",
        lambda *, resident, at: recorded.append((resident, at)),
    )
    return recorded


def test_a_special_group_follow_up_is_reported_to_the_special_groups_hook(users, areas, followups):
    resident = ResidentFactory(grid=areas["grid_a"])
    visit_log(actor=users["grid_worker_a"], resident=resident)
    assert followups == []
    visit = visit_log(
        actor=users["grid_worker_a"],
        resident=resident,
        purpose=VisitPurpose.SPECIAL_GROUP_FOLLOWUP,
    )
    assert followups == [(resident, visit.visited_at)]


def test_a_visit_corrected_into_a_follow_up_is_reported_once(users, areas, followups):
    resident = ResidentFactory(grid=areas["grid_a"])
    visit = visit_log(actor=users["grid_worker_a"], resident=resident)
    visit_correct(
        actor=users["grid_worker_a"], visit=visit, purpose=VisitPurpose.SPECIAL_GROUP_FOLLOWUP
    )
    visit_correct(actor=users["grid_worker_a"], visit=visit, notes="补记")
    assert len(followups) == 1 and followups[0][0] == resident
