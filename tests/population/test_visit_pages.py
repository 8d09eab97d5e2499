import datetime

from django.urls import reverse
from django.utils import timezone

from population.models import Visit, VisitPurpose
from tests.conftest import login
from tests.factories import ResidentFactory
from tests.population.factories import VisitFactory


def test_the_resident_page_offers_a_visit_with_the_resident_chosen(client, users, areas):
    resident = ResidentFactory(grid=areas["grid_a"], name="陈志强")
    login(client, users["grid_worker_a"])
    page = client.get(reverse("residents:detail", args=[resident.pk])).content.decode()
    link = f"{reverse('visits:new')}?resident={resident.pk}"
    assert link in page
    form = client.get(link).content.decode()
    assert "陈志强" in form and f'name="resident" value="{resident.pk}"' in form


def test_a_grid_worker_logs_a_visit_with_the_phones_point(client, users, areas):
    """P26: the worker logs the visit from the resident's page."""
    resident = ResidentFactory(grid=areas["grid_a"])
    point = areas["grid_a"].geometry.representative_point()
    login(client, users["grid_worker_a"])
    response = client.post(
        f"{reverse('visits:new')}?resident={resident.pk}",
        {
            "grid": areas["grid_a"].pk,
            "resident": resident.pk,
            "purpose": VisitPurpose.SPECIAL_GROUP_FOLLOWUP,
            "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "notes": "例行帮教",
            "findings": "情绪稳定",
            "latitude": f"{point.y:.6f}",
            "longitude": f"{point.x:.6f}",
            "location_accuracy": "15",
        },
    )
    visit = Visit.objects.get()
    assert response.status_code == 302 and response.url == reverse("visits:detail", args=[visit.pk])
    assert (visit.resident, visit.worker, visit.located_grid) == (
        resident,
        users["grid_worker_a"],
        areas["grid_a"],
    )
    assert visit.findings == "情绪稳定" and not visit.outside_grid


def test_a_visit_without_a_point_is_logged_and_says_so(client, users, areas):
    login(client, users["grid_worker_a"])
    response = client.post(
        reverse("visits:new"),
        {"grid": areas["grid_a"].pk, "subject": "3幢出租屋", "purpose": "rental_inspection"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    visit = Visit.objects.get()
    assert not visit.has_point and visit.grid == areas["grid_a"]
    assert "not recorded" in response.content.decode()


def test_bad_input_shows_the_error_by_its_field_and_saves_nothing(client, users, areas):
    login(client, users["grid_worker_a"])
    later = timezone.localtime() + datetime.timedelta(days=1)
    response = client.post(
        reverse("visits:new"),
        {
            "grid": areas["grid_a"].pk,
            "subject": "住户",
            "purpose": "routine",
            "visited_at": later.strftime("%Y-%m-%dT%H:%M"),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "future" in " ".join(response.context["form"].errors["visited_at"])
    assert not Visit.objects.exists()


def test_leaders_are_told_they_read_the_visit_log(client, users):
    login(client, users["street_leader"])
    response = client.get(reverse("visits:new"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["form"] is None
    assert client.post(reverse("visits:new"), {"subject": "x"}).status_code == 200
    assert not Visit.objects.exists()


def test_the_resident_page_lists_their_visits_latest_first(client, users, areas):
    resident = ResidentFactory(grid=areas["grid_a"])
    now = timezone.now()
    older = VisitFactory(
        grid=areas["grid_a"],
        resident=resident,
        findings="第一次",
        visited_at=now - datetime.timedelta(days=2),
    )
    newer = VisitFactory(grid=areas["grid_a"], resident=resident, findings="第二次", visited_at=now)
    VisitFactory(grid=areas["grid_a"], findings="别人家")
    login(client, users["street_office"])
    response = client.get(reverse("residents:detail", args=[resident.pk]))
    assert list(response.context["visits"]) == [newer, older]
    page = response.content.decode()
    assert page.index("第二次") < page.index("第一次") and "别人家" not in page


def test_my_visits_are_mine_and_the_office_filters_its_list(client, users, areas):
    mine = VisitFactory(grid=areas["grid_a"], worker=users["grid_worker_a"])
    flagged = VisitFactory(
        grid=areas["grid_b"],
        worker=users["grid_worker_b"],
        purpose=VisitPurpose.DISPUTE_FOLLOWUP,
        latitude=10.0,
        longitude=10.0,
    )
    login(client, users["grid_worker_a"])
    assert list(client.get(reverse("visits:mine")).context["visits"]) == [mine]
    client.logout()
    login(client, users["street_office"])
    listed = client.get(reverse("visits:list")).context["visits"]
    assert set(listed) == {mine, flagged}
    for query in (
        {"outside_grid": "on"},
        {"purpose": "dispute_followup"},
        {"grid": areas["grid_b"].pk},
    ):
        assert list(client.get(reverse("visits:list"), query).context["visits"]) == [flagged]
    bad = client.get(reverse("visits:list"), {"visited_from": "not a date"})
    assert bad.status_code == 200 and "visited_from" in bad.context["filter_form"].errors


def test_the_detail_names_the_grid_of_the_point_only_to_those_who_see_it(client, users, areas):
    point = areas["grid_b"].geometry.representative_point()
    visit = VisitFactory(
        grid=areas["grid_a"], worker=users["grid_worker_a"], latitude=point.y, longitude=point.x
    )
    login(client, users["grid_worker_a"])
    page = client.get(reverse("visits:detail", args=[visit.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "another grid." in page.content.decode()
    assert areas["grid_b"].name not in page.content.decode()
    client.logout()
    login(client, users["community_office"])
    page = client.get(reverse("visits:detail", args=[visit.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert f"another grid ({areas['grid_b'].name})" in page.content.decode()


def test_a_correction_after_the_day_is_the_workers_alone(client, users, areas):
    visit = VisitFactory(grid=areas["grid_a"], worker=users["grid_worker_a"], findings="原记录")
    Visit.objects.filter(pk=visit.pk).update(created_at=timezone.now() - datetime.timedelta(days=3))
    url = reverse("visits:correct", args=[visit.pk])
    values = {"subject": visit.subject, "purpose": "routine", "findings": "改过"}
    values["visited_at"] = timezone.localtime(visit.visited_at).strftime("%Y-%m-%dT%H:%M")
    login(client, users["street_office"])
    assert client.get(url).context["form"] is None
    client.post(url, values)
    visit.refresh_from_db()
    assert visit.findings == "原记录"
    client.logout()
    login(client, users["grid_worker_a"])
    assert client.post(url, values).status_code == 302
    visit.refresh_from_db()
    assert visit.findings == "改过"


def test_a_resident_outside_scope_posted_by_hand_is_named_and_nothing_saved(client, users, areas):
    hidden = ResidentFactory(grid=areas["grid_b"])
    login(client, users["grid_worker_a"])
    response = client.post(
        reverse("visits:new"),
        {"grid": areas["grid_a"].pk, "resident": hidden.pk, "purpose": "routine"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "resident" in response.context["form"].errors
    assert "Resident: Select a valid choice" in response.content.decode()
    assert not Visit.objects.exists()
