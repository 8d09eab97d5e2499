from django.core.management import call_command
from django.utils import timezone

from governance.models import ApiToken, User
from population.models import Resident, ResidentStatus
from population.selectors import employer_registration_figures, resident_list


def test_the_demo_has_an_enterprise_account_that_registered_its_floating_workers(
    db, settings, capsys
):
    """P7: the demo's enterprise account sees the workers it registered (masked), the office
    the employer's monthly figures; both the department and the enterprise get a unit token."""
    settings.DEMO_MODE = True
    call_command("load_demo")
    printed = capsys.readouterr().out
    enterprise = User.objects.get(username="enterprise")
    organisation = enterprise.unit.organisation
    assert organisation is not None and enterprise.employer_organisation_id == organisation.pk
    workers = resident_list(user=enterprise)
    assert workers.count() >= 5
    assert set(workers.values_list("status", flat=True)) == {ResidentStatus.FLOATING}
    assert not enterprise.has_perm("population.reveal_resident", workers.first())
    year = timezone.localdate().year
    office = User.objects.get(username="office")
    figures = employer_registration_figures(user=office, year=year)
    assert [row.name for row in figures.employers] == [organisation.name]
    assert figures.total == 5
    for username in ("department", "enterprise"):
        token = ApiToken.objects.get(client__username=username, name="demo")
        assert token.unit_id == User.objects.get(username=username).unit_id
        assert f"API token of {username} (unit " in printed
    assert "enterprise" in printed
    total = Resident.objects.count()
    call_command("load_demo")
    assert Resident.objects.count() == total
    assert ApiToken.objects.filter(client=enterprise).count() == 1
