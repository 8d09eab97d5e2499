"""The special-group ledger export (重点人员管理台账, P24) and its approval (issue 7)."""

import datetime
import io

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from governance.models import Notification, Role
from population.models import ExportStatus, SpecialGroupExportRequest, SpecialGroupKind
from population.services import (
    special_group_export_approve,
    special_group_export_download,
    special_group_export_refuse,
    special_group_export_request,
    special_group_exports_expire,
)
from tests.conftest import login
from tests.factories import ResidentFactory, UserFactory
from tests.population.factories import SpecialGroupExportRequestFactory, SpecialGroupRecordFactory


def kind(code: str) -> SpecialGroupKind:
    return SpecialGroupKind.objects.get(code=code)


def rows_of(spool) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(spool.read()), read_only=True)
    return list(workbook.worksheets[0].iter_rows(values_only=True))


@pytest.fixture
def asked(users, areas) -> SpecialGroupExportRequest:
    return special_group_export_request(
        actor=users["street_office"], area=areas["street_a"], reason="季度台账核对"
    )


def test_a_request_tells_the_leaders_whose_scope_covers_the_area(users, areas):
    """P24: an approved export; the office leads (leaders covering the area) are told."""
    other = UserFactory(role=Role.LEADER, home_area=areas["street_b"])
    asked = special_group_export_request(
        actor=users["street_office"], area=areas["street_a"], reason="季度台账核对"
    )
    told = set(Notification.objects.values_list("recipient", flat=True))
    assert {users["leader"].pk, users["street_leader"].pk} <= told
    assert other.pk not in told
    for leader in told:
        user = type(other).objects.get(pk=leader)
        assert user.role == Role.LEADER and user.home_area.contains(areas["street_a"])
    assert asked.status == ExportStatus.REQUESTED


@pytest.mark.parametrize(
    ("person", "allowed"),
    [
        ("street_office", True),
        ("community_office", False),  # street_a is above their community: out of scope
        ("grid_worker_a", False),
        ("street_leader", False),
        ("street_admin", False),
        ("api_client", False),
    ],
)
def test_who_may_request(users, areas, person, allowed):
    try:
        special_group_export_request(actor=users[person], area=areas["street_a"], reason="核对")
    except (PermissionDenied, ValidationError):
        assert not allowed
    else:
        assert allowed


def test_a_request_needs_a_reason_and_an_area_in_scope_and_saves_nothing_otherwise(users, areas):
    with pytest.raises(ValidationError) as error:
        special_group_export_request(
            actor=users["street_office"], area=areas["street_a"], reason=" "
        )
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        special_group_export_request(
            actor=users["street_office"], area=areas["street_b"], reason="核对"
        )
    assert "area" in error.value.message_dict
    assert not SpecialGroupExportRequest.objects.exists()
    assert not Notification.objects.exists()


# The state table: who may decide or download in which state (A approve, R refuse, D download).
@pytest.mark.parametrize(
    ("person", "approve", "download_after"),
    [
        ("street_leader", True, False),  # the office lead of street_a
        ("leader", True, False),  # the district's leader covers it too
        ("street_office", False, True),  # the requester: never decides, downloads
        ("community_office", False, False),
        ("grid_worker_a", False, False),
        ("street_admin", False, False),
        ("api_client", False, False),
    ],
)
def test_state_table(users, areas, asked, person, approve, download_after):
    actor = users[person]
    try:
        special_group_export_approve(actor=actor, request=asked)
    except PermissionDenied:
        assert not approve
    else:
        assert approve
    asked.refresh_from_db()
    if asked.status == ExportStatus.REQUESTED:
        special_group_export_approve(actor=users["street_leader"], request=asked)
    try:
        special_group_export_download(actor=actor, request=asked)
    except PermissionDenied:
        assert not download_after
    else:
        assert download_after


def test_the_requester_can_never_approve_their_own_request(users, areas):
    boss = UserFactory(role=Role.LEADER, home_area=areas["street_a"], is_superuser=True)
    own = SpecialGroupExportRequestFactory(area=areas["street_a"], requested_by=boss)
    with pytest.raises(PermissionDenied, match="your own request"):
        special_group_export_approve(actor=boss, request=own)
    own.refresh_from_db()
    assert own.status == ExportStatus.REQUESTED


def test_a_second_decision_is_refused_with_a_clear_message(users, asked):
    special_group_export_refuse(actor=users["street_leader"], request=asked, comment="理由不足")
    with pytest.raises(ValidationError, match="decided already"):
        special_group_export_approve(actor=users["leader"], request=asked)
    asked.refresh_from_db()
    assert asked.status == ExportStatus.REFUSED
    assert asked.decided_by == users["street_leader"]
    with pytest.raises(ValidationError, match="refused"):
        special_group_export_download(actor=users["street_office"], request=asked)


