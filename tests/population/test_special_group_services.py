import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from population.models import FollowUpReminder, SpecialGroupKind, SpecialGroupRecord
from population.selectors import (
    follow_ups_due,
    high_risk_without_guardian,
    recidivism_rates,
    relapse_rates,
    special_group_counts,
    special_group_record_list,
)
from population.services import (
    special_group_event_record,
    special_group_followup_recorded,
    special_group_record_create,
    special_group_reminders_send,
)
from tests.factories import ResidentFactory
from tests.population.factories import SpecialGroupKindFactory, SpecialGroupRecordFactory

TODAY = timezone.localdate()


def kind(code: str) -> SpecialGroupKind:
    return SpecialGroupKind.objects.get(code=code)


def test_the_seeded_kinds_are_those_the_documents_name(db):
    """P15, P16: editable kinds seeded from the seeds, key youth with four sub-kinds."""
    codes = set(SpecialGroupKind.objects.values_list("code", flat=True))
    assert {
        "community_correction", "released_prisoner", "released_reeducation", "drug_user",
        "severe_mental_illness", "aids", "cult_member", "state_security_key_person",
    } <= codes  # fmt: skip
    youth = kind("key_youth")
    assert set(youth.sub_kinds.values_list("code", flat=True)) == {
        "idle_youth", "prisoners_minor_children", "left_behind_children", "street_children"
    }  # fmt: skip
    assert kind("aids").health_related and kind("severe_mental_illness").health_related
    assert not kind("drug_user").health_related


def test_office_staff_tag_a_resident_with_the_kinds_default_interval(users, areas):
    resident = ResidentFactory(grid=areas["grid_a"])
    since = TODAY - datetime.timedelta(days=3)
    record = special_group_record_create(
        actor=users["street_office"], resident=resident, kind=kind("community_correction"),
        since=since, supervision_level="strict",
    )  # fmt: skip
    assert record.follow_up_days == kind("community_correction").follow_up_days
    assert record.next_follow_up_due == since + datetime.timedelta(days=record.follow_up_days)
    team_worker = areas["grid_a"].team_members.get(role__code="grid_worker").user
    assert record.responsible == team_worker is not None  # the grid team's own worker


def test_a_field_of_another_kind_is_refused_by_name_and_nothing_is_saved(users, areas):
    resident = ResidentFactory(grid=areas["grid_a"])
    with pytest.raises(ValidationError) as raised:
        special_group_record_create(
            actor=users["street_office"], resident=resident, kind=kind("drug_user"),
            since=TODAY, risk_level=4,
        )  # fmt: skip
    assert "risk_level" in raised.value.message_dict
    assert not SpecialGroupRecord.objects.exists()


def test_a_resident_is_in_one_open_record_per_kind(users, areas):
    resident = ResidentFactory(grid=areas["grid_a"])
    arguments = {"actor": users["street_office"], "resident": resident, "since": TODAY}
    special_group_record_create(kind=kind("drug_user"), **arguments)
    with pytest.raises(ValidationError) as raised:
        special_group_record_create(kind=kind("drug_user"), **arguments)
    assert "kind" in raised.value.message_dict


def test_grid_workers_and_leaders_do_not_tag(users, areas):
    resident = ResidentFactory(grid=areas["grid_a"])
    for key in ("grid_worker_a", "leader"):
        with pytest.raises(PermissionDenied):
            special_group_record_create(
                actor=users[key], resident=resident, kind=kind("drug_user"), since=TODAY
            )


def test_health_kinds_are_seen_by_office_staff_and_the_responsible_worker_only(users, areas):
    """P22: health-related kinds only for authorised roles (PIPL art. 28)."""
    resident = ResidentFactory(grid=areas["grid_a"])
    aids = SpecialGroupRecordFactory(resident=resident, kind=kind("aids"), responsible=None)
    youth = SpecialGroupRecordFactory(resident=resident, kind=kind("idle_youth"))

    def seen(key):
        return set(special_group_record_list(user=users[key]))

    assert seen("street_office") == {aids, youth} == seen("admin")
    assert seen("grid_worker_a") == {youth}
    assert seen("grid_worker_b") == set()  # another grid
    assert seen("leader") == set() == seen("api_client")  # counts only
    aids.responsible = users["grid_worker_a"]
    aids.save()
    assert seen("grid_worker_a") == {aids, youth}
    assert users["grid_worker_a"].has_perm("population.view_specialgrouprecord", aids)
    assert not users["leader"].has_perm("population.view_specialgrouprecord", youth)
    counts = dict((k.code, n) for k, n in special_group_counts(user=users["leader"]))
    assert counts["aids"] == 1 and counts["idle_youth"] == 1


def test_a_granted_permission_lets_a_leader_see_the_members(users, areas):
    from django.contrib.auth.models import Permission

    record = SpecialGroupRecordFactory(resident=ResidentFactory(grid=areas["grid_a"]))
    leader = users["leader"]
    leader.user_permissions.add(Permission.objects.get(codename="view_special_group_members"))
    leader = type(leader).objects.get(pk=leader.pk)  # a fresh permission cache
    assert list(special_group_record_list(user=leader)) == [record]


