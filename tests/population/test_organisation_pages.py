from django.urls import reverse

from population.identities import credit_code_make
from population.models import Organisation, OrganisationKind, VitalPart
from tests.conftest import login
from tests.population.factories import OrganisationFactory

CODE = credit_code_make(serial=9_999)
FORM = {
    "name": "恒达纺织有限公司",
    "kind": "enterprise",
    "credit_code": CODE,
    "employee_count": "150",
    "liaison_name": "何建明",
    "liaison_phone": "13957100001",
}


def test_a_grid_worker_registers_an_organisation_and_its_page_masks_the_phone(client, users, areas):
    login(client, users["grid_worker_a"])
    form = client.get(reverse("organisations:new")).content.decode()
    assert areas["grid_a"].name in form and areas["grid_b"].name not in form
    response = client.post(reverse("organisations:new"), {**FORM, "grid": areas["grid_a"].pk})
    organisation = Organisation.objects.get()
    assert response.url == reverse("organisations:detail", args=[organisation.pk])
    page = client.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "139****0001" in page and "13957100001" not in page
    assert "internal security body" in page  # 150 employees, no security body: P12


def test_the_form_shows_the_services_message_and_saves_nothing(client, users, areas):
    login(client, users["grid_worker_a"])
    response = client.post(
        reverse("organisations:new"),
        {**FORM, "grid": areas["grid_a"].pk, "credit_code": CODE[:17] + "0"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "check character" in response.content.decode()
    assert not Organisation.objects.exists()


def test_the_edit_form_keeps_a_phone_left_empty_and_never_shows_it(client, users, areas):
    organisation = OrganisationFactory(
        grid=areas["grid_a"], liaison_name="何建明", liaison_phone="13957100001"
    )
    login(client, users["grid_worker_a"])
    url = reverse("organisations:edit", args=[organisation.pk])
    assert "13957100001" not in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "name": "新名字",
            "kind": organisation.kind,
            "credit_code": organisation.credit_code,
            "employee_count": "3",
            "liaison_name": "何建明",
            "liaison_phone": "",
        },
    )
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert (organisation.name, organisation.liaison_phone) == ("新名字", "13957100001")


def test_the_list_filters_by_kind_and_shortfall(client, users, areas):
    OrganisationFactory(grid=areas["grid_a"], kind=OrganisationKind.SCHOOL, name="实验小学")
    OrganisationFactory(grid=areas["grid_a"], kind=OrganisationKind.NEW_SOCIAL, name="社工中心")
    login(client, users["grid_worker_a"])
    url = reverse("organisations:list")
    schools = client.get(url, {"kind": "school"}).content.decode()
    assert "实验小学" in schools and "社工中心" not in schools
    lacking = client.get(url, {"problem": "lacking_contacts"}).content.decode()
    assert "社工中心" in lacking and "实验小学" not in lacking


def test_a_vital_part_is_added_to_a_key_unit_from_its_page(client, users, areas):
    station = OrganisationFactory(grid=areas["grid_a"], kind=OrganisationKind.KEY_UNIT)
    login(client, users["grid_worker_a"])
    url = reverse("organisations:vital_part_new", args=[station.pk])
    response = client.post(url, {"name": "储油罐区", "person_responsible": "钱卫东"})
    assert response.status_code == 302
    assert "储油罐区" in client.get(response.url).content.decode()
    again = client.post(url, {"name": "储油罐区"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "already has a vital part" in again.content.decode()
    assert VitalPart.objects.count() == 1


def test_an_organisation_that_is_not_a_key_unit_offers_no_vital_part_form(client, users, areas):
    school = OrganisationFactory(grid=areas["grid_a"], kind=OrganisationKind.SCHOOL)
    login(client, users["grid_worker_a"])
    url = reverse("organisations:vital_part_new", args=[school.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "key units" in page and "vital-part-form" not in page
    client.post(url, {"name": "配电房"})
    assert not VitalPart.objects.exists()


# The vital parts inline's management form (read-only rows, none added here).
INLINE = {
    "vital_parts-TOTAL_FORMS": "0",
    "vital_parts-INITIAL_FORMS": "0",
    "vital_parts-MIN_NUM_FORMS": "0",
    "vital_parts-MAX_NUM_FORMS": "1000",
}


def test_the_admin_registers_through_the_service_and_never_shows_a_phone(client, users, areas):
    login(client, users["street_admin"])
    url = reverse("admin:population_organisation_add")
    form = {**FORM, **INLINE, "grid": areas["grid_a"].pk}
    refused = client.post(url, {**form, "credit_code": CODE[:17] + "0"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200 and "check character" in refused.content.decode()
    assert not Organisation.objects.exists()
    assert client.post(url, form).status_code == 302
    organisation = Organisation.objects.get()
    assert organisation.created_by == users["street_admin"]
    change = reverse("admin:population_organisation_change", args=[organisation.pk])
    page = client.get(change).content.decode()
    assert "13957100001" not in page and "139****0001" in page
    kept = {**FORM, "name": "改名", "liaison_phone": ""}
    assert client.post(change, {**kept, **INLINE}).status_code == 302
    organisation.refresh_from_db()
    assert (organisation.name, organisation.liaison_phone) == ("改名", "13957100001")
