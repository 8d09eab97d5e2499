"""Permits, passports and employers on the pages and through the API (P3, P6, P7, P10)."""

import datetime
import itertools

from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from population.identities import id_number_make
from population.models import Resident, ResidentStatus
from tests.conftest import login
from tests.factories import ResidentFactory
from tests.population.factories import OrganisationFactory

TODAY = timezone.localdate()
SOON = TODAY + datetime.timedelta(days=12)
NUMBER = id_number_make(born=datetime.date(1991, 3, 9), serial=41)


def floating(grid, **fields):
    return ResidentFactory(
        grid=grid,
        status=ResidentStatus.FLOATING,
        residence_permit_number="33010620240001",
        residence_permit_expires_on=SOON,
        **fields,
    )


PASSPORTS = itertools.count()


def foreign(grid, expires_on=SOON):
    return ResidentFactory(
        grid=grid,
        status=ResidentStatus.FOREIGN,
        # One person, one row: each a passport of their own (masked alike: M1*****78).
        passport_number=f"M1{23456 + next(PASSPORTS):05d}78",
        nationality="KOR",
        stay_expires_on=expires_on,
    )


def test_a_grid_worker_registers_a_floating_worker_with_permit_and_employer(client, users, areas):
    """P3: the registration form takes the permit and the employer of the ledger."""
    employer = OrganisationFactory(grid=areas["grid_a"], name="精工机械制造有限公司")
    login(client, users["grid_worker_a"])
    form = client.get(reverse("residents:new")).content.decode()
    assert "精工机械制造有限公司" in form and 'name="high_risk"' not in form
    response = client.post(
        reverse("residents:new"),
        {
            "grid": areas["grid_a"].pk,
            "name": "张伟",
            "id_number": NUMBER,
            "status": "floating",
            "employer_organisation": employer.pk,
            "residence_permit_number": "33010620240001",
            "residence_permit_expires_on": SOON.isoformat(),
        },
    )
    assert response.status_code == 302, response.content.decode()
    page = client.get(response.url).content.decode()
    assert "33010620240001" in page and "精工机械制造有限公司" in page
    assert 'data-testid="high-risk"' not in page


