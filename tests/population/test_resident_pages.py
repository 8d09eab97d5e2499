import datetime

from django.urls import reverse

from population.identities import id_number_make
from population.models import Resident
from tests.conftest import login
from tests.factories import ResidentFactory

NUMBER = id_number_make(born=datetime.date(1962, 7, 21), serial=5, female=True)


def test_a_grid_worker_registers_a_resident_through_the_form(client, users, areas):
    login(client, users["grid_worker_a"])
    form = client.get(reverse("residents:new")).content.decode()
    assert areas["grid_a"].name in form and areas["grid_b"].name not in form
    response = client.post(
        reverse("residents:new"),
        {"grid": areas["grid_a"].pk, "name": "陈桂英", "id_number": NUMBER, "status": "registered"},
    )
    resident = Resident.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("residents:detail", args=[resident.pk])
    page = client.get(response.url).content.decode()
    assert "陈桂英" in page and resident.id_number_masked in page and NUMBER not in page


def test_the_form_shows_the_services_message_and_saves_nothing(client, users, areas):
    login(client, users["grid_worker_a"])
    response = client.post(
        reverse("residents:new"),
        {
            "grid": areas["grid_a"].pk,
            "name": "陈桂英",
            "id_number": NUMBER[:17] + ("1" if NUMBER[17] == "0" else "0"),
            "status": "registered",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "check character" in response.content.decode()
    assert not Resident.objects.exists()


def test_a_leader_is_told_the_ledger_is_kept_by_others(client, users, areas):
    login(client, users["leader"])
    page = client.get(reverse("residents:new")).content.decode()
    assert "resident-form" not in page


def test_the_list_searches_by_name_and_full_id_number_in_scope(client, users, areas):
    ResidentFactory(grid=areas["grid_a"], name="陈桂英", id_number=NUMBER)
    ResidentFactory(grid=areas["grid_b"], name="陈建国")
    ResidentFactory(grid=areas["grid_a"], name="陈小明")
    login(client, users["grid_worker_a"])
    listed = client.get(reverse("residents:list")).content.decode()
    assert "陈桂英" in listed and "陈建国" not in listed
    found = client.post(reverse("residents:list"), {"q": NUMBER}).content.decode()
    assert "陈桂英" in found and "陈小明" not in found
    login(client, users["community_office"])
    by_name = client.post(reverse("residents:list"), {"q": "陈桂"}).content.decode()
    assert "陈桂英" in by_name and "陈建国" not in by_name
    assert "陈桂英" not in client.post(reverse("residents:list"), {"q": "桂英"}).content.decode()
    # One character (a surname) matches thousands of a street: the page asks for more.
    short = client.post(reverse("residents:list"), {"q": "陈"}).content.decode()
    assert 'data-testid="search-too-short"' in short


def test_a_searched_id_number_stays_out_of_every_url(client, users, areas):
    """The search is posted: a query string would carry the number into the address bar,
    the history and the access logs; a ?q= is not a search."""
    ResidentFactory(grid=areas["grid_a"], name="陈桂英", id_number=NUMBER)
    ResidentFactory(grid=areas["grid_a"], name="陈小明")
    login(client, users["grid_worker_a"])
    page = client.get(reverse("residents:list")).content.decode()
    assert 'method="post"' in page and 'role="search"' in page
    ignored = client.get(reverse("residents:list"), {"q": NUMBER}).content.decode()
    assert "陈小明" in ignored
    found = client.post(reverse("residents:list"), {"q": NUMBER}).content.decode()
    assert "陈桂英" in found and "陈小明" not in found
    assert f"q={NUMBER}" not in found  # nor in the language switch's return address


def test_the_admin_lists_and_shows_the_id_number_masked(client, users, areas):
    resident = ResidentFactory(grid=areas["grid_a"], id_number=NUMBER)
    login(client, users["street_admin"])
    listed = client.get(reverse("admin:population_resident_changelist"), {"q": resident.name})
    assert resident.id_number_masked in listed.content.decode()
    page = client.get(reverse("admin:population_resident_change", args=[resident.pk]))
    assert page.status_code == 200
    assert NUMBER not in page.content.decode()
    assert resident.id_number_masked in page.content.decode()


def test_the_admin_registers_through_the_service_and_shows_its_messages(client, users, areas):
    login(client, users["street_admin"])
    url = reverse("admin:population_resident_add")
    form = {"grid": areas["grid_a"].pk, "name": "周敏", "status": "registered"}
    wrong = NUMBER[:17] + ("1" if NUMBER[17] == "0" else "0")
    refused = client.post(url, {**form, "id_number": wrong}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200 and "check character" in refused.content.decode()
    assert not Resident.objects.exists()
    assert client.post(url, {**form, "id_number": NUMBER}).status_code == 302
    resident = Resident.objects.get()
    assert (resident.created_by, resident.birth_date) == (
        users["street_admin"],
        datetime.date(1962, 7, 21),
    )
