"""Re-verification drives: the floating-population clean-up (P8 流动人口清理清查专项行动) and
the annual key-youth screening and care (P16 排查帮扶)."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from population.drive_selectors import drive_check_list, drive_progress, resident_drive_list
from population.drive_services import drive_check_record, drive_checklist_build, resident_drive_open
from population.models import (
    DriveCheck,
    DriveKind,
    EventKind,
    Presence,
    ResidentDrive,
    ResidentEvent,
    ResidentStatus,
    SpecialGroupKind,
)
from population.services import resident_move_out, special_group_record_end
from tests.conftest import login
from tests.factories import SYSTEM, ResidentFactory
from tests.population.factories import SpecialGroupRecordFactory

TODAY = timezone.localdate()
FLOATING = ResidentStatus.FLOATING


def client_for(user, cls=APIClient):
    client = cls(HTTP_ACCEPT_LANGUAGE="en")
    login(client, user)
    return client


def open_drive(actor, area, kind=DriveKind.FLOATING_CLEANUP, **dates) -> ResidentDrive:
    return resident_drive_open(
        actor=actor,
        area=area,
        kind=kind,
        title="2026年流动人口清理清查",
        starts_on=dates.get("starts_on", TODAY - datetime.timedelta(days=3)),
        ends_on=dates.get("ends_on", TODAY + datetime.timedelta(days=27)),
    )


def subjects(drive) -> set[int]:
    return set(drive.checks.values_list("resident_id", flat=True))


def youth(grid, code="idle_youth", **more):
    kind = SpecialGroupKind.objects.get(code=code)
    return SpecialGroupRecordFactory(resident=ResidentFactory(grid=grid), kind=kind, **more)


def test_the_clean_up_lists_every_floating_resident_living_in_the_area_under_their_grid(
    users, areas
):
    """P8: the checklist is the floating people present in the drive's area at opening."""
    here = ResidentFactory(grid=areas["grid_a"], status=FLOATING)
    there = ResidentFactory(grid=areas["grid_b"], status=FLOATING)
    ResidentFactory(grid=areas["grid_a"])  # registered: not a subject
    gone = ResidentFactory(grid=areas["grid_a"], status=FLOATING)
    resident_move_out(actor=SYSTEM, resident=gone, happened_on=TODAY)
    ResidentFactory(grid=areas["grid_other_street"], status=FLOATING)  # another street
    drive = open_drive(users["street_office"], areas["street_a"])
    assert subjects(drive) == {here.pk, there.pk}
    assert drive.checks.get(resident=there).grid == areas["grid_b"]
    assert not drive.checks.exclude(outcome="").exists()


def test_running_the_opener_again_creates_nothing_new(users, areas):
    """P8: one check per subject (unique), however often the checklist is built."""
    ResidentFactory(grid=areas["grid_a"], status=FLOATING)
    drive = open_drive(users["street_office"], areas["community_a"])
    assert drive_checklist_build(actor=users["street_office"], drive=drive) == 0
    assert drive.checks.count() == 1
    late = ResidentFactory(grid=areas["grid_b"], status=FLOATING)
    assert drive_checklist_build(actor=users["street_office"], drive=drive) == 1
    assert subjects(drive) >= {late.pk} and drive.checks.count() == 2


def test_the_key_youth_drive_lists_open_records_of_the_kind_and_its_sub_kinds(users, areas):
    """P16: the annual 排查帮扶 of key youth (four sub-kinds and the kind itself)."""
    idle = youth(areas["grid_a"])
    left_behind = youth(areas["grid_b"], "left_behind_children")
    parent_kind = youth(areas["grid_a"], "key_youth")
    ended = youth(areas["grid_a"], "street_children")
    special_group_record_end(actor=SYSTEM, record=ended, until=TODAY)
    youth(areas["grid_a"], "drug_user")  # another group
    youth(areas["grid_other_street"])  # another street
    drive = open_drive(users["street_office"], areas["street_a"], DriveKind.KEY_YOUTH_CARE)
    assert subjects(drive) == {idle.resident_id, left_behind.resident_id, parent_kind.resident_id}


