import datetime

from django.urls import reverse
from django.utils import timezone

from population.models import Visit
from tests.conftest import login
from tests.factories import ResidentFactory
from tests.population.factories import VisitFactory


def test_the_admin_logs_a_visit_through_the_service_and_shows_its_messages(client, users, areas):
    resident = ResidentFactory(grid=areas["grid_a"])
    point = areas["grid_b"].geometry.representative_point()
    login(client, users["street_admin"])
    url = reverse("admin:population_visit_add")
    form = {
        "resident": resident.pk,
        "purpose": "routine",
        "visited_at_0": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
        "visited_at_1": "08:00",
        "findings": "无异常",
    }
    refused = client.post(url, {**form, "latitude": "30.0"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200
    assert "both the latitude and the longitude" in refused.content.decode()
    assert not Visit.objects.exists()
    where = {"latitude": f"{point.y}", "longitude": f"{point.x}"}
    response = client.post(url, {**form, **where}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302, response.content.decode()[:2000]
    visit = Visit.objects.get()
    assert (visit.grid, visit.worker, visit.located_grid) == (
        areas["grid_a"],
        users["street_admin"],
        areas["grid_b"],
    )
    assert visit.outside_grid


def test_the_admin_corrects_only_what_a_correction_may_change(client, users, areas):
    visit = VisitFactory(grid=areas["grid_a"], worker=users["grid_worker_a"], findings="原记录")
    Visit.objects.filter(pk=visit.pk).update(created_at=timezone.now() - datetime.timedelta(days=3))
    login(client, users["street_admin"])
    url = reverse("admin:population_visit_change", args=[visit.pk])
    page = client.get(url).content.decode()
    assert 'name="findings"' not in page  # after the day, the worker's alone
    assert 'name="latitude"' not in page
