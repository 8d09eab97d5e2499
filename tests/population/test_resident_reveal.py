"""Seeing a resident's full ID number and phone: who may (a matrix of every test actor and
where the resident lives), the reason they must give, and the audit entry each view leaves."""

import logging

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from population.services import resident_reveal
from tests.conftest import PEOPLE, login
from tests.factories import ResidentFactory

PHONE = "13987654321"
REASON = "上门核实身份 verification visit"

# Who sees the numbers in full, for a resident of grid_a (in everyone's scope but grid_b's
# worker and the other street's office): grid workers and office staff of the area, and
# superusers; never leaders, administrators or other systems.
MAY_REVEAL = {"grid_worker_a", "community_office", "street_office", "superuser"}


@pytest.fixture
def resident(areas):
    return ResidentFactory(grid=areas["grid_a"], name="周敏", phone=PHONE)


def accesses(resident) -> list[LogEntry]:
    return list(LogEntry.objects.get_for_object(resident).filter(action=LogEntry.Action.ACCESS))


@pytest.mark.parametrize("person", sorted(PEOPLE))
def test_who_may_see_the_numbers_in_full(users, resident, person):
    actor = users[person]
    if person in MAY_REVEAL:
        assert resident_reveal(actor=actor, resident=resident, reason=REASON) == resident
        assert [entry.actor for entry in accesses(resident)] == [actor]
    else:
        with pytest.raises(PermissionDenied):
            resident_reveal(actor=actor, resident=resident, reason=REASON)
        assert accesses(resident) == []


def test_a_reveal_needs_a_reason_and_logs_nothing_without_one(users, resident):
    for blank in ("", "   \n"):
        with pytest.raises(ValidationError) as refused:
            resident_reveal(actor=users["grid_worker_a"], resident=resident, reason=blank)
        assert "reason" in refused.value.message_dict
    with pytest.raises(ValidationError):
        resident_reveal(actor=users["grid_worker_a"], resident=resident, reason="x" * 201)
    assert accesses(resident) == []


def test_the_access_entry_says_who_whom_when_and_why(users, resident):
    resident_reveal(actor=users["street_office"], resident=resident, reason=f"  {REASON}  ")
    (entry,) = accesses(resident)
    assert entry.actor == users["street_office"]
    assert (entry.object_id, entry.object_repr) == (resident.pk, "周敏")
    assert entry.timestamp is not None
    assert entry.additional_data == {
        "reason": REASON,
        "fields": ["id_number", "phone"],
        "via": "page",
    }
    assert entry.changes is None  # the values themselves are not copied into the log


def test_the_page_shows_the_numbers_after_a_reason_and_records_where_from(
    client, users, resident, caplog
):
    login(client, users["grid_worker_a"])
    page = client.get(reverse("residents:detail", args=[resident.pk])).content.decode()
    assert 'data-testid="reveal-form"' in page
    assert resident.id_number not in page and PHONE not in page
    url = reverse("residents:reveal", args=[resident.pk])
    with caplog.at_level(logging.DEBUG):
        response = client.post(url, {"reason": REASON}, REMOTE_ADDR="10.1.2.3")
    shown = response.content.decode()
    assert response.status_code == 200
    assert resident.id_number in shown and PHONE in shown
    assert "no-store" in response["Cache-Control"]
    (entry,) = accesses(resident)
    assert (entry.actor, entry.remote_addr) == (users["grid_worker_a"], "10.1.2.3")
    assert REASON not in caplog.text and resident.id_number not in caplog.text


def test_the_page_refuses_a_reveal_without_a_reason(client, users, resident):
    login(client, users["grid_worker_a"])
    response = client.post(
        reverse("residents:reveal", args=[resident.pk]),
        {"reason": " "},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    page = response.content.decode()
    assert response.status_code == 200 and "This field is required" in page
    assert resident.id_number not in page and accesses(resident) == []


def test_a_leader_is_offered_no_reveal_and_is_refused_one(client, users, resident):
    login(client, users["leader"])
    page = client.get(reverse("residents:detail", args=[resident.pk])).content.decode()
    assert "reveal-form" not in page
    response = client.post(reverse("residents:reveal", args=[resident.pk]), {"reason": REASON})
    assert response.status_code == 403 and accesses(resident) == []


def test_a_reveal_outside_the_area_is_not_found(client, users, resident):
    login(client, users["grid_worker_b"])
    response = client.post(reverse("residents:reveal", args=[resident.pk]), {"reason": REASON})
    assert response.status_code == 404 and accesses(resident) == []


def test_the_reveal_page_takes_only_posts(client, users, resident):
    login(client, users["grid_worker_a"])
    assert client.get(reverse("residents:reveal", args=[resident.pk])).status_code == 405


def session_api(user) -> APIClient:
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    login(api, user)
    return api


def test_the_api_reveals_with_a_reason_and_logs_it(users, resident, caplog):
    url = f"/api/v1/residents/{resident.pk}/reveal/"
    with caplog.at_level(logging.DEBUG):
        response = session_api(users["community_office"]).post(
            url, {"reason": REASON}, format="json"
        )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": resident.pk,
        "name": "周敏",
        "id_number": resident.id_number,
        "phone": PHONE,
        "passport_number": "",  # a foreign national's, when there is one
    }
    (entry,) = accesses(resident)
    assert entry.additional_data["via"] == "api" and entry.additional_data["reason"] == REASON
    assert REASON not in caplog.text


def test_the_api_refuses_a_reveal_without_a_reason(users, resident):
    api = session_api(users["grid_worker_a"])
    response = api.post(f"/api/v1/residents/{resident.pk}/reveal/", {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    assert accesses(resident) == []


def test_other_systems_and_leaders_are_refused_by_the_api(users, resident, street_token):
    token = APIClient(HTTP_AUTHORIZATION=f"Token {street_token}")
    url = f"/api/v1/residents/{resident.pk}/reveal/"
    assert token.post(url, {"reason": REASON}, format="json").status_code == 403
    leader = session_api(users["street_leader"])
    assert leader.post(url, {"reason": REASON}, format="json").status_code == 403
    other = session_api(users["other_street_office"])
    assert other.post(url, {"reason": REASON}, format="json").status_code == 404
    assert accesses(resident) == []


def test_office_staff_see_the_history_with_reasons_and_masked_changes(client, users, resident):
    resident_reveal(actor=users["grid_worker_a"], resident=resident, reason=REASON)
    login(client, users["street_office"])
    page = client.get(
        reverse("residents:detail", args=[resident.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert 'data-testid="history"' in page
    assert REASON in page and users["grid_worker_a"].display_name in page
    assert resident.id_number not in page and PHONE not in page


@pytest.mark.parametrize("person", ["grid_worker_a", "leader"])
def test_grid_workers_and_leaders_do_not_see_the_history(client, users, resident, person):
    resident_reveal(actor=users["community_office"], resident=resident, reason=REASON)
    login(client, users[person])
    page = client.get(reverse("residents:detail", args=[resident.pk])).content.decode()
    assert 'data-testid="history"' not in page and REASON not in page


def test_the_history_does_not_name_people_outside_the_viewers_area(client, users, resident):
    resident_reveal(actor=users["superuser"], resident=resident, reason=REASON)
    login(client, users["community_office"])
    page = client.get(
        reverse("residents:detail", args=[resident.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert REASON in page and "someone outside your area" in page
    assert users["superuser"].username not in page
