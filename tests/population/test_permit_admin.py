import datetime

from django.urls import reverse
from django.utils import timezone

from population.identities import id_number_make
from population.models import Resident
from tests.conftest import login
from tests.population.factories import OrganisationFactory

NUMBER = id_number_make(born=datetime.date(1988, 5, 1), serial=61)


def test_the_admin_registers_a_foreign_national_through_the_service(client, users, areas):
    """P10: the same rules as the pages; the passport is masked once saved."""
    employer = OrganisationFactory(grid=areas["grid_a"])
    login(client, users["street_admin"])
    url = reverse("admin:population_resident_add")
    form = {
        "grid": areas["grid_a"].pk,
        "name": "KIM MINJUN",
        "id_number": NUMBER,
        "status": "foreign",
        "employer_organisation": employer.pk,
        "nationality": "KOR",
        "stay_expires_on": (timezone.localdate() + datetime.timedelta(days=90)).isoformat(),
    }
    refused = client.post(url, form, HTTP_ACCEPT_LANGUAGE="en")
    assert "passport number is required" in refused.content.decode()
    assert not Resident.objects.exists()
    response = client.post(url, {**form, "passport_number": "M12345678"})
    assert response.status_code == 302, response.content.decode()[:2000]
    resident = Resident.objects.get()
    assert (resident.passport_number, resident.employer_organisation) == ("M12345678", employer)
    page = client.get(reverse("admin:population_resident_change", args=[resident.pk]))
    assert "M1*****78" in page.content.decode() and "M12345678" not in page.content.decode()
