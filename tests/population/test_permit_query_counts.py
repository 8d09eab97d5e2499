import datetime

from django.urls import reverse
from django.utils import timezone

from population.models import ResidentStatus
from tests.conftest import login
from tests.factories import ResidentFactory
from tests.population.factories import OrganisationFactory
from tests.test_query_counts import count_queries

SOON = timezone.localdate() + datetime.timedelta(days=5)


def worker(grid, employer):
    return ResidentFactory(
        grid=grid,
        status=ResidentStatus.FLOATING,
        residence_permit_number="33010620240001",
        residence_permit_expires_on=SOON,
        employer_organisation=employer,
    )


def test_expiring_documents_and_floating_workers_cost_the_same_for_one_row_as_for_several(
    client, users, areas
):
    employer = OrganisationFactory(grid=areas["grid_a"])
    worker(areas["grid_a"], employer)
    login(client, users["street_office"])
    urls = (
        reverse("residents:documents-expiring"),
        reverse("organisations:detail", args=[employer.pk]),
        "/api/v1/residents/?documents_expiring=true",
        reverse("residents:detail", args=[employer.workers.get().pk]),
    )
    one = [count_queries(client, url) for url in urls]
    for grid in ("grid_a", "grid_b", "grid_b"):
        worker(areas[grid], employer)
    assert [count_queries(client, url) for url in urls] == one