def test_a_follow_up_visit_moves_the_next_due_date_and_an_older_one_does_not(users, areas):
    record = SpecialGroupRecordFactory(resident=ResidentFactory(grid=areas["grid_a"]))
    visit = timezone.now()
    assert special_group_followup_recorded(resident=record.resident, at=visit) == 1
    record.refresh_from_db()
    assert record.last_followed_up_at == visit
    assert record.next_follow_up_due == TODAY + datetime.timedelta(days=record.follow_up_days)
    older = visit - datetime.timedelta(days=2)
    assert special_group_followup_recorded(resident=record.resident, at=older) == 0


def test_the_due_list_shows_a_workers_own_overdue_follow_ups_and_first_month_aid(users, areas):
    """P17: first-month assistance due within a month of release, in the due list."""
    worker = users["grid_worker_a"]
    resident = ResidentFactory(grid=areas["grid_a"])
    released = TODAY - datetime.timedelta(days=40)
    record = SpecialGroupRecordFactory(
        resident=resident, kind=kind("released_prisoner"), since=released, release_date=released,
        responsible=worker,
    )  # fmt: skip
    items = follow_ups_due(user=worker)
    assert {(item.purpose, item.overdue) for item in items} == {
        ("follow_up", True),  # due 10 days after the 30-day interval
        ("first_month_aid", True),
    }
    assert follow_ups_due(user=users["grid_worker_b"]) == []
    assert len(follow_ups_due(user=users["street_office"])) == 2
    assert {item.record for item in items} == {record}


def test_the_reminders_are_sent_once_to_the_responsible_worker(users, areas):
    record = SpecialGroupRecordFactory(
        resident=ResidentFactory(grid=areas["grid_a"]),
        since=TODAY - datetime.timedelta(days=31),
        responsible=users["grid_worker_a"],
    )
    assert special_group_reminders_send() == 1
    assert special_group_reminders_send() == 0
    notice = users["grid_worker_a"].notifications.get()
    assert notice.url == f"/special-groups/{record.pk}/"
    assert record.resident.name not in notice.title + notice.body  # no name in a notice
    assert FollowUpReminder.objects.get().sent_at is not None


def test_recidivism_rate_per_area_against_the_seed_targets(users, areas):
    """P18: re-offending recorded; recidivism per area against 5% and 3%."""
    since = datetime.date(TODAY.year, 1, 1)
    for n in range(4):
        grid = areas["grid_a"] if n < 3 else areas["grid_other_street"]
        record = SpecialGroupRecordFactory(
            resident=ResidentFactory(grid=grid), kind=kind("released_prisoner"), since=since
        )
        if n == 0:
            special_group_event_record(
                actor=users["admin"], record=record, kind="reoffence", occurred_on=since
            )
    rates = recidivism_rates(user=users["admin"], year=TODAY.year)
    total = next(r for r in rates if r.area is None and r.kind.code == "released_prisoner")
    assert (total.members, total.with_event, str(total.percent)) == (4, 1, "25.0")
    assert str(total.target_percent) == "5.0" and total.meets_target is False
    street_a = next(r for r in rates if r.area == areas["street_a"] and r.kind == total.kind)
    assert (street_a.members, street_a.with_event) == (3, 1)
    reeducation = next(r for r in rates if r.area is None and r.kind.code == "released_reeducation")
    assert str(reeducation.target_percent) == "3.0" and reeducation.percent is None


def test_relapse_is_recorded_for_drug_users_only(users, areas):
    """P21: relapse events and the relapse rate."""
    resident = ResidentFactory(grid=areas["grid_a"])
    drugs = SpecialGroupRecordFactory(resident=resident, kind=kind("drug_user"))
    youth = SpecialGroupRecordFactory(resident=resident, kind=kind("idle_youth"))
    office = users["street_office"]
    special_group_event_record(actor=office, record=drugs, kind="relapse", occurred_on=TODAY)
    with pytest.raises(ValidationError) as raised:
        special_group_event_record(actor=office, record=youth, kind="relapse", occurred_on=TODAY)
    assert "kind" in raised.value.message_dict
    total = next(r for r in relapse_rates(user=office, year=TODAY.year) if r.area is None)
    assert (total.members, total.with_event, total.target_percent) == (1, 1, None)


def test_high_risk_patients_without_a_capable_guardian_are_listed(users, areas):
    """P20: high-risk severe mental illness without a capable guardian."""
    illness = kind("severe_mental_illness")
    listed = SpecialGroupRecordFactory(
        resident=ResidentFactory(grid=areas["grid_a"]), kind=illness,
        risk_level=4, guardian_capable=False,
    )  # fmt: skip
    SpecialGroupRecordFactory(
        resident=ResidentFactory(grid=areas["grid_a"]), kind=illness,
        risk_level=4, guardian_capable=True,
    )  # fmt: skip
    SpecialGroupRecordFactory(
        resident=ResidentFactory(grid=areas["grid_a"]), kind=illness,
        risk_level=1, guardian_capable=False,
    )  # fmt: skip
    assert list(high_risk_without_guardian(user=users["street_office"])) == [listed]
    assert list(high_risk_without_guardian(user=users["grid_worker_a"])) == []  # health kind


def test_a_kinds_factory_record_has_no_health_data(db):
    assert not SpecialGroupKindFactory().health_related
