"""The drives' checklist and progress, and the care timeline, cost the same number of
queries for one subject as for many (P8, P16, P23)."""

from django.utils import timezone

from population.care_services import special_group_care_add
from population.drive_selectors import drive_progress
from population.drive_services import drive_check_record, drive_checklist_build
from population.models import ResidentStatus
from tests.conftest import login
from tests.factories import ResidentFactory
from tests.population.factories import (
    ResidentDriveFactory,
    SpecialGroupCareFactory,
    SpecialGroupRecordFactory,
)
from tests.test_query_counts import count_queries

TODAY = timezone.localdate()


def floating(grid, n: int = 1) -> None:
    for _ in range(n):
        ResidentFactory(grid=grid, status=ResidentStatus.FLOATING)


def test_the_checklist_and_progress_cost_the_same_for_one_subject_as_for_many(
    client, users, areas, django_assert_max_num_queries
):
    floating(areas["grid_a"])
    floating(areas["grid_b"])
    drive = ResidentDriveFactory(area=areas["street_a"])
    login(client, users["grid_worker_a"])
    urls = (f"/drives/{drive.pk}/", "/api/v1/drive-checks/", f"/api/v1/resident-drives/{drive.pk}/")
    [count_queries(client, url) for url in urls]  # warm the caches
    one = [count_queries(client, url) for url in urls]
    floating(areas["grid_a"], 6)
    floating(areas["grid_b"], 3)
    assert drive_checklist_build(actor=users["street_office"], drive=drive) == 9
    for check in drive.checks.filter(grid=areas["grid_a"])[:3]:
        drive_check_record(actor=users["grid_worker_a"], check=check, outcome="confirmed")
    assert [count_queries(client, url) for url in urls] == one
    client.logout()
    login(client, users["street_office"])
    office = count_queries(client, f"/drives/{drive.pk}/?grid={areas['grid_b'].pk}")
    floating(areas["grid_other_street"], 2)
    floating(areas["grid_b"], 2)
    drive_checklist_build(actor=users["street_office"], drive=drive)
    assert count_queries(client, f"/drives/{drive.pk}/?grid={areas['grid_b'].pk}") == office
    with django_assert_max_num_queries(1):
        drive_progress(user=users["street_office"], drive=drive)


def test_the_care_timeline_costs_the_same_for_one_record_as_for_many(client, users, areas):
    record = SpecialGroupRecordFactory(resident=ResidentFactory(grid=areas["grid_a"]))
    office = users["street_office"]
    special_group_care_add(actor=office, record=record, kind="care", given_on=TODAY)
    login(client, users["street_office"])
    urls = (f"/special-groups/{record.pk}/", "/api/v1/special-group-care/")
    [count_queries(client, url) for url in urls]  # warm the caches (content types)
    one = [count_queries(client, url) for url in urls]
    for kind in ("screening", "counselling", "education"):
        special_group_care_add(actor=users["admin"], record=record, kind=kind, given_on=TODAY)
    SpecialGroupCareFactory(record=record)
    assert [count_queries(client, url) for url in urls] == one