@pytest.mark.parametrize(
    ("area", "fields", "field"),
    [
        ("grid_a", {}, "area"),
        ("street_b", {}, "area"),  # outside the street office's area
        ("street_a", {"ends_on": TODAY - datetime.timedelta(days=3)}, "ends_on"),
        ("street_a", {"ends_on": TODAY + datetime.timedelta(days=400)}, "ends_on"),
    ],
)
def test_a_drive_over_a_grid_or_elsewhere_or_ending_before_it_starts_is_refused(
    users, areas, area, fields, field
):
    with pytest.raises(ValidationError) as error:
        open_drive(users["street_office"], areas[area], **fields)
    assert field in error.value.message_dict
    assert not ResidentDrive.objects.exists() and not DriveCheck.objects.exists()


def test_grid_workers_and_leaders_do_not_open_drives(users, areas):
    for who in ("grid_worker_a", "leader", "api_client"):
        with pytest.raises(PermissionDenied):
            open_drive(users[who], areas["grid_a"].parent)
    assert not ResidentDrive.objects.exists()


def test_moved_away_records_a_move_out_event_dated_the_check(users, areas):
    """P8: a stale record is closed through the resident-event service (迁出)."""
    person = ResidentFactory(grid=areas["grid_a"], status=FLOATING)
    drive = open_drive(users["street_office"], areas["street_a"])
    check = drive.checks.get(resident=person)
    done = drive_check_record(
        actor=users["grid_worker_a"], check=check, outcome="moved_away", note="房东说已搬走"
    )
    person.refresh_from_db()
    assert person.presence == Presence.MOVED_OUT
    event = ResidentEvent.objects.get(resident=person, kind=EventKind.MOVE_OUT)
    assert (event.kind, event.happened_on, event.recorded_by) == (
        EventKind.MOVE_OUT, TODAY, users["grid_worker_a"]
    )  # fmt: skip
    assert (done.outcome, done.checked_on, done.checked_by) == (
        "moved_away", TODAY, users["grid_worker_a"]
    )  # fmt: skip
    with pytest.raises(ValidationError):  # undone by a move-in on the resident's page only
        drive_check_record(actor=users["grid_worker_a"], check=check, outcome="confirmed")


def test_a_check_after_the_drive_ended_is_refused_and_changes_nothing(users, areas):
    """P8: the drive is time-boxed."""
    ResidentFactory(grid=areas["grid_a"], status=FLOATING)
    drive = open_drive(users["street_office"], areas["street_a"])
    check = drive.checks.get()
    with pytest.raises(ValidationError) as error:
        drive_check_record(
            actor=users["grid_worker_a"],
            check=check,
            outcome="moved_away",
            today=drive.ends_on + datetime.timedelta(days=1),
        )
    assert "ended" in " ".join(error.value.message_dict["outcome"])
    check.refresh_from_db()
    assert check.outcome == "" and check.checked_on is None
    assert not ResidentEvent.objects.filter(kind=EventKind.MOVE_OUT).exists()


def test_a_re_check_overwrites_the_outcome_and_the_audit_trail_keeps_both(users, areas):
    ResidentFactory(grid=areas["grid_a"], status=FLOATING)
    check = open_drive(users["street_office"], areas["street_a"]).checks.get()
    drive_check_record(actor=users["grid_worker_a"], check=check, outcome="not_found")
    drive_check_record(actor=users["street_office"], check=check, outcome="updated")
    check.refresh_from_db()
    assert (check.outcome, check.checked_by) == ("updated", users["street_office"])
    outcomes = [
        entry.changes_dict["outcome"][1]
        for entry in LogEntry.objects.get_for_object(check).order_by("pk")
        if "outcome" in entry.changes_dict
    ]
    assert outcomes == ["not_found", "updated"]


def test_only_the_grids_own_keepers_check_it(users, areas):
    ResidentFactory(grid=areas["grid_a"], status=FLOATING)
    check = open_drive(users["street_office"], areas["street_a"]).checks.get()
    for who in ("grid_worker_b", "leader", "other_street_office"):
        with pytest.raises(PermissionDenied):
            drive_check_record(actor=users[who], check=check, outcome="confirmed")
    assert not drive_check_list(user=users["grid_worker_b"]).exists()
    check.refresh_from_db()
    assert check.outcome == ""


