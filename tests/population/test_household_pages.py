import datetime

from django.urls import reverse

from population.models import House, Household, HouseholdEvent
from population.services import household_member_add
from tests.conftest import login
from tests.factories import ResidentFactory
from tests.population.factories import HouseFactory, HouseholdFactory


def test_a_grid_worker_registers_a_rented_house_through_the_form(client, users, areas):
    """P4: landlord, filing date and responsibility letter are entered with the house."""
    login(client, users["grid_worker_a"])
    form = client.get(reverse("houses:new")).content.decode()
    assert areas["grid_a"].name in form and areas["grid_b"].name not in form
    response = client.post(
        reverse("houses:new"),
        {
            "grid": areas["grid_a"].pk,
            "building": "7",
            "unit": "3",
            "room": "602",
            "is_rented": "on",
            "landlord_name": "赵国庆",
            "landlord_phone": "13912345678",
            "responsibility_letter_signed_on": "2025-03-01",
        },
    )
    house = House.objects.get()
    assert response.url == reverse("houses:detail", args=[house.pk])
    page = client.get(response.url).content.decode()
    assert "7幢3单元602" in page and "139****5678" in page and "13912345678" not in page


def test_the_form_shows_the_services_message_and_saves_nothing(client, users, areas):
    login(client, users["grid_worker_a"])
    response = client.post(
        reverse("houses:new"),
        {"grid": areas["grid_a"].pk, "building": "1", "is_rented": "on"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "A rented house names its landlord." in response.content.decode()
    assert not House.objects.exists()


def test_the_list_filters_rentals_and_the_not_filed_page_lists_them(client, users, areas):
    """P4: a list of the rentals not filed."""
    HouseFactory(grid=areas["grid_a"], building="1", unit="", room="101")
    HouseFactory(
        grid=areas["grid_a"], building="2", unit="", room="201", is_rented=True, landlord_name="赵"
    )
    HouseFactory(
        grid=areas["grid_a"],
        building="3",
        unit="",
        room="301",
        is_rented=True,
        landlord_name="钱",
        filed_on=datetime.date(2025, 1, 1),
    )
    HouseFactory(
        grid=areas["grid_b"], building="4", unit="", room="401", is_rented=True, landlord_name="孙"
    )
    login(client, users["grid_worker_a"])
    everything = client.get(reverse("houses:list")).content.decode()
    assert all(label in everything for label in ("1幢101", "2幢201", "3幢301"))
    assert "4幢401" not in everything
    rented = client.get(reverse("houses:list"), {"rented": "1"}).content.decode()
    assert "1幢101" not in rented and "2幢201" in rented and "3幢301" in rented
    unfiled = client.get(reverse("houses:list"), {"rented": "1", "filed": "0"}).content.decode()
    assert "2幢201" in unfiled and "3幢301" not in unfiled
    page = client.get(reverse("houses:not-filed")).content.decode()
    assert "2幢201" in page and "3幢301" not in page and "4幢401" not in page
    login(client, users["community_office"])
    page = client.get(reverse("houses:not-filed")).content.decode()
    assert "2幢201" in page and "4幢401" in page


def test_a_household_is_registered_at_a_house_and_members_added_and_removed(client, users, areas):
    house = HouseFactory(grid=areas["grid_a"], is_rented=True, landlord_name="赵")
    head = ResidentFactory(grid=areas["grid_a"], name="张伟")
    partner = ResidentFactory(grid=areas["grid_a"], name="刘芳")
    login(client, users["grid_worker_a"])
    response = client.post(
        reverse("houses:household-new", args=[house.pk]),
        {"kind": "floating", "number": "", "head": head.pk},
    )
    household = Household.objects.get()
    assert response.url == reverse("houses:household", args=[household.pk])
    page = client.get(response.url).content.decode()
    assert "刘芳" in page  # offered as a member
    added = client.post(response.url, {"resident": partner.pk, "relationship": "spouse"})
    assert added.status_code == 302
    partner.refresh_from_db()
    assert partner.household == household
    house_page = client.get(reverse("houses:detail", args=[house.pk])).content.decode()
    assert "张伟" in house_page and "刘芳" in house_page  # the tenants of the rental
    client.post(response.url, {"remove": head.pk})
    head.refresh_from_db()
    assert head.household is None
    history = client.get(response.url).content.decode()
    assert history.count("张伟") >= 2  # joined and left, in the history
    assert HouseholdEvent.objects.filter(resident=head).count() == 2


def test_the_member_form_says_why_a_person_is_not_moved(client, users, areas):
    first = HouseholdFactory(house=HouseFactory(grid=areas["grid_a"]))
    second = HouseholdFactory(house=HouseFactory(grid=areas["grid_a"]))
    person = ResidentFactory(grid=areas["grid_a"], name="陈志强")
    household_member_add(
        actor=users["grid_worker_a"], household=first, resident=person, relationship="head"
    )
    login(client, users["grid_worker_a"])
    url = reverse("houses:household", args=[second.pk])
    response = client.post(
        url, {"resident": person.pk, "relationship": "head"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert "confirm the move" in response.content.decode()
    person.refresh_from_db()
    assert person.household == first
    client.post(url, {"resident": person.pk, "relationship": "head", "move": "on"})
    person.refresh_from_db()
    assert person.household == second


def test_a_leader_reads_a_household_but_cannot_change_it(client, users, areas):
    household = HouseholdFactory(house=HouseFactory(grid=areas["grid_a"]))
    person = ResidentFactory(grid=areas["grid_a"])
    login(client, users["street_leader"])
    url = reverse("houses:household", args=[household.pk])
    assert "member-form" not in client.get(url).content.decode()
    assert client.post(url, {"resident": person.pk, "relationship": "other"}).status_code == 403
    assert (
        "house-form"
        not in client.get(reverse("houses:edit", args=[household.house_id])).content.decode()
    )


def test_the_resident_page_shows_the_household_and_house(client, users, areas):
    house = HouseFactory(grid=areas["grid_a"], building="5", unit="1", room="101")
    person = ResidentFactory(grid=areas["grid_a"])
    HouseholdFactory(house=house, head=person)
    login(client, users["grid_worker_a"])
    page = client.get(reverse("residents:detail", args=[person.pk])).content.decode()
    assert "5幢1单元101" in page
    assert reverse("houses:detail", args=[house.pk]) in page


def test_registering_a_new_member_comes_back_to_the_household(client, users, areas):
    from population.identities import id_number_make

    household = HouseholdFactory(house=HouseFactory(grid=areas["grid_a"]))
    back = reverse("houses:household", args=[household.pk])
    login(client, users["grid_worker_a"])
    page = client.get(back).content.decode()
    assert f"next={back}" in page
    form = client.get(reverse("residents:new"), {"grid": areas["grid_a"].pk, "next": back})
    assert f'value="{back}"' in form.content.decode()
    response = client.post(
        reverse("residents:new"),
        {
            "grid": areas["grid_a"].pk,
            "name": "杨丽",
            "id_number": id_number_make(born=datetime.date(2001, 10, 30), serial=3, female=True),
            "status": "registered",
            "next": back,
        },
    )
    assert response.url == back
    assert "杨丽" in client.get(back).content.decode()
    evil = client.post(
        reverse("residents:new"),
        {
            "grid": areas["grid_a"].pk,
            "name": "某",
            "id_number": "x",
            "next": "https://evil.example/",
        },
    )
    assert "evil.example" not in evil.content.decode()


def test_house_and_household_lists_cost_the_same_for_one_row_as_for_several(client, users, areas):
    from tests.test_query_counts import count_queries

    house = HouseFactory(grid=areas["grid_a"], is_rented=True, landlord_name="赵")
    household = HouseholdFactory(house=house, head=ResidentFactory(grid=areas["grid_a"]))
    login(client, users["street_office"])
    urls = (
        reverse("houses:list"),
        reverse("houses:not-filed"),
        reverse("houses:detail", args=[house.pk]),
        reverse("houses:household", args=[household.pk]),
        "/api/v1/houses/",
        "/api/v1/households/",
    )
    one = [count_queries(client, url) for url in urls]
    for grid in ("grid_a", "grid_b", "grid_b"):
        other = HouseFactory(grid=areas[grid], is_rented=True, landlord_name="钱")
        HouseholdFactory(house=other, head=ResidentFactory(grid=areas[grid]))
        extra = HouseholdFactory(house=house, head=ResidentFactory(grid=areas["grid_a"]))
        household_member_add(
            actor=users["street_office"],
            household=household,
            resident=ResidentFactory(grid=areas["grid_a"]),
            relationship="child",
        )
        assert extra
    assert [count_queries(client, url) for url in urls] == one


def test_the_admin_registers_a_house_through_the_service_and_shows_its_messages(
    client, users, areas
):
    login(client, users["street_admin"])
    url = reverse("admin:population_house_add")
    form = {
        "grid": areas["grid_a"].pk,
        "building": "2",
        "unit": "",
        "room": "",
        "is_rented": "on",
        "households-TOTAL_FORMS": "0",
        "households-INITIAL_FORMS": "0",
    }
    refused = client.post(url, form, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200
    assert "A rented house names its landlord." in refused.content.decode()
    assert not House.objects.exists()
    assert client.post(url, {**form, "landlord_name": "赵"}).status_code == 302
    assert House.objects.get().created_by == users["street_admin"]
    household = HouseholdFactory(
        house=House.objects.get(), head=ResidentFactory(grid=areas["grid_a"])
    )
    page = client.get(reverse("admin:population_household_change", args=[household.pk]))
    assert page.status_code == 200 and household.head.name in page.content.decode()
