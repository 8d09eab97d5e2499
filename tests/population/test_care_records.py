"""Care and counselling records of special-group members (P16 关爱帮扶, P23 心理筛查和疏导)."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from population.care_selectors import special_group_care_list
from population.care_services import special_group_care_add
from population.models import SpecialGroupCare, SpecialGroupKind
from tests.conftest import login
from tests.factories import ResidentFactory
from tests.population.factories import SpecialGroupCareFactory, SpecialGroupRecordFactory

TODAY = timezone.localdate()


def client_for(user, cls=APIClient):
    client = cls(HTTP_ACCEPT_LANGUAGE="en")
    login(client, user)
    return client


def record_of(kind: str, grid, **more):
    return SpecialGroupRecordFactory(
        resident=ResidentFactory(grid=grid), kind=SpecialGroupKind.objects.get(code=kind), **more
    )


def test_office_staff_record_care_on_a_key_youths_record(users, areas):
    """P16: 关爱帮扶 of a left-behind child, dated, by whom, with provider and outcome."""
    record = record_of("left_behind_children", areas["grid_a"])
    care = special_group_care_add(
        actor=users["street_office"], record=record, kind="care", given_on=TODAY,
        provider=" 阳光小学 ", notes="家访，送学习用品", outcome="情绪稳定",
    )  # fmt: skip
    assert care.given_by == users["street_office"]
    assert care.provider == "阳光小学"
    assert list(record.care.all()) == [care]
    assert LogEntry.objects.get_for_object(care).count() == 1


@pytest.mark.parametrize(
    ("given_on", "message"),
    [
        (TODAY + datetime.timedelta(days=1), "future"),
        (TODAY - datetime.timedelta(days=30), "before the record's start"),
    ],
)
def test_a_future_date_or_one_before_the_record_began_is_refused_by_name(
    users, areas, given_on, message
):
    record = record_of("idle_youth", areas["grid_a"])  # since ten days ago
    with pytest.raises(ValidationError) as error:
        special_group_care_add(
            actor=users["street_office"], record=record, kind="screening", given_on=given_on
        )
    assert message in " ".join(error.value.message_dict["given_on"])
    assert not SpecialGroupCare.objects.exists()


def test_grid_workers_and_leaders_do_not_record_care(users, areas):
    record = record_of("idle_youth", areas["grid_a"])
    for who in ("grid_worker_a", "leader"):
        with pytest.raises(PermissionDenied):
            special_group_care_add(actor=users[who], record=record, kind="care", given_on=TODAY)
    assert not SpecialGroupCare.objects.exists()


def test_counselling_of_a_health_related_kind_is_seen_as_its_record_is(users, areas):
    """P23: screening and counselling records have restricted visibility: exactly the
    record's (a health-related kind: office staff and the responsible worker only; leaders
    and other systems see no one)."""
    mental = record_of("severe_mental_illness", areas["grid_a"], responsible=users["grid_worker_a"])
    youth = record_of("idle_youth", areas["grid_a"])
    counselling = SpecialGroupCareFactory(record=mental, kind="counselling")
    care = SpecialGroupCareFactory(record=youth, kind="care")

    def seen(who: str) -> set[int]:
        return set(special_group_care_list(user=users[who]).values_list("pk", flat=True))

    assert seen("street_office") == {counselling.pk, care.pk}
    assert seen("grid_worker_a") == {counselling.pk, care.pk}  # the responsible worker
    assert seen("other_street_office") == set()  # another street
    assert seen("leader") == set()
    assert seen("admin") == {counselling.pk, care.pk}
    mental.responsible = None
    mental.save(update_fields=["responsible"])
    assert seen("grid_worker_a") == {care.pk}


def test_the_api_creates_filters_and_hides_by_role(users, areas, street_token):
    """P23 through the API: office staff add and list; a leader and a token list no one."""
    record = record_of("extreme_mind_group", areas["grid_a"])
    office = client_for(users["street_office"])
    bad = office.post(
        "/api/v1/special-group-care/",
        {"record": record.pk, "kind": "screening", "given_on": str(TODAY + datetime.timedelta(1))},
        format="json",
    )
    assert bad.status_code == 400 and "given_on" in bad.json()
    assert not SpecialGroupCare.objects.exists()
    created = office.post(
        "/api/v1/special-group-care/",
        {
            "record": record.pk,
            "kind": "screening",
            "given_on": str(TODAY),
            "provider": "心理咨询室",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    SpecialGroupCareFactory(record=record, kind="counselling")
    listed = office.get("/api/v1/special-group-care/", {"kind": "screening"}).json()["results"]
    assert [row["id"] for row in listed] == [created.json()["id"]]
    by_record = office.get("/api/v1/special-group-care/", {"record": record.pk}).json()
    assert len(by_record["results"]) == 2
    assert client_for(users["leader"]).get("/api/v1/special-group-care/").json()["results"] == []
    token = APIClient(HTTP_AUTHORIZATION=f"Token {street_token}")
    assert token.get("/api/v1/special-group-care/").json()["results"] == []
    refused = token.post(
        "/api/v1/special-group-care/",
        {"record": record.pk, "kind": "care", "given_on": str(TODAY)},
        format="json",
    )
    assert refused.status_code == 403


def test_the_records_page_shows_the_timeline_and_its_keepers_add_to_it(users, areas):
    record = record_of("prisoners_minor_children", areas["grid_a"])
    SpecialGroupCareFactory(record=record, kind="education", provider="社区帮教小组")
    office = client_for(users["street_office"], Client)
    page = office.get(f"/special-groups/{record.pk}/").content.decode()
    assert "社区帮教小组" in page and 'data-testid="care-form"' in page
    bad = office.post(
        f"/special-groups/{record.pk}/", {"form": "care", "care-kind": "care", "care-given_on": ""}
    )
    assert bad.status_code == 200 and "This field is required" in bad.content.decode()
    response = office.post(
        f"/special-groups/{record.pk}/",
        {"form": "care", "care-kind": "care", "care-given_on": str(TODAY), "care-provider": "团委"},
    )
    assert response.status_code == 302
    assert record.care.filter(provider="团委").exists()
    worker = client_for(users["grid_worker_a"], Client).get(f"/special-groups/{record.pk}/")
    assert "社区帮教小组" in worker.content.decode()
    assert 'data-testid="care-form"' not in worker.content.decode()