def test_a_grid_worker_takes_part_in_the_streets_drive_and_sees_only_their_grid(users, areas):
    mine = ResidentFactory(grid=areas["grid_a"], status=FLOATING)
    ResidentFactory(grid=areas["grid_b"], status=FLOATING)
    drive = open_drive(users["street_office"], areas["street_a"])
    worker = users["grid_worker_a"]
    assert list(resident_drive_list(user=worker)) == [drive]
    assert not resident_drive_list(user=users["other_street_office"]).exists()
    assert [c.resident_id for c in drive_check_list(user=worker, drive=drive)] == [mine.pk]
    assert [row.grid_id for row in drive_progress(user=worker, drive=drive)] == [areas["grid_a"].pk]


def test_key_youth_subjects_are_named_only_to_who_sees_key_youth_leaders_see_counts(users, areas):
    """P16 with the special groups' rule: leaders and other systems see counts, not names."""
    youth(areas["grid_a"])
    drive = open_drive(users["street_office"], areas["street_a"], DriveKind.KEY_YOUTH_CARE)
    assert drive_check_list(user=users["grid_worker_a"]).count() == 1
    assert drive_check_list(user=users["street_office"]).count() == 1
    assert not drive_check_list(user=users["leader"]).exists()
    (row,) = drive_progress(user=users["leader"], drive=drive)
    assert (row.total, row.unchecked) == (1, 1)
    with pytest.raises(PermissionDenied):
        drive_check_record(actor=users["leader"], check=drive.checks.get(), outcome="confirmed")


def test_progress_counts_each_outcome_and_the_unchecked_per_grid(users, areas):
    for grid, n in (("grid_a", 4), ("grid_b", 2)):
        for _ in range(n):
            ResidentFactory(grid=areas[grid], status=FLOATING)
    drive = open_drive(users["street_office"], areas["street_a"])
    checks = list(drive.checks.filter(grid=areas["grid_a"]))
    for check, outcome in zip(checks, ("confirmed", "confirmed", "not_found"), strict=False):
        drive_check_record(actor=users["grid_worker_a"], check=check, outcome=outcome)
    progress = {
        row.grid_name: row for row in drive_progress(user=users["street_office"], drive=drive)
    }
    grid_a, grid_b = progress[areas["grid_a"].name], progress[areas["grid_b"].name]
    assert grid_a.counts == {"confirmed": 2, "not_found": 1, "": 1}
    assert (grid_a.done_percent, grid_b.unchecked, grid_b.total) == (75, 2, 2)


# --- Pages ---------------------------------------------------------------------------------


def test_office_staff_open_a_drive_from_the_page_and_a_bad_date_names_the_field(users, areas):
    ResidentFactory(grid=areas["grid_a"], status=FLOATING)
    office = client_for(users["street_office"], Client)
    form = {
        "area": areas["street_a"].pk,
        "kind": "floating_cleanup",
        "title": "清理清查",
        "starts_on": str(TODAY),
        "ends_on": str(TODAY - datetime.timedelta(days=1)),
    }
    bad = office.post("/drives/new/", form)
    assert bad.status_code == 400 and "The drive ends after it starts." in bad.content.decode()
    assert not ResidentDrive.objects.exists()
    response = office.post("/drives/new/", {**form, "ends_on": str(TODAY + datetime.timedelta(30))})
    drive = ResidentDrive.objects.get()
    assert response.status_code == 302 and response.url == f"/drives/{drive.pk}/"
    assert drive.checks.count() == 1
    assert "/drives/" in office.get("/special-groups/").content.decode()  # linked