def test_a_refusal_says_why_and_the_requester_is_told(users, asked):
    with pytest.raises(ValidationError) as error:
        special_group_export_refuse(actor=users["street_leader"], request=asked, comment="")
    assert "comment" in error.value.message_dict
    special_group_export_refuse(actor=users["street_leader"], request=asked, comment="理由不足")
    notice = Notification.objects.get(recipient=users["street_office"])
    assert notice.body == "理由不足" and notice.url == reverse("special_group_exports:list")


def test_not_downloadable_before_approval(users, asked):
    with pytest.raises(ValidationError, match="not been approved"):
        special_group_export_download(actor=users["street_office"], request=asked)


def test_one_download_only(users, asked):
    special_group_export_approve(actor=users["street_leader"], request=asked)
    special_group_export_download(actor=users["street_office"], request=asked)
    with pytest.raises(ValidationError, match="downloaded already"):
        special_group_export_download(actor=users["street_office"], request=asked)
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count() == 1


def test_an_approval_expires_after_the_set_hours(users, asked, settings):
    settings.SPECIAL_GROUP_EXPORT_HOURS = 2
    approved = special_group_export_approve(actor=users["street_leader"], request=asked)
    assert approved.expires_at - approved.decided_at == datetime.timedelta(hours=2)
    SpecialGroupExportRequest.objects.filter(pk=asked.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    asked.refresh_from_db()
    assert asked.is_expired
    with pytest.raises(ValidationError, match="expired"):
        special_group_export_download(actor=users["street_office"], request=asked)
    asked.refresh_from_db()
    assert asked.status == ExportStatus.EXPIRED  # marked, though the download was refused
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()


def test_the_hourly_sweep_marks_approvals_past_their_time_expired_once(users, areas, asked):
    """P24 (GB/T 35273 §7.1 approval): an approval not used in time reads as expired in every
    list; the sweep saves each row (audited), leaves the others alone, and a second run and
    a smaller batch change nothing more."""
    late = special_group_export_approve(actor=users["street_leader"], request=asked)
    in_time = special_group_export_approve(
        actor=users["street_leader"],
        request=special_group_export_request(
            actor=users["street_office"], area=areas["street_a"], reason="月度核对"
        ),
    )
    waiting = special_group_export_request(
        actor=users["street_office"], area=areas["street_a"], reason="年度核对"
    )
    SpecialGroupExportRequest.objects.filter(pk=late.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    logged = LogEntry.objects.count()

    assert special_group_exports_expire(batch_size=1) == 1
    statuses = dict(SpecialGroupExportRequest.objects.values_list("pk", "status"))
    assert statuses == {
        late.pk: ExportStatus.EXPIRED,
        in_time.pk: ExportStatus.APPROVED,
        waiting.pk: ExportStatus.REQUESTED,
    }
    assert LogEntry.objects.count() == logged + 1
    assert special_group_exports_expire() == 0


def test_the_file_holds_the_open_records_of_the_area_masked_and_the_log_no_names(users, areas):
    """P24: the ledger of the area (重点人员管理台账), ID numbers masked."""
    inside = ResidentFactory(grid=areas["grid_a"], name="台账甲")
    ill = ResidentFactory(grid=areas["grid_b"], name="台账乙")
    elsewhere = ResidentFactory(grid=areas["grid_b"], name="台账丙")
    SpecialGroupRecordFactory(resident=inside, kind=kind("drug_user"))
    SpecialGroupRecordFactory(resident=ill, kind=kind("severe_mental_illness"))
    ended = SpecialGroupRecordFactory(resident=elsewhere, kind=kind("drug_user"))
    ended.until = timezone.localdate()
    ended.save()
    outside = ResidentFactory(grid=SpecialGroupRecordFactory().resident.grid, name="台账丁")
    SpecialGroupRecordFactory(resident=outside, kind=kind("drug_user"))
    request = special_group_export_request(
        actor=users["community_office"], area=areas["community_a"], reason="核对"
    )
    special_group_export_approve(actor=users["street_leader"], request=request)
    done, spool = special_group_export_download(actor=users["community_office"], request=request)
    rows = rows_of(spool)
    names = sorted(row[2] for row in rows[1:])
    assert names == ["台账乙", "台账甲"]  # open records of the area only
    people = {inside.name: inside, ill.name: ill}
    for row in rows[1:]:
        person = people[row[2]]
        assert row[3] == person.id_number_masked and "*" in row[3]
        assert person.id_number not in " ".join(str(cell) for cell in row)
        assert row[6]  # the responsible worker
    assert done.row_count == 2 and done.status == ExportStatus.DOWNLOADED
    entry = LogEntry.objects.get(action=LogEntry.Action.ACCESS)
    assert entry.actor == users["community_office"]
    assert entry.additional_data == {"export": request.pk, "rows": 2, "via": "page"}
    logged = str(entry.changes) + str(entry.additional_data) + entry.object_repr
    assert "台账" not in logged and "精神" not in logged and "吸毒" not in logged


def test_the_kinds_filter_narrows_the_file(users, areas):
    SpecialGroupRecordFactory(
        resident=ResidentFactory(grid=areas["grid_a"]), kind=kind("drug_user")
    )
    SpecialGroupRecordFactory(
        resident=ResidentFactory(grid=areas["grid_a"]), kind=kind("community_correction")
    )
    request = special_group_export_request(
        actor=users["street_office"],
        area=areas["street_a"],
        reason="核对",
        kinds=[kind("drug_user")],
    )
    special_group_export_approve(actor=users["street_leader"], request=request)
    _, spool = special_group_export_download(actor=users["street_office"], request=request)
    assert [row[4] for row in rows_of(spool)[1:]] == [kind("drug_user").name]


def test_pages_request_decide_and_download(client, users, areas):
    SpecialGroupRecordFactory(
        resident=ResidentFactory(grid=areas["grid_a"]), kind=kind("drug_user")
    )
    login(client, users["street_office"])
    response = client.post(
        reverse("special_group_exports:new"), {"area": areas["street_a"].pk, "reason": "核对"}
    )
    assert response.status_code == 302
    request = SpecialGroupExportRequest.objects.get()
    mine = client.get(reverse("special_group_exports:list")).content.decode()
    assert str(request.area.name) in mine and 'name="decision"' not in mine
    client.logout()
    login(client, users["street_leader"])
    page = client.get(reverse("special_group_exports:list")).content.decode()
    assert "核对" in page  # the pending list shows the reason
    decide = reverse("special_group_exports:decide", args=[request.pk])
    assert client.post(decide, {"decision": "approve"}).status_code == 302
    client.logout()
    login(client, users["street_office"])
    download = reverse("special_group_exports:download", args=[request.pk])
    response = client.post(download)
    assert response.status_code == 200
    assert len(rows_of(io.BytesIO(b"".join(response.streaming_content)))) == 2
    again = client.post(download, follow=True)
    assert "downloaded already" in again.content.decode() or "已下载" in again.content.decode()


def test_pages_hide_requests_out_of_scope(client, users, areas):
    elsewhere = SpecialGroupExportRequestFactory(area=areas["street_b"])
    login(client, users["street_leader"])
    decide = reverse("special_group_exports:decide", args=[elsewhere.pk])
    assert client.post(decide, {"decision": "approve"}).status_code == 404


def test_api_create_approve_refuse_and_download(client, users, areas):
    from rest_framework.test import APIClient

    SpecialGroupRecordFactory(
        resident=ResidentFactory(grid=areas["grid_a"]), kind=kind("drug_user")
    )
    office, leader = APIClient(), APIClient()
    login(office, users["street_office"])
    login(leader, users["street_leader"])
    url = "/api/v1/special-group-exports/"
    missing = office.post(url, {"area": areas["street_a"].pk}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()
    hidden = office.post(url, {"area": areas["street_b"].pk, "reason": "核对"}, format="json")
    assert hidden.status_code == 400 and "area" in hidden.json()
    created = office.post(
        url,
        {"area": areas["street_a"].pk, "reason": "核对", "kinds": ["drug_user"]},
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["status"] == "requested" and created.json()["kinds"] == ["drug_user"]
    assert office.post(f"{url}{pk}/approve/", {}, format="json").status_code == 403
    assert office.post(f"{url}{pk}/download/").status_code == 400  # not approved yet
    approved = leader.post(f"{url}{pk}/approve/", {"comment": "同意"}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    again = leader.post(f"{url}{pk}/refuse/", {"comment": "不"}, format="json")
    assert again.status_code == 400 and "status" in again.json()
    assert leader.post(f"{url}{pk}/download/").status_code == 403
    file = office.post(f"{url}{pk}/download/")
    assert file.status_code == 200
    assert len(rows_of(io.BytesIO(b"".join(file.streaming_content)))) == 2
    assert office.post(f"{url}{pk}/download/").status_code == 400
    entry = LogEntry.objects.get(action=LogEntry.Action.ACCESS)
    assert entry.additional_data == {"export": pk, "rows": 1, "via": "api"}
    listed = office.get(url).json()["results"]
    assert [row["status"] for row in listed] == ["downloaded"]
    assert leader.get(f"{url}{pk}/").json()["row_count"] == 1
