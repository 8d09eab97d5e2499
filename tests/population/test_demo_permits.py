from django.core.management import call_command

from governance.models import User
from population.models import Resident, ResidentStatus
from population.selectors import documents_expiring, organisation_floating_workers
from population.services import document_expiry_days


def test_the_demo_shows_permits_visas_and_floating_workers_once(db, settings):
    settings.DEMO_MODE = True
    call_command("load_demo")
    worker = User.objects.get(username="gridworker")
    items = documents_expiring(user=worker, within_days=document_expiry_days())
    kinds = {(item.document, item.expired) for item in items}
    assert kinds == {("residence_permit", False), ("residence_permit", True), ("stay", False)}
    floating = Resident.objects.filter(grid=worker.home_area, status=ResidentStatus.FLOATING)
    employer = floating.exclude(employer_organisation=None).first().employer_organisation
    assert organisation_floating_workers(user=worker, organisation=employer).count() == 2
    # The high-risk flag is the office's: the grid worker's own grid has none.
    assert not floating.filter(high_risk=True).exists()
    assert Resident.objects.filter(high_risk=True).exists()
    total = Resident.objects.count()
    call_command("load_demo")
    assert Resident.objects.count() == total