def test_a_grid_worker_checks_their_grid_with_one_click(users, areas):
    person = ResidentFactory(grid=areas["grid_a"], status=FLOATING)
    other = ResidentFactory(grid=areas["grid_b"], status=FLOATING)
    drive = open_drive(users["street_office"], areas["street_a"])
    worker = client_for(users["grid_worker_a"], Client)
    page = worker.get(f"/drives/{drive.pk}/").content.decode()
    assert person.name in page and other.name not in page
    assert areas["street_a"].name not in page  # the street's name is not the worker's to read
    check = drive.checks.get(resident=person)
    response = worker.post(f"/drives/checks/{check.pk}/", {"outcome": "confirmed"})
    assert response.status_code == 302
    assert response.url == f"/drives/{drive.pk}/?grid={areas['grid_a'].pk}"
    check.refresh_from_db()
    assert check.outcome == "confirmed" and check.checked_by == users["grid_worker_a"]
    hidden = drive.checks.get(resident=other)
    assert worker.post(f"/drives/checks/{hidden.pk}/", {"outcome": "confirmed"}).status_code == 404


def test_the_office_sees_progress_and_picks_a_grids_checklist(users, areas):
    person = ResidentFactory(grid=areas["grid_b"], status=FLOATING)
    drive = open_drive(users["street_office"], areas["street_a"])
    office = client_for(users["street_office"], Client)
    page = office.get(f"/drives/{drive.pk}/").content.decode()
    assert areas["grid_b"].name in page and person.name not in page
    chosen = office.get(f"/drives/{drive.pk}/", {"grid": areas["grid_b"].pk}).content.decode()
    assert person.name in chosen and 'data-testid="check-form"' in chosen


# --- API -----------------------------------------------------------------------------------


def test_the_api_opens_a_drive_gives_its_progress_and_takes_checks(users, areas, street_token):
    person = ResidentFactory(grid=areas["grid_a"], status=FLOATING)
    office = client_for(users["street_office"])
    payload = {
        "area": areas["community_a"].pk,
        "kind": "floating_cleanup",
        "title": "清理清查",
        "starts_on": str(TODAY),
        "ends_on": str(TODAY + datetime.timedelta(days=30)),
    }
    bad = office.post("/api/v1/resident-drives/", {**payload, "kind": "nope"}, format="json")
    assert bad.status_code == 400 and "kind" in bad.json()
    created = office.post("/api/v1/resident-drives/", payload, format="json")
    assert created.status_code == 201, created.content
    drive_id = created.json()["id"]
    token = APIClient(HTTP_AUTHORIZATION=f"Token {street_token}", HTTP_ACCEPT_LANGUAGE="en")
    assert token.post("/api/v1/resident-drives/", payload, format="json").status_code == 403
    detail = token.get(f"/api/v1/resident-drives/{drive_id}/").json()
    assert detail["progress"][0]["unchecked"] == 1
    (check,) = token.get("/api/v1/drive-checks/", {"drive": drive_id}).json()["results"]
    assert check["resident"] == person.pk
    wrong = token.post(
        f"/api/v1/drive-checks/{check['id']}/check/", {"outcome": "gone"}, format="json"
    )
    assert wrong.status_code == 400 and "outcome" in wrong.json()
    done = token.post(
        f"/api/v1/drive-checks/{check['id']}/check/", {"outcome": "not_found"}, format="json"
    )
    assert done.status_code == 200 and done.json()["outcome"] == "not_found"
    flagged = token.get("/api/v1/drive-checks/", {"outcome": "not_found"}).json()["results"]
    assert [row["id"] for row in flagged] == [check["id"]]
    unchecked = token.get("/api/v1/drive-checks/", {"checked": "false"}).json()["results"]
    assert unchecked == []
    progress = token.get(f"/api/v1/resident-drives/{drive_id}/").json()["progress"][0]
    assert (progress["not_found"], progress["unchecked"]) == (1, 0)


def test_a_leader_reads_a_key_youth_drives_progress_but_no_names(users, areas):
    """P16 with the special groups' rule (leaders see counts): the page's table, no list."""
    record = youth(areas["grid_a"])
    drive = open_drive(users["street_office"], areas["street_a"], DriveKind.KEY_YOUTH_CARE)
    leader = client_for(users["street_leader"], Client)
    page = leader.get(f"/drives/{drive.pk}/", {"grid": areas["grid_a"].pk}).content.decode()
    assert areas["grid_a"].name in page and record.resident.name not in page
    office = client_for(users["street_office"], Client)
    shown = office.get(f"/drives/{drive.pk}/", {"grid": areas["grid_a"].pk}).content.decode()
    assert record.resident.name in shown
