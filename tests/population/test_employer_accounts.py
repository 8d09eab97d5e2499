"""以业管人 (P7): large employers register their floating workers themselves, through their
own account (pages) or their system's unit token (API)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from grid.models import UnitKind
from grid.services import unit_update
from population.identities import id_number_make
from population.models import EventKind, Resident, ResidentEvent, ResidentStatus
from population.selectors import employer_registration_figures
from population.services import employer_worker_register, employer_worker_release
from tests.conftest import login
from tests.factories import ResidentFactory, UnitFactory
from tests.population.employer_fixtures import Employer, employer_create

NUMBER = id_number_make(region="411302", born=datetime.date(1998, 4, 12), serial=61)


@pytest.fixture
def employer(users, areas) -> Employer:
    return employer_create(users, areas)


def session(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    login(client, user)
    return client


def test_an_employer_registers_a_floating_worker_with_the_employer_grid_and_status_forced(
    employer: Employer,
):
    """P7: the enterprise's own account registers its worker through the resident
    registration (the move-in event), as floating, employed by it, in its grid."""
    registration = employer_worker_register(
        actor=employer.person,
        name="刘洋",
        id_number=NUMBER,
        phone="13705710001",
        residence_permit_number="330106201804",
        residence_permit_expires_on=timezone.localdate() + datetime.timedelta(days=300),
    )
    worker = registration.resident
    assert not registration.linked
    assert worker.status == ResidentStatus.FLOATING
    assert worker.employer_organisation == employer.organisation
    assert worker.registered_by_employer == employer.organisation
    assert worker.grid == employer.organisation.grid
    assert worker.created_by == employer.person
    assert worker.birth_date == datetime.date(1998, 4, 12)  # from the ID number
    event = ResidentEvent.objects.get(resident=worker)
    assert event.kind == EventKind.MOVE_IN and event.recorded_by == employer.person


def test_through_the_api_a_unit_token_registers_and_may_not_choose_grid_status_or_employer(
    employer: Employer, areas
):
    """P7: `POST /api/v1/residents/` with the enterprise's unit token."""
    api = employer.api()
    for field, value in (
        ("grid", areas["grid_b"].pk),
        ("status", "registered"),
        ("employer_organisation", None),
    ):
        response = api.post(
            "/api/v1/residents/",
            {"name": "刘洋", "id_number": NUMBER, field: value},
            format="json",
        )
        assert response.status_code == 400, response.content
        assert field in response.json()
    assert not Resident.objects.exists()
    response = api.post("/api/v1/residents/", {"name": "刘洋", "id_number": NUMBER}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "floating"
    assert body["grid"] == employer.organisation.grid_id
    assert "*" in body["id_number"]  # masked, as for any non-full role
    bad = api.post("/api/v1/residents/", {"name": "王", "id_number": "12345"}, format="json")
    assert bad.status_code == 400 and "id_number" in bad.json()


def test_a_person_already_in_the_ledger_is_linked_not_duplicated_and_not_revealed(
    employer: Employer, areas
):
    """P7: one person, one row. With the same name the person is linked as this employer's
    worker (200, nothing created); with another name the number is refused without saying
    where or whose it is."""
    known = ResidentFactory(grid=areas["grid_other_street"], name="陈静", id_number=NUMBER)
    api = employer.api()
    wrong = api.post("/api/v1/residents/", {"name": "陈晶", "id_number": NUMBER}, format="json")
    assert wrong.status_code == 400
    message = wrong.json()["id_number"][0]
    assert "another name" in message and areas["grid_other_street"].name not in message
    assert api.get(f"/api/v1/residents/{known.pk}/").status_code == 404
    linked = api.post("/api/v1/residents/", {"name": "陈静", "id_number": NUMBER}, format="json")
    assert linked.status_code == 200, linked.content
    assert Resident.objects.count() == 1
    known.refresh_from_db()
    assert known.employer_organisation == employer.organisation
    assert known.registered_by_employer is None  # linked, not registered: not counted
    assert known.grid == areas["grid_other_street"]  # nothing else of the record changed


def test_the_employer_sees_only_its_workers_masked_and_edits_or_deletes_nothing(
    employer: Employer, areas
):
    """P7: the enterprise's people see the residents it employs, nothing else of the ledger,
    and neither correct nor unmask them."""
    worker = employer_worker_register(actor=employer.person, name="刘洋", id_number=NUMBER).resident
    neighbour = ResidentFactory(grid=employer.organisation.grid)
    for api in (employer.api(), session(employer.person)):
        listed = api.get("/api/v1/residents/").json()["results"]
        assert [row["id"] for row in listed] == [worker.pk]
        assert api.get(f"/api/v1/residents/{neighbour.pk}/").status_code == 404
        assert api.patch(f"/api/v1/residents/{worker.pk}/", {"name": "改"}).status_code == 403
        assert api.delete(f"/api/v1/residents/{worker.pk}/").status_code in {403, 405}
        reveal = api.post(f"/api/v1/residents/{worker.pk}/reveal/", {"reason": "核对"})
        assert reveal.status_code == 403
        assert api.get("/api/v1/households/").json()["results"] == []
        assert api.get("/api/v1/special-group-records/").json()["results"] == []
    # Its own organisation, and no other.
    organisations = employer.api().get("/api/v1/organisations/").json()["results"]
    assert [row["id"] for row in organisations] == [employer.organisation.pk]
    worker.refresh_from_db()
    assert worker.name == "刘洋"


def test_the_employer_ends_an_employment_and_no_longer_sees_the_person(employer: Employer, users):
    """P7: they may unlink their worker (not delete them); another's worker is not theirs."""
    worker = employer_worker_register(actor=employer.person, name="刘洋", id_number=NUMBER).resident
    api = employer.api()
    response = api.post(f"/api/v1/residents/{worker.pk}/end-employment/")
    assert response.status_code == 200, response.content
    worker.refresh_from_db()
    assert worker.employer_organisation is None
    assert worker.registered_by_employer == employer.organisation  # the registration stays
    assert api.get(f"/api/v1/residents/{worker.pk}/").status_code == 404
    with pytest.raises(PermissionDenied):
        employer_worker_release(actor=users["street_office"], resident=worker)


def test_only_an_enterprise_is_linked_to_an_organisation(employer: Employer, areas):
    department = UnitFactory(area=areas["district"], kind=UnitKind.DEPARTMENT, name="区人社局")
    with pytest.raises(ValidationError) as error:
        unit_update(actor=None, unit=department, organisation=employer.organisation)
    assert "organisation" in error.value.message_dict


def test_others_register_no_workers_through_the_employer_path(users, employer: Employer):
    for key in ("street_office", "department", "grid_worker_a"):
        with pytest.raises(PermissionDenied):
            employer_worker_register(actor=users[key], name="刘洋", id_number=NUMBER)


# --- Figures (P7 「全年登记录入流动人口35万人」) ----------------------------------------------


def _register(employer: Employer, n: int, name: str = "工人") -> Resident:
    number = id_number_make(region="421023", born=datetime.date(1990, 1, 1), serial=n)
    return employer_worker_register(actor=employer.person, name=name, id_number=number).resident


def test_registrations_are_counted_per_employer_and_month_and_summed_for_the_area(
    employer: Employer, users, areas
):
    """P7: per organisation and month of the year, and summed for the viewer's area; a
    registration is counted where it was made, even after the employment ended."""
    other = employer_create(users, areas, name="乙纺织厂", grid="grid_b")
    far = employer_create(users, areas, name="丙电子厂", grid="grid_other_street")
    year = timezone.localdate().year
    first = _register(employer, 1)
    _register(employer, 2)
    _register(other, 3)
    _register(far, 4)
    Resident.objects.filter(pk=first.pk).update(
        created_at=timezone.make_aware(datetime.datetime(year, 1, 15, 9))
    )
    employer_worker_release(actor=employer.person, resident=first)
    figures = employer_registration_figures(user=users["street_office"], year=year)
    month = timezone.localdate().month
    rows = {row.name: row for row in figures.employers}
    assert set(rows) == {"甲机械厂", "乙纺织厂"}  # street_a's: not 丙 in street_b
    assert rows["甲机械厂"].total == 2
    assert rows["甲机械厂"].months[0] == 1 + (month == 1)
    assert rows["乙纺织厂"].months[month - 1] == 1
    assert figures.total == 3
    assert sum(figures.months) == 3
    assert employer_registration_figures(user=users["street_office"], year=year - 1).total == 0
    # The enterprise itself sees its own workers only (the one it released no longer).
    own = employer_registration_figures(user=employer.person, year=year)
    assert [row.name for row in own.employers] == ["甲机械厂"] and own.total == 1


def test_the_figures_answer_through_the_api(employer: Employer, users, areas):
    _register(employer, 1)
    year = timezone.localdate().year
    answer = session(users["street_office"]).get("/api/v1/employer-registrations/", {"year": year})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["year"] == year and body["total"] == 1
    assert body["employers"][0]["organisation"] == employer.organisation.pk
    assert len(body["months"]) == 12
    hidden = session(users["street_office"]).get(
        "/api/v1/employer-registrations/", {"area": areas["street_b"].pk}
    )
    assert hidden.status_code == 400 and "area" in hidden.json()
    mine = employer.api().get("/api/v1/employer-registrations/").json()
    assert mine["total"] == 1
    other = session(users["other_street_office"]).get("/api/v1/employer-registrations/").json()
    assert other["total"] == 0


# --- Pages -----------------------------------------------------------------------------------


def test_the_employer_registers_a_worker_on_its_page(client, employer: Employer):
    login(client, employer.person)
    page = client.get(reverse("organisations:detail", args=[employer.organisation.pk]))
    assert page.status_code == 200
    assert reverse("residents:worker-new").encode() in page.content
    form = client.get(reverse("residents:worker-new"), HTTP_ACCEPT_LANGUAGE="en")
    assert form.status_code == 200 and "甲机械厂".encode() in form.content
    bad = client.post(
        reverse("residents:worker-new"),
        {"name": "刘洋", "id_number": "411302199804120000"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert bad.status_code == 200 and not Resident.objects.exists()
    done = client.post(reverse("residents:worker-new"), {"name": "刘洋", "id_number": NUMBER})
    worker = Resident.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse(
        "residents:detail", args=[worker.pk]
    )
    again = client.post(
        reverse("residents:worker-new"),
        {"name": "刘洋", "id_number": NUMBER},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "already registered" in again.content.decode().lower()
    assert Resident.objects.count() == 1
    ended = client.post(reverse("residents:end-employment", args=[worker.pk]))
    assert ended.status_code == 302
    worker.refresh_from_db()
    assert worker.employer_organisation is None


def test_office_staff_read_the_figures_and_cannot_open_the_employer_form(
    client, employer: Employer, users
):
    _register(employer, 1)
    login(client, users["street_office"])
    assert client.get(reverse("residents:worker-new")).status_code == 403
    listing = client.get(reverse("organisations:list"))
    assert reverse("organisations:registrations").encode() in listing.content
    page = client.get(reverse("organisations:registrations"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    text = page.content.decode()
    assert "甲机械厂" in text and 'data-testid="registrations-total">1<' in text
    detail = client.get(
        reverse("organisations:detail", args=[employer.organisation.pk]),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert 'data-testid="organisation-registrations"' in detail.content.decode()
    assert reverse("residents:worker-new").encode() not in detail.content


def test_the_residents_register_button_takes_the_employer_to_its_workers_form(
    client, employer: Employer
):
    login(client, employer.person)
    listing = client.get(reverse("residents:list"))
    assert reverse("residents:new").encode() in listing.content
    form = client.get(reverse("residents:new"))
    assert form.status_code == 200
    assert 'data-testid="worker-form"' in form.content.decode()
    client.post(reverse("residents:new"), {"name": "刘洋", "id_number": NUMBER})
    assert Resident.objects.get().employer_organisation == employer.organisation


def test_the_employer_pages_speak_chinese_by_default(client, employer: Employer, users):
    login(client, employer.person)
    form = client.get(reverse("residents:worker-new")).content.decode()
    assert "登记流动人口从业人员" in form and "Register a floating worker" not in form
    login(client, users["street_office"])
    page = client.get(reverse("organisations:registrations")).content.decode()
    assert "用工单位登记的流动人口" in page
    refused = session(employer.person).post(
        "/api/v1/residents/", {"name": "刘洋", "id_number": NUMBER, "grid": 1}, format="json"
    )
    assert refused.status_code == 400