def test_the_form_names_the_field_a_rule_refuses(client, users, areas):
    login(client, users["grid_worker_a"])
    response = client.post(
        reverse("residents:new"),
        {"grid": areas["grid_a"].pk, "name": "金敏俊", "id_number": NUMBER, "status": "foreign"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "A foreign national&#x27;s passport number is required." in response.content.decode()
    assert not Resident.objects.exists()


def test_the_passport_is_masked_until_revealed_with_a_reason(client, users, areas):
    """P10: the passport number, encrypted, shown masked, revealed through the logged flow."""
    resident = foreign(areas["grid_a"])
    login(client, users["grid_worker_a"])
    url = reverse("residents:detail", args=[resident.pk])
    page = client.get(url).content.decode()
    assert "M1*****78" in page and resident.passport_number not in page
    revealed = client.post(
        reverse("residents:reveal", args=[resident.pk]), {"reason": "入户核对护照"}
    ).content.decode()
    assert resident.passport_number in revealed


def test_only_office_staff_see_the_high_risk_flag(client, users, areas):
    """P6: the flag on a floating resident is the office's."""
    resident = floating(areas["grid_a"])
    Resident.objects.filter(pk=resident.pk).update(high_risk=True)
    url = reverse("residents:detail", args=[resident.pk])
    login(client, users["street_office"])
    assert 'data-testid="high-risk"' in client.get(url).content.decode()
    for who in ("grid_worker_a", "leader"):
        login(client, users[who])
        assert 'data-testid="high-risk"' not in client.get(url).content.decode()
    api = APIClient()
    login(api, users["grid_worker_a"])
    assert "high_risk" not in api.get(f"/api/v1/residents/{resident.pk}/").json()
    login(api, users["street_office"])
    assert api.get(f"/api/v1/residents/{resident.pk}/").json()["high_risk"] is True


def test_the_expiring_page_lists_soon_and_expired_documents_in_scope(client, users, areas):
    soon = floating(areas["grid_a"])
    expired = foreign(areas["grid_a"], expires_on=TODAY - datetime.timedelta(days=3))
    later = foreign(areas["grid_a"], expires_on=TODAY + datetime.timedelta(days=90))
    elsewhere = floating(areas["grid_b"])
    login(client, users["grid_worker_a"])
    page = client.get(reverse("residents:documents-expiring")).content.decode()
    assert soon.name in page and expired.name in page
    assert later.name not in page and elsewhere.name not in page
    assert page.index(expired.name) < page.index(soon.name)  # longest expired first
    login(client, users["street_office"])
    assert elsewhere.name in client.get(reverse("residents:documents-expiring")).content.decode()


def test_the_organisation_page_lists_its_floating_workers(client, users, areas):
    """P7: 以业管人 — an employer's floating workers on its page."""
    employer = OrganisationFactory(grid=areas["grid_a"])
    worker = floating(areas["grid_a"], employer_organisation=employer)
    local = ResidentFactory(grid=areas["grid_a"], employer_organisation=employer)
    hidden = floating(areas["grid_b"], employer_organisation=None)
    login(client, users["grid_worker_a"])
    page = client.get(reverse("organisations:detail", args=[employer.pk])).content.decode()
    section = page[page.index('data-testid="floating-workers"') :]
    assert worker.name in section and local.name not in section and hidden.name not in section


def test_an_employer_registers_its_floating_worker_through_the_api(users, areas, street_token):
    """P7: 用工单位接入 — a token client registers a worker with the employer set, within its
    area; an employer outside the token's area does not exist for it."""
    employer = OrganisationFactory(grid=areas["grid_a"])
    outside = OrganisationFactory(grid=areas["grid_other_street"])
    client = APIClient(HTTP_AUTHORIZATION=f"Token {street_token}", HTTP_ACCEPT_LANGUAGE="en")
    payload = {
        "grid": areas["grid_a"].pk,
        "name": "赵磊",
        "id_number": NUMBER,
        "status": "floating",
        "employer_organisation": outside.pk,
        "residence_permit_number": "33010620240002",
        "residence_permit_expires_on": SOON.isoformat(),
    }
    refused = client.post("/api/v1/residents/", payload, format="json")
    assert refused.status_code == 400 and "employer_organisation" in refused.json()
    assert not Resident.objects.exists()
    created = client.post(
        "/api/v1/residents/", {**payload, "employer_organisation": employer.pk}, format="json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["employer_organisation"], body["residence_permit_expires_on"]) == (
        employer.pk,
        SOON.isoformat(),
    )
    assert "high_risk" not in body
    listed = client.get(f"/api/v1/residents/?employer_organisation={employer.pk}").json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    high_risk = client.post(
        "/api/v1/residents/", {**payload, "id_number": id_number_make(
            born=datetime.date(1991, 3, 9), serial=42), "high_risk": True,
            "employer_organisation": employer.pk}, format="json",
    )  # fmt: skip
    assert high_risk.status_code == 400 and "high_risk" in high_risk.json()


def test_the_api_filters_documents_expiring_and_reveals_the_passport(users, areas):
    soon = foreign(areas["grid_a"])
    foreign(areas["grid_a"], expires_on=TODAY + datetime.timedelta(days=90))
    ResidentFactory(grid=areas["grid_a"])
    client = APIClient()
    login(client, users["grid_worker_a"])
    rows = client.get("/api/v1/residents/?documents_expiring=true").json()["results"]
    assert [row["id"] for row in rows] == [soon.pk]
    assert rows[0]["passport_number"] == "M1*****78"
    assert len(client.get("/api/v1/residents/?documents_expiring=false").json()["results"]) == 2
    revealed = client.post(
        f"/api/v1/residents/{soon.pk}/reveal/", {"reason": "核对护照"}, format="json"
    ).json()
    assert revealed["passport_number"] == soon.passport_number
